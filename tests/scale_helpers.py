"""Helpers of the scale-out tests: the pipeline's jobs as reconstructable targets (a Celery worker or a
multiprocess child process rebuilds them from this module), Dagster instances on PostgreSQL, and the
reconciliation of every row of round runs against the files they read."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from ds_pipeline.defs.kinds import ROUND_KINDS
from ds_pipeline.lib.registry import load_registry

ROUNDS_PARTITIONS = "rounds"
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _definitions() -> dg.Definitions:
    from ds_pipeline.definitions import defs

    return defs()


def round_job() -> dg.JobDefinition:
    """The pipeline's round job as resolved with the executor and resources of the environment (DS_EXECUTOR,
    DS_ENV, DS_DATABASE_URL...): a module-level function, so that `dg.reconstructable(round_job)` can be rebuilt in
    another process from this module's name."""
    from ds_pipeline.defs.jobs import round_job as job

    return _definitions().resolve_job_def(job.name)


def ingest_job() -> dg.JobDefinition:
    from ds_pipeline.defs.jobs import ingest_job as job

    return _definitions().resolve_job_def(job.name)


# --- PostgreSQL ------------------------------------------------------------------------------------------------


def fresh_database(server_url: str, prefix: str) -> str:
    """Create a new empty database on the server of `server_url`; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def postgres_instance_home(home: Path, database_url: str) -> Path:
    """A DAGSTER_HOME whose dagster.yaml keeps runs, events and schedules in the PostgreSQL database of
    `database_url` (as deploy/dagster.prod.yaml does, with the values written in)."""
    url = sa.engine.make_url(database_url)
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "storage:\n"
        "  postgres:\n"
        "    postgres_db:\n"
        f"      hostname: {url.host}\n"
        f"      port: {url.port}\n"
        f"      username: {url.username}\n"
        f"      password: '{url.password or ''}'\n"
        f"      db_name: {url.database}\n"
        "      scheme: postgresql+psycopg2\n"
        "telemetry:\n"
        "  enabled: false\n",
        encoding="utf-8",
    )
    return home


# --- runs ------------------------------------------------------------------------------------------------------


def run_round(instance: dg.DagsterInstance, round_id: str, tags: Mapping[str, str] | None = None) -> str:
    """Execute the round job of `round_id` with the executor of the environment; returns the run id."""
    with dg.execute_job(
        dg.reconstructable(round_job),
        instance=instance,
        tags={"dagster/partition": round_id, "dagster/partition_set": "round_job_partition_set", **(tags or {})},
        run_config=QUIET,
        raise_on_error=False,
    ) as result:
        return result.run_id


def run_rounds_in_processes(
    env: Mapping[str, str], round_ids: Iterable[str], processes: int, tags: Mapping[str, str] | None = None
) -> list[str]:
    """Run the round job of each round, `processes` runs at a time: `processes` fresh Python processes (Dagster
    configures logging as a run starts, so runs in threads of one process can deadlock; and a step process of the
    multiprocess executor must not start from a test runner's main module), each running its share of the rounds
    one after the other. `env` holds DAGSTER_HOME and the pipeline's variables. Returns the run ids in the order of
    `round_ids`."""
    round_ids = list(round_ids)
    shares = [round_ids[i::processes] for i in range(processes)]
    tag_args = [f"--tag={key}={value}" for key, value in (tags or {}).items()]
    children = [
        subprocess.Popen([sys.executable, "-m", "scale_helpers", *tag_args, *share], env={**os.environ, **env},
                         cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for share in shares if share
    ]
    run_of: dict[str, str] = {}
    for child in children:
        out, err = child.communicate(timeout=900)
        if child.returncode != 0:
            raise RuntimeError(f"a round runner failed ({child.returncode}):\n{err[-3000:]}")
        run_of.update(line.split(" ", 1) for line in out.splitlines() if line.strip())
    return [run_of[round_id] for round_id in round_ids]


def step_windows(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float]:
    """(first step start, last step end) of a run, as timestamps from its event log."""
    records = instance.all_logs(run_id)
    starts = [r.timestamp for r in records if r.dagster_event and r.dagster_event.event_type_value == "STEP_START"]
    ends = [
        r.timestamp for r in records
        if r.dagster_event and r.dagster_event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE")
    ]
    return min(starts), max(ends)


def failures(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The error messages of a run (failed steps, run failure, errors of the engine; empty for a clean run)."""
    found = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is not None and event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            found.append(f"{event.step_key}: {event.step_failure_data.error.to_string().strip()[-2000:]}")
        elif event is not None and event.is_engine_event and event.engine_event_data.error is not None:
            found.append(f"{record.message}: {event.engine_event_data.error.to_string().strip()[-2000:]}")
        elif record.level >= logging.ERROR:
            found.append(record.message)
    return found


def lock_errors(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> list[str]:
    """Messages in the event logs of the runs that tell of a database lock problem (locked, deadlock, timeout)."""
    words = ("database is locked", "deadlock", "lock timeout", "could not obtain lock", "WarehouseLockTimeout")
    return [
        f"{run_id}: {record.message}"
        for run_id in run_ids
        for record in instance.all_logs(run_id)
        if any(word.lower() in (record.message or "").lower() for word in words)
    ]


# --- rows ------------------------------------------------------------------------------------------------------


def file_rows(sources: Path, round_id: str) -> dict[str, int]:
    """Rows of each round-based kind in the files of `round_id` (data rows below the header)."""
    counts = dict.fromkeys(ROUND_KINDS, 0)
    for entry in load_registry(sources):
        if entry.kind not in ROUND_KINDS:
            continue
        path = sources / entry.files.replace("{round}", round_id.removeprefix("R"))
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=entry.header_row - 1,
                            encoding=entry.encoding or "utf-8-sig")
        counts[entry.kind] += len(frame)
    return counts


def _rows(engine: sa.Engine, table: str) -> pd.DataFrame:
    return pd.read_sql_table(table, engine)


def reconcile_rounds(engine: sa.Engine, sources: Path, round_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Check every row of the rounds' tables against the files and each other, and return the raw row counts by
    round and kind. For each round and round-based kind: raw rows = rows in its files, each source row stored once;
    validated + rows rejected at validation = raw; conformed + rows rejected at conforming = validated; and each
    round's per-round metrics are present. No table holds rows of any other round."""
    round_ids = sorted(round_ids)
    counts: dict[str, dict[str, int]] = {}
    frames = {
        f"{kind}_{stage}": _rows(engine, f"{kind}_{stage}")
        for kind in ROUND_KINDS
        for stage in ("raw", "validated", "rejected_at_validation", "conformed", "rejected_at_conforming")
    }
    for metric in ("displacement_by_area", "area_severity"):
        frames[metric] = _rows(engine, metric)
    for table, frame in frames.items():  # a round may have no rejected rows; no table holds another round
        stored = set(frame["round_id"].astype(str))
        assert stored <= set(round_ids) if "rejected" in table else stored == set(round_ids), (table, sorted(stored))
    for round_id in round_ids:
        expected = file_rows(sources, round_id)
        counts[round_id] = {}
        for kind in ROUND_KINDS:
            of = {stage: frames[f"{kind}_{stage}"][frames[f"{kind}_{stage}"]["round_id"] == round_id]
                  for stage in ("raw", "validated", "rejected_at_validation", "conformed", "rejected_at_conforming")}
            where = f"{kind} {round_id}"
            raw = of["raw"]
            assert len(raw) == expected[kind], f"{where}: {len(raw)} raw rows, {expected[kind]} in the files"
            assert not raw.duplicated(["source_file", "source_row"]).any(), f"{where}: a source row stored twice"
            for stage in ("validated", "conformed"):
                assert not of[stage].duplicated(["source_file", "source_row"]).any(), f"{where} {stage}: duplicates"

            def rejected(stage: str, of: dict = of) -> int:
                return len(of[stage][["source_file", "source_row"]].drop_duplicates())

            validated, conformed = len(of["validated"]), len(of["conformed"])
            assert validated + rejected("rejected_at_validation") == len(raw), f"{where}: validation loses rows"
            assert conformed + rejected("rejected_at_conforming") == validated, f"{where}: conforming loses rows"
            counts[round_id][kind] = len(raw)
        for metric in ("displacement_by_area", "area_severity"):
            assert (frames[metric]["round_id"] == round_id).any(), f"{metric}: no rows of {round_id}"
    return counts


def warehouse_tables(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every table of a warehouse as its rows, sorted (columns in name order; values as text)."""
    tables = {}
    for name in sorted(sa.inspect(engine).get_table_names()):
        frame = _rows(engine, name)
        frame = frame[sorted(frame.columns)].astype(str)
        tables[name] = sorted(frame.itertuples(index=False, name=None))
    return tables


# --- processes -------------------------------------------------------------------------------------------------


def stop_process_group(process: subprocess.Popen, grace: float = 20.0) -> None:
    """Stop a process started in its own session and everything it started: SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + grace  # the group's other members (a Celery worker's pool) end too
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def main(arguments: list[str]) -> None:
    """`python -m scale_helpers [--tag=key=value ...] ROUND...`: run the round job of each round, one after the
    other, in the instance of DAGSTER_HOME; prints "<round> <run id>" for each."""
    import scale_helpers  # the jobs by this module's name (not __main__), as the other processes import it

    tags = dict(a.removeprefix("--tag=").split("=", 1) for a in arguments if a.startswith("--tag="))
    with dg.DagsterInstance.get() as instance:
        for round_id in (a for a in arguments if not a.startswith("--tag=")):
            print(round_id, scale_helpers.run_round(instance, round_id, tags), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
