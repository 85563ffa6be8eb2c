"""Scaling out: round runs through Celery workers and the multiprocess executor on a PostgreSQL Dagster instance,
many concurrent round runs on SQLite and PostgreSQL, and a publish killed mid-round then run again."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from conftest import ROOT, WEEK
from scale_helpers import (
    QUIET,
    ROUNDS_PARTITIONS,
    failures,
    fresh_database,
    ingest_job,
    lock_errors,
    postgres_instance_home,
    reconcile_rounds,
    run_rounds_in_processes,
    step_windows,
    stop_process_group,
    warehouse_tables,
)

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.run import environment

TESTS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def _demo(root: Path, scale: float, rounds: int) -> tuple[Path, list[str]]:
    sources = copy_demo_config(root / "src")
    manifest = generate_demo_sources(sources, scale=scale, rounds=rounds)
    return sources, list(manifest["rounds"])


def _pipeline_env(root: Path, sources: Path, database_url: str, executor: str, **extra: str) -> dict[str, str]:
    """The production environment of a deployment: every folder and URL from its variable."""
    return {
        "DS_ENV": "production",
        "DS_EXECUTOR": executor,
        "DS_SOURCES_DIR": str(sources),
        "DS_PUBLISH_DIR": str(root / "published"),
        "DS_ASSETS_DIR": str(root / "assets"),
        "DS_DATABASE_URL": database_url,
        # a Celery worker or a multiprocess child rebuilds the jobs from the scale_helpers module
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        **extra,
    }


@pytest.fixture()
def postgres_instance(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A DAGSTER_HOME on a fresh PostgreSQL database, and a fresh PostgreSQL database for the warehouse."""
    home = postgres_instance_home(tmp_path / "dagster_home", fresh_database(postgres_url, "dagster_instance"))
    yield home, fresh_database(postgres_url, "warehouse")


def _ingest(instance: dg.DagsterInstance) -> None:
    result = ingest_job().execute_in_process(instance=instance, run_config=QUIET, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]


# --- a. Celery ---------------------------------------------------------------------------------------------------


def _start_celery_worker(name: str, config: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(config),
               "-n", name, "-l", "INFO", "--", "--concurrency=1", "--without-gossip", "--without-mingle",
               "--without-heartbeat"]
    with log.open("w") as handle:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_for_workers(logs: list[Path], workers: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(" ready." in log.read_text() for log in logs):
        dead = [log.read_text()[-3000:] for log, worker in zip(logs, workers, strict=True) if worker.poll() is not None]
        if dead or time.monotonic() > deadline:
            shown = dead or [log.read_text()[-3000:] for log in logs]
            pytest.fail("a Celery worker did not start:\n" + "\n".join(shown))
        time.sleep(0.5)


def test_backfill_of_three_rounds_through_two_celery_workers(
    postgres_instance: tuple[Path, str], redis_url: str, tmp_path: Path
) -> None:
    home, warehouse = postgres_instance
    sources, rounds = _demo(tmp_path, scale=0.02, rounds=3)
    env = _pipeline_env(tmp_path, sources, warehouse, "celery", DAGSTER_HOME=str(home),
                        DS_CELERY_BROKER=redis_url, DS_CELERY_BACKEND=redis_url)
    config = tmp_path / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: '{redis_url}'\n    backend: '{redis_url}'\n",
                      encoding="utf-8")
    worker_env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [_start_celery_worker(f"ds-worker{i}", config, worker_env, log) for i, log in zip((1, 2), logs,
                                                                                               strict=True)]
    try:
        _wait_for_workers(logs, workers)
        with environment(env), dg.DagsterInstance.get() as instance:
            _ingest(instance)
            instance.add_dynamic_partitions(ROUNDS_PARTITIONS, rounds)
            run_ids = run_rounds_in_processes(env, rounds, len(rounds), {"dagster/backfill": "celery-rounds"})
            runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
            assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS] * len(rounds), [
                failures(instance, run_id) for run_id in run_ids
            ]
            assert sorted(run.tags["dagster/partition"] for run in runs) == rounds
            hosts: set[str] = set()
            for run_id in run_ids:
                records = instance.all_logs(run_id)
                # the worker reports "Executing steps <key> in celery worker" with its name, for each step
                delegated = {
                    r.step_key: str(r.dagster_event.engine_event_data.metadata["Celery worker"].value)
                    for r in records
                    if r.dagster_event and r.dagster_event.is_engine_event
                    and "Celery worker" in r.dagster_event.engine_event_data.metadata
                }
                steps = {r.step_key for r in records
                         if r.dagster_event and r.dagster_event.event_type_value == "STEP_SUCCESS"}
                assert steps and set(delegated) == steps, (run_id, sorted(steps), delegated)
                hosts |= {worker.split("@")[0] for worker in delegated.values()}
            assert hosts == {"ds-worker1", "ds-worker2"}  # both workers took steps
        engine = sa.create_engine(warehouse)
        counts = reconcile_rounds(engine, sources, rounds)
        engine.dispose()
        assert all(c["displacement"] > 0 and c["return_index"] > 0 for c in counts.values())
    finally:
        for worker in workers:
            stop_process_group(worker)


