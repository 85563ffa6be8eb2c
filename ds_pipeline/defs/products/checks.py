"""Blocking checks on the weekly edition, run before its brief and pack are written: every file reconciles, every
section has its required input, and every published table passes its Great Expectations suite.

Each failing check puts a one-line `message` (naming the source, table or file) in its metadata; `ds-pipeline
publish` prints it.
"""

import dagster as dg

from ds_pipeline.defs.partitions import weeks
from ds_pipeline.defs.resources import PublishFolder, SourcesFolder
from ds_pipeline.lib.products.edition import Edition
from ds_pipeline.lib.products.gates import section_gaps, unreconciled_inventory

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


@dg.asset_check(asset="weekly_edition", blocking=True, partitions_def=weeks,
                description="Every published table passes its Great Expectations suite: columns and types, keys, "
                "value sets, ranges, suppressed cells empty, row counts consistent with the inputs")
def edition_expectations(weekly_edition: Edition, publish: PublishFolder) -> dg.AssetCheckResult:
    from ds_pipeline.lib.products.expectations import frame_of, validate_edition

    docs = publish.quality_docs(weekly_edition.week)
    validation = validate_edition(weekly_edition, docs_dir=docs)
    failures = validation.failures
    failed = frame_of(validation)
    message = (f"{len(validation.outcomes)} expectations on {len(validation.rows)} tables passed" if not failures
               else f"{len(failures)} expectation(s) failed: "
               + "; ".join(o.describe() for o in failures[:MAX_LISTED]))
    index = validation.docs_index
    return dg.AssetCheckResult(
        passed=validation.success,
        metadata={
            "data_docs": dg.MetadataValue.path(str(index)),
            "data_docs_url": dg.MetadataValue.url(index.resolve().as_uri()),
            "expectations": len(validation.outcomes),
            "failed": len(failures),
            "failed_expectations": dg.MetadataValue.md(
                failed.to_markdown(index=False) if failures else "none"),
            "seconds": round(validation.seconds, 2),
            "message": message,
        },
    )
