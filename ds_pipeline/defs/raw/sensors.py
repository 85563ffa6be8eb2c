"""Drop-folder sensor: new or changed files in the sources folder trigger exactly one run of what they feed."""

import json

import dagster as dg

from ds_pipeline.defs.jobs import ingest_job, round_job
from ds_pipeline.defs.partitions import rounds
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.drop_folder import folder_changes


@dg.sensor(
    name="source_files_sensor",
    jobs=[round_job, ingest_job],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs each new or changed DTM round once (adding its partition; a round whose files are all deleted "
    "loses its partition), and the whole-source ingestion once when a gazetteer, 4W, POA or survey file is new, "
    "changed or deleted. The cursor holds every file's SHA-256.",
)
def source_files_sensor(context: dg.SensorEvaluationContext, sources: SourcesFolder) -> dg.SensorResult:
    previous = json.loads(context.cursor) if context.cursor else {}
    changes = folder_changes(sources.root, sources.registry(), previous)
    known = set(context.instance.get_dynamic_partitions(rounds.name))
    new_rounds = [r for r in changes.rounds if r not in known]
    requests = [
        dg.RunRequest(run_key=f"{r}:{fingerprint}", partition_key=r, job_name=round_job.name)
        for r, fingerprint in changes.rounds.items()
    ]
    if changes.unpartitioned:
        requests.append(dg.RunRequest(run_key=f"sources:{changes.unpartitioned}", job_name=ingest_job.name))
    gone = [r for r in changes.removed_rounds if r in known]  # every file of the round deleted: drop the round
    partition_requests = [rounds.build_add_request(new_rounds)] if new_rounds else []
    if gone:
        partition_requests.append(rounds.build_delete_request(gone))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=partition_requests,
        cursor=json.dumps(changes.files, sort_keys=True),
    )