# --- b. multiprocess ---------------------------------------------------------------------------------------------


def test_two_round_runs_in_parallel_with_the_multiprocess_executor(
    postgres_instance: tuple[Path, str], tmp_path: Path
) -> None:
    home, warehouse = postgres_instance
    sources, rounds = _demo(tmp_path, scale=0.02, rounds=2)
    env = _pipeline_env(tmp_path, sources, warehouse, "multiprocess", DAGSTER_HOME=str(home))
    with environment(env), dg.DagsterInstance.get() as instance:
        _ingest(instance)
        instance.add_dynamic_partitions(ROUNDS_PARTITIONS, rounds)
        run_ids = run_rounds_in_processes(env, rounds, 2)
        statuses = [instance.get_run_by_id(run_id).status for run_id in run_ids]
        assert statuses == [dg.DagsterRunStatus.SUCCESS] * 2, [failures(instance, r) for r in run_ids]
        for run_id in run_ids:  # steps ran in child processes of the multiprocess executor
            assert any("multiprocess executor" in (r.message or "") for r in instance.all_logs(run_id)), run_id
        (first_start, first_end), (second_start, second_end) = (step_windows(instance, r) for r in run_ids)
    assert max(first_start, second_start) < min(first_end, second_end), "the two runs did not overlap"
    engine = sa.create_engine(warehouse)
    reconcile_rounds(engine, sources, rounds)
    engine.dispose()


# --- c. load -----------------------------------------------------------------------------------------------------

LOAD_ROUNDS = 24
LOAD_CONCURRENCY = 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_twenty_four_round_runs_four_at_a_time_account_for_every_row(backend: str, tmp_path: Path,
                                                                    request: pytest.FixtureRequest) -> None:
    sources, rounds = _demo(tmp_path, scale=0.01, rounds=LOAD_ROUNDS)
    assert len(rounds) == LOAD_ROUNDS
    if backend == "sqlite":
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
        warehouse = f"sqlite:///{tmp_path}/warehouse.db"
    else:
        home, warehouse = request.getfixturevalue("postgres_instance")
    env = _pipeline_env(tmp_path, sources, warehouse, "in_process", DAGSTER_HOME=str(home))
    started = time.monotonic()
    with environment(env), dg.DagsterInstance.get() as instance:
        _ingest(instance)
        instance.add_dynamic_partitions(ROUNDS_PARTITIONS, rounds)
        run_ids = run_rounds_in_processes(env, rounds, LOAD_CONCURRENCY)
        runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS] * LOAD_ROUNDS, [
            failures(instance, run_id) for run_id in run_ids if failures(instance, run_id)
        ]
        assert sorted(run.tags["dagster/partition"] for run in runs) == rounds  # each round run exactly once
        assert lock_errors(instance, run_ids) == []
        assert sorted(instance.get_dynamic_partitions(ROUNDS_PARTITIONS)) == rounds
    seconds = time.monotonic() - started
    engine = sa.create_engine(warehouse)
    counts = reconcile_rounds(engine, sources, rounds)
    engine.dispose()
    assert len(counts) == LOAD_ROUNDS
    print(f"{backend}: {LOAD_ROUNDS} round runs, {LOAD_CONCURRENCY} at a time, in {seconds:.1f} s")


