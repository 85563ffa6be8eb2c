"""Every job of the pipeline, defined once: the stages of a publish (ingestion, one round, the metrics over all
rounds, a week's products, a month's area updates). `ds-pipeline publish`, the schedules, the sensor and the UI
all launch these same definitions; each job runs the asset checks of the assets it selects."""

import dagster as dg

from ds_pipeline.defs.kinds import KINDS, ROUND_KINDS
from ds_pipeline.defs.partitions import months, rounds, weeks

STAGES = ("raw", "validated", "rejected_at_validation", "conformed", "rejected_at_conforming")
ROUND_METRICS = ("displacement_by_area", "area_severity")

# The ingestion chain of sources read whole: gazetteer, 4W, POA workbooks, household survey.
ingest_job = dg.define_asset_job(
    name="ingest_job",
    description="Read, validate and conform the sources that are not split by round.",
    selection=dg.AssetSelection.assets(
        *[f"{kind}_{stage}" for kind in KINDS if kind not in ROUND_KINDS for stage in STAGES]
    ),
)

# Every round-partitioned asset: the ingestion chain of round-based sources and the per-round metrics.
round_job = dg.define_asset_job(
    name="round_job",
    description="Read, validate and conform one DTM round and compute its per-round metrics.",
    selection=dg.AssetSelection.assets(
        *[f"{kind}_{stage}" for kind in ROUND_KINDS for stage in STAGES], *ROUND_METRICS
    ),
    partitions_def=rounds,
)

# Metrics over all rounds and data slices, data quality, and the feedback reports to the senders of files.
metrics_job = dg.define_asset_job(
    name="metrics_job",
    description="Compute the metrics over all rounds and data slices, the source inventory and quarantine log, "
    "and the feedback report of each file with rejected rows.",
    selection=(dg.AssetSelection.groups("metrics") - dg.AssetSelection.assets(*ROUND_METRICS))
    | dg.AssetSelection.assets("submission_feedback"),
)

dstwg_weekly_job = dg.define_asset_job(
    name="dstwg_weekly_brief", selection=["weekly_edition", "dstwg_brief"], partitions_def=weeks,
    description="Build the edition of a week and its DSTWG brief.",
)

# The products of a week: what `ds-pipeline publish` and the RWG schedule build.
weekly_products_job = dg.define_asset_job(
    name="rwg_dissemination_pack", selection=["weekly_edition", "dstwg_brief", "rwg_pack"], partitions_def=weeks,
    description="Build the edition of a week, its brief and the RWG dissemination pack.",
)

area_updates_job = dg.define_asset_job(
    name="area_updates_monthly", selection=["area_updates"], partitions_def=months,
    description="Build the area updates of a POA report month in English and Arabic.",
)

# The stages of `ds-pipeline publish`, in order.
PUBLISH_JOBS = (ingest_job, round_job, metrics_job, area_updates_job, weekly_products_job)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        jobs=[ingest_job, round_job, metrics_job, dstwg_weekly_job, weekly_products_job, area_updates_job]
    )
