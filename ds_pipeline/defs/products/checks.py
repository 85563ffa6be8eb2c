"""Blocking checks on the weekly edition, run before its brief and pack are written: every file reconciles and every
section has its required input; and the check that every published table passes its Great Expectations suite,
run by the step that writes the brief and the pack (its validation runs beside the brief's rendering).

Each failing check puts a one-line `message` (naming the source, table or file) in its metadata; `ds-pipeline
publish` prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from ds_pipeline.defs.partitions import weeks
from ds_pipeline.defs.resources import PublishFolder, SourcesFolder
from ds_pipeline.lib.products.edition import Edition
from ds_pipeline.lib.products.gates import section_gaps, unreconciled_inventory

if TYPE_CHECKING:
    from ds_pipeline.lib.products.expectations import EditionValidation

MAX_LISTED = 5


@dg.asset_check(asset="weekly_edition", blocking=True, partitions_def=weeks,
                description="Every file of the edition's inventory: rows read = rows accepted + rows quarantined")
def edition_rows_reconcile(weekly_edition: Edition) -> dg.AssetCheckResult:
    broken = unreconciled_inventory(weekly_edition)
    files = ", ".join(
        f"{row.source_file} ({row.source_id}: read {row.rows_read}, accepted {row.rows_accepted}, quarantined "
        f"{row.rows_quarantined})" for row in broken.head(MAX_LISTED).itertuples()
    )
    return dg.AssetCheckResult(
        passed=broken.empty,
        metadata={
            "files": len(weekly_edition.current.inventory),
            "unreconciled_files": len(broken),
            "message": "every file reconciles" if broken.empty else f"rows do not reconcile in {files}",
        },
    )


@dg.asset_check(asset="weekly_edition", blocking=True, partitions_def=weeks,
                description="Each brief section's required source has accepted rows as of the edition "
                "(unless publishing with --allow-incomplete)")
def edition_sections_have_data(
    weekly_edition: Edition, sources: SourcesFolder, publish: PublishFolder
) -> dg.AssetCheckResult:
    gaps = section_gaps(weekly_edition, sources.registry())
    message = "; ".join(g.message() for g in gaps) or "every section has its input"
    if gaps and publish.allow_incomplete:
        message = f"published incomplete (--allow-incomplete): {message}"
    return dg.AssetCheckResult(
        passed=not gaps or publish.allow_incomplete,
        metadata={
            "sections_without_data": len(gaps),
            "sources": ", ".join(sorted({g.source_id for g in gaps if g.source_id})) or "none",
            "allow_incomplete": publish.allow_incomplete,
            "message": message,
        },
    )


EXPECTATIONS_CHECK = "edition_expectations"
EXPECTATIONS_DESCRIPTION = ("Every published table of the edition passes its Great Expectations suite: columns and "
                            "types, keys, value sets, ranges, suppressed cells empty, row counts consistent with the "
                            "inputs")


def expectations_check_spec(asset: str) -> dg.AssetCheckSpec:
    """The GX check of a product of the edition (the brief, the pack): blocking, run in the step that writes the
    product, which writes nothing when it fails."""
    return dg.AssetCheckSpec(EXPECTATIONS_CHECK, asset=asset, blocking=True, description=EXPECTATIONS_DESCRIPTION)


def expectations_check_result(validation: EditionValidation, asset: str) -> dg.AssetCheckResult:
    """The GX check's result for `asset` from the edition's validation, with a link to its Data Docs."""
    from ds_pipeline.lib.products.expectations import frame_of

    failures = validation.failures
    failed = frame_of(validation)
    message = (f"{len(validation.outcomes)} expectations on {len(validation.rows)} tables passed" if not failures
               else f"{len(failures)} expectation(s) failed: "
               + "; ".join(o.describe() for o in failures[:MAX_LISTED]))
    index = validation.docs_index
    docs = {"data_docs": dg.MetadataValue.path(str(index)),
            "data_docs_url": dg.MetadataValue.url(index.resolve().as_uri())} if index is not None else {}
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=EXPECTATIONS_CHECK,
        passed=validation.success,
        metadata={
            **docs,
            "expectations": len(validation.outcomes),
            "failed": len(failures),
            "failed_expectations": dg.MetadataValue.md(failed.to_markdown(index=False) if failures else "none"),
            "seconds": round(validation.seconds, 2),
            "message": message,
        },
    )