# --- d. kill -----------------------------------------------------------------------------------------------------


def _publish_command(sources: Path, out: Path, database: Path) -> list[str]:
    return [sys.executable, "-m", "ds_pipeline.cli", "publish", "--sources", str(sources), "--out", str(out),
            "--database", f"sqlite:///{database}", "--week", WEEK]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published(out: Path) -> dict[str, str]:
    edition = out / WEEK
    names = [f"IRQ_DSTWG_brief_{WEEK}_en.html", f"IRQ_DSTWG_brief_{WEEK}_en.pdf", f"IRQ_RWG_pack_{WEEK}.zip"]
    return {name: _sha(edition / name) for name in names}


def test_a_publish_killed_mid_round_then_run_again_equals_a_clean_run(tmp_path: Path) -> None:
    sources, _ = _demo(tmp_path, scale=0.02, rounds=3)
    scratch = tmp_path / "tmp"  # the publishes' temporary folder: what they leave behind is seen here
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONUNBUFFERED": "1"}
    for variable in ("DS_ENV", "DS_EXECUTOR", "DAGSTER_HOME", "DS_DATABASE_URL"):
        env.pop(variable, None)
    (tmp_path / "clean").mkdir()
    (tmp_path / "killed").mkdir()
    clean_tmp = tmp_path / "clean" / "tmp"
    clean_tmp.mkdir()
    clean = subprocess.Popen(  # the reference run, alongside (its own temporary folder and warehouse)
        _publish_command(sources, tmp_path / "clean" / "out", tmp_path / "clean" / "warehouse.db"), cwd=ROOT,
        env={**env, "TMPDIR": str(clean_tmp)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    database = tmp_path / "killed" / "warehouse.db"
    command = _publish_command(sources, tmp_path / "killed" / "out", database)
    victim = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)
    seen = []
    assert victim.stdout is not None
    for line in victim.stdout:
        seen.append(line)
        if "round R132–R134 (3 rounds): read, validate, conform, metrics" in line:  # the round run has started
            break
    else:
        pytest.fail("the publish ended before its round run:\n" + "".join(seen[-30:]))
    time.sleep(1.0)  # about half-way through the round run (2.4 s on the test machine): some tables written
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stdout.close()
    assert victim.returncode == -signal.SIGKILL
    left_by_kill = sorted(p.name for p in scratch.iterdir())
    # the kill left the publish's throwaway instance folder behind (no clean-up ran)
    assert any(name.startswith("ds-pipeline-instance-") for name in left_by_kill), left_by_kill

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    clean_out, _ = clean.communicate(timeout=600)
    assert clean.returncode == 0, clean_out[-3000:]

    reference, rerun = sa.create_engine(f"sqlite:///{tmp_path}/clean/warehouse.db"), sa.create_engine(
        f"sqlite:///{database}")
    expected, found = warehouse_tables(reference), warehouse_tables(rerun)
    assert sorted(found) == sorted(expected)
    assert [t for t in expected if found[t] != expected[t]] == []
    assert _published(tmp_path / "killed" / "out") == _published(tmp_path / "clean" / "out")
    leftovers = sorted(p.name for p in scratch.iterdir()
                       if p.name.startswith(("ds-pipeline-instance-", "ds-pipeline-warehouse-")))
    assert leftovers == [], f"left in the temporary folder (after the kill: {left_by_kill})"
