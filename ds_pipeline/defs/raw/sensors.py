"""Drop-folder sensor: a new round's files in the sources folder add the round and request its run, once."""

import dagster as dg

from ds_pipeline.defs.kinds import ROUND_KINDS
from ds_pipeline.defs.partitions import rounds
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.registry import discover_rounds

# Every round-partitioned asset: the ingestion chain of round-based sources and the per-round metrics.
round_job = dg.define_asset_job(
    name="round_job",
    description="Read, validate and conform one DTM round and compute its per-round metrics.",
    selection=dg.AssetSelection.assets(
        *[f"{kind}_{stage}" for kind in ROUND_KINDS for stage in
          ("raw", "validated", "rejected_at_validation", "conformed", "rejected_at_conforming")],
        "displacement_by_area",
        "area_severity",
    ),
    partitions_def=rounds,
)


@dg.sensor(
    name="new_round_files",
    job=round_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Adds a partition for each new DTM round found in the sources folder and runs that round once.",
)
def new_round_files(context: dg.SensorEvaluationContext, sources: SourcesFolder) -> dg.SensorResult:
    known = set(context.instance.get_dynamic_partitions(rounds.name))
    new = [r for r in discover_rounds(sources.root, sources.registry()) if r not in known]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"round:{r}", partition_key=r) for r in new],
        dynamic_partitions_requests=[rounds.build_add_request(new)] if new else [],
    )
