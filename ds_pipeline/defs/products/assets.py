"""Products stage: the weekly edition, the DSTWG brief (HTML + PDF) and the RWG dissemination pack (zip)."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from ds_pipeline.defs import handover
from ds_pipeline.defs.metadata import OWNERS
from ds_pipeline.defs.partitions import weeks
from ds_pipeline.defs.products.checks import expectations_check_result, expectations_check_spec
from ds_pipeline.defs.resources import PublishFolder, SourcesFolder
from ds_pipeline.lib.edition_calendar import latest_complete_area_month, week_of_partition_key
from ds_pipeline.lib.freshness import stale_sources
from ds_pipeline.lib.products.area_publish import published_area_files
from ds_pipeline.lib.products.brief import render_brief_html, render_brief_pdf
from ds_pipeline.lib.products.edition import Edition, build_edition
from ds_pipeline.lib.products.gates import no_data_reasons
from ds_pipeline.lib.products.pack import build_pack, table_files, write_edition
from ds_pipeline.lib.products.submission_feedback import feedback_reports
from ds_pipeline.lib.products.verify import missing_sections, pdf_page_count, section_content_problems

ALL_ROUNDS = dg.AllPartitionMapping()
EDITION_TABLES = (
    "displacement_by_area", "area_severity", "criteria_progress", "iris_composite", "poa_status_by_criterion",
    "poa_overdue_actions", "poa_timeliness", "service_coverage", "service_mapping_conformed", "source_inventory",
    "quarantine_log", "data_slices", "service_gaps", "area_priority", "referral_directory",
)
ROUND_TABLES = ("displacement_by_area", "area_severity")


def edition_label(partition_key: str) -> str:
    """ISO week label (2026-W47) of a weekly partition key (its Monday, 2026-11-16)."""
    return week_of_partition_key(partition_key)


def render_checked_brief(
    edition: Edition, label: str, allow_incomplete: bool = False, sources: SourcesFolder | None = None
) -> tuple[str, bytes]:
    """HTML and PDF of the brief under `label`; fails rather than publish a brief that lost a section or whose
    section has no content (a "no data in this edition" statement counts only with `allow_incomplete`). With
    `sources`, the data-quality section names each source whose latest data is older than its registry cadence."""
    registry = sources.registry() if sources is not None else None
    no_data = no_data_reasons(edition, registry)
    stale = stale_sources(edition.current.inventory, registry, edition.as_of) if registry is not None else None
    html = render_brief_html(edition, label=label, no_data=no_data, stale=stale)
    pdf = render_brief_pdf(html, edition)
    problems = [f"section {heading!r} is missing from the PDF" for heading in missing_sections(pdf)]
    problems += section_content_problems(html, pdf, allow_incomplete=allow_incomplete)
    if problems:
        raise dg.Failure(
            description=f"brief completeness check failed: {'; '.join(problems)}; nothing was published",
            metadata={"problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems))},
        )
    return html, pdf


# The products are no tables, so they carry no column schema: the edition is a pickled object of tables, the
# brief and the pack are files, the feedback reports are text files.
@dg.asset(
    group_name="products",
    partitions_def=weeks,
    owners=OWNERS,
    io_manager_key="edition_io_manager",
    ins={name: dg.AssetIn(name, partition_mapping=ALL_ROUNDS if name in ROUND_TABLES else None)
         for name in EDITION_TABLES},
    description="The edition of one ISO week: every table as of that week's Sunday, after disclosure control.",
)
def weekly_edition(context: dg.AssetExecutionContext, sources: SourcesFolder, publish: PublishFolder,
                   **tables: pd.DataFrame) -> Edition:
    week = edition_label(context.partition_key)
    edition = build_edition(dict(tables), week, sources.settings())
    if handover.executes_in_run(context, "weekly_products"):  # its validation starts now, collected by that step
        from ds_pipeline.lib.products.expectations import begin_validation

        begin_validation((context.run_id, context.partition_key), edition, publish.quality_docs(week))
    context.add_output_metadata({"edition": week, "suppressed_cells": len(edition.suppressions)})
    return edition


@dg.multi_asset(
    group_name="products",
    partitions_def=weeks,
    can_subset=True,
    outs={
        "dstwg_brief": dg.AssetOut(
            kinds={"html", "pdf"}, owners=OWNERS, is_required=False,
            description="The DSTWG weekly evidence brief, HTML and PDF, in the publish folder."),
        "rwg_pack": dg.AssetOut(
            kinds={"zip"}, owners=OWNERS, is_required=False,
            description="The RWG dissemination pack: the brief as published, HXL CSVs, XLSX, datapackage.json, "
            "SHA-256 manifest."),
    },
    check_specs=[expectations_check_spec("dstwg_brief"), expectations_check_spec("rwg_pack")],
)
def weekly_products(
    context: dg.AssetExecutionContext, publish: PublishFolder, sources: SourcesFolder, weekly_edition: Edition
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    """The brief is rendered and checked once per edition; the pack carries those very files, so the brief a DSTWG
    member reads and the pack's copy are the same bytes. The edition's Great Expectations validation runs in a
    process of its own while the brief renders (begun as soon as the edition was built when that step ran here);
    brief and pack are written, in one folder swap, only when it passes."""
    from ds_pipeline.lib.products.expectations import quality_files, validation_in_background

    edition, selected = weekly_edition, context.selected_output_names
    with validation_in_background(edition, publish.quality_docs(edition.week),
                                  (context.run_id, context.partition_key)) as validation_result:
        html, pdf = render_checked_brief(edition, edition.sensitivity_label, publish.allow_incomplete, sources)
        tables = table_files(edition) if "rwg_pack" in selected else None  # while the validation finishes
        validation = validation_result()
    for check in context.selected_asset_check_keys:
        yield expectations_check_result(validation, check.asset_key.to_user_string())
    if not validation.success:
        return  # the blocking check failed: nothing is written, the previous edition stays as it was
    pack = None
    if "rwg_pack" in selected:
        deadline_day = int((sources.settings().get("poa", {}) or {}).get("deadline_day", 10))
        area_month = latest_complete_area_month(edition.as_of, deadline_day)
        areas = published_area_files(publish.root, area_month)  # the month's area updates, once published
        pack = build_pack(edition, html, pdf, quality=quality_files(validation), areas=areas, tables=tables)
        context.log.info(f"pack: {len(pack):,} bytes, area updates of {area_month}: "
                         f"{len(areas) // 2 if areas else 'not published yet'}")
    brief = "dstwg_brief" in selected  # the pack alone leaves the published brief as it is
    paths = write_edition(publish.root, edition, html if brief else None, pdf if brief else None, pack)
    if brief:
        context.log.info(f"brief written: {paths['pdf']} ({len(pdf):,} bytes)")
        yield dg.MaterializeResult(asset_key="dstwg_brief", metadata={
            "html": dg.MetadataValue.path(str(paths["html"])), "pdf": dg.MetadataValue.path(str(paths["pdf"])),
            "pdf_bytes": len(pdf), "pdf_pages": pdf_page_count(pdf)})
    if pack is not None:
        yield dg.MaterializeResult(asset_key="rwg_pack", metadata={
            "zip": dg.MetadataValue.path(str(paths["pack"])), "zip_bytes": len(pack)})


@dg.asset(group_name="products", kinds={"text"}, owners=OWNERS,
          description="A readable report per received file with rejected rows: sheet, row, column and why.")
def submission_feedback(
    context: dg.AssetExecutionContext,
    sources: SourcesFolder,
    publish: PublishFolder,
    source_inventory: pd.DataFrame,
    quarantine_log: pd.DataFrame,
) -> dg.MaterializeResult:
    folder = publish.root / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.txt"):  # reports are derived: a file fixed since the last run loses its report
        stale.unlink()
    reports = feedback_reports(source_inventory, quarantine_log, sources.registry())
    for name, text in reports.items():
        (folder / name).write_text(text, encoding="utf-8")
    context.log.info(f"{len(reports)} feedback reports in {folder}")
    return dg.MaterializeResult(metadata={"reports": len(reports), "folder": dg.MetadataValue.path(str(folder))})
