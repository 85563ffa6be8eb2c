"""Round runs side by side: forked processes a few at a time, a failure or a kill reported as one line and no run
left behind, and a publish whose round ranges ran side by side stores exactly what one after another stores."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import WEEK

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.parallelism import MOST_WORKERS, WORKERS_VARIABLE, WorkersError
from ds_pipeline.lib.products import expectations
from ds_pipeline.run import run_pipeline
from ds_pipeline.side_by_side import Task, independent_parts, job_waves, run_side_by_side, workers_for


def test_workers_come_from_the_environment_or_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "3")
    assert workers_for(10) == 3 and workers_for(2) == 2 and workers_for(0) == 1
    for wrong in ("0", "two", "-1", "1.5"):
        monkeypatch.setenv(WORKERS_VARIABLE, wrong)
        with pytest.raises(WorkersError, match=WORKERS_VARIABLE):
            workers_for(4)
    monkeypatch.delenv(WORKERS_VARIABLE)
    assert workers_for(100) == min(len(os.sched_getaffinity(0)), MOST_WORKERS)


def _sleeper(folder: Path, name: str, seconds: float, outcome: str | None = None) -> Task:
    def run() -> str | None:
        began = time.time()
        time.sleep(seconds)
        (folder / name).write_text(f"{os.getpid()} {began} {time.time()}")
        return outcome

    return Task(name, run)


def test_runs_go_side_by_side_in_forked_processes_at_most_workers_at_a_time(tmp_path: Path) -> None:
    tasks = [_sleeper(tmp_path, f"run{i}", 0.6) for i in range(4)]
    events: list[str] = []
    began = time.time()
    failure = run_side_by_side(tasks, 2, lambda t: events.append(f"start {t.label}"),
                               lambda t, s: events.append(f"done {t.label} {s:.1f}"))
    took = time.time() - began
    assert failure is None
    spans = [tuple(map(float, (tmp_path / f"run{i}").read_text().split())) for i in range(4)]
    assert {int(pid) for pid, _, _ in spans}.isdisjoint({os.getpid()})  # each in a process of its own
    assert 1.1 < took < 2.3  # two at a time: about two rounds of 0.6 s, not four
    for moment in [start + 0.3 for _, start, _ in spans]:
        assert sum(start <= moment <= end for _, start, end in spans) <= 2
    assert [e for e in events if e.startswith("start")] == [f"start run{i}" for i in range(4)]
    assert sorted(e.rsplit(" ", 1)[0] for e in events if e.startswith("done")) == [f"done run{i}" for i in range(4)]


def test_after_a_failure_no_further_run_starts_and_the_first_failure_is_returned(tmp_path: Path) -> None:
    tasks = [_sleeper(tmp_path, "slow", 1.0), _sleeper(tmp_path, "bad", 0.0, "round R2 failed: check x failed"),
             _sleeper(tmp_path, "never1", 0.0), _sleeper(tmp_path, "never2", 0.0)]
    started: list[str] = []
    finished: list[str] = []
    failure = run_side_by_side(tasks, 2, lambda t: started.append(t.label), lambda t, s: finished.append(t.label))
    assert failure == "round R2 failed: check x failed"
    assert started == ["slow", "bad"] and finished == ["slow"]  # the run under way finished
    assert (tmp_path / "slow").exists() and not (tmp_path / "never1").exists()


def test_a_run_waits_for_the_run_it_is_after_and_the_next_ready_run_takes_the_free_worker(tmp_path: Path) -> None:
    sources = _sleeper(tmp_path, "sources", 0.8)
    tasks = [sources, _sleeper(tmp_path, "round", 0.1),
             Task("metrics", _sleeper(tmp_path, "metrics", 0.1).run, after="sources"), _sleeper(tmp_path, "late", 0.3)]
    started: list[str] = []
    assert run_side_by_side(tasks, 2, lambda t: started.append(t.label), lambda t, s: None) is None
    assert started == ["sources", "round", "late", "metrics"]  # "late" went ahead while "metrics" waited
    spans = {name: tuple(map(float, (tmp_path / name).read_text().split()))[1:] for name in ("sources", "metrics")}
    assert spans["metrics"][0] >= spans["sources"][1]
    failing = [_sleeper(tmp_path, "bad", 0.0, "ingest failed"), Task("after bad", sources.run, after="bad")]
    started.clear()
    assert run_side_by_side(failing, 2, lambda t: started.append(t.label), lambda t, s: None) == "ingest failed"
    assert started == ["bad"]  # what waited for the failed run never started
    for workers in (1, 2):
        with pytest.raises(ValueError, match="not a task before it"):
            run_side_by_side([Task("metrics", sources.run, after="sources"), sources], workers, print, print)


def test_a_run_that_raises_or_is_killed_is_a_one_line_failure(tmp_path: Path) -> None:
    def raises() -> str | None:
        raise ValueError("the gazetteer table is missing")

    def killed() -> str | None:
        os.kill(os.getpid(), signal.SIGKILL)
        return None

    assert run_side_by_side([Task("round R1", raises), _sleeper(tmp_path, "a", 0.3)], 2, print, print) == (
        "round R1 failed: ValueError: the gazetteer table is missing")
    assert run_side_by_side([_sleeper(tmp_path, "b", 0.3), Task("round R9", killed)], 2, print, print) == (
        "round R9 failed: its process ended without a result")


def test_a_stopped_publish_leaves_no_run_going(tmp_path: Path) -> None:
    def stop(task: Task, seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C while another run is under way

    long = _sleeper(tmp_path, "long", 20.0)
    pids: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        run_side_by_side([_sleeper(tmp_path, "short", 0.2), long], 2, lambda t: pids.append(os.getpid()), stop)
    time.sleep(0.2)
    children = [p for p in os.listdir("/proc") if p.isdigit()
                and f"ds-pipeline {long.label}".encode() in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert children == [] and not (tmp_path / "long").exists()


def _tables(url: str) -> dict[str, pd.DataFrame]:
    """Every table in its stored order (rounds written side by side are inserted in whatever order they end)."""
    engine = sa.create_engine(url)
    tables = {}
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            columns = [c["name"] for c in sa.inspect(conn).get_columns(name)]
            order = [f'"{c}"' for c in ("round_id", "_row_order") if c in columns] or [f'"{c}"' for c in columns]
            tables[name] = pd.read_sql(sa.text(f'SELECT * FROM "{name}" ORDER BY {", ".join(order)}'), conn)
    return tables


def test_rounds_side_by_side_store_what_one_after_another_stores(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sources = copy_demo_config(tmp_path / "sources")
    generate_demo_sources(sources, scale=0.02, rounds=6)
    stored = {}
    whole = "metrics: criteria_metrics, poa_metrics, service_coverage"
    for workers in ("1", "2"):
        monkeypatch.setenv(WORKERS_VARIABLE, workers)
        url = f"sqlite:///{tmp_path}/warehouse{workers}.db"
        lines: list[str] = []
        summary = run_pipeline(sources, tmp_path / f"published{workers}", week=WEEK, database_url=url,
                               progress=lines.append)
        rounds = [label for label, _ in summary.stages if label.startswith("round ")]
        assert sorted(rounds) == ["round R132–R135 (4 rounds)", "round R136–R137 (2 rounds)"]
        # side by side, the metrics of the sources read whole run beside the rounds, not after them (one after
        # another, every metric is one run after the rounds)
        ran = [i for i, line in enumerate(lines) if line.strip().startswith(f"{whole}:")]
        after_rounds = next(i for i, line in enumerate(lines) if "metrics over all rounds" in line)
        assert [i < after_rounds for i in ran] == ([True] if workers == "2" else [])
        stored[workers] = _tables(url)
        assert expectations._STARTED == []  # the validation process started ahead was used, none is left
    assert sorted(stored["1"]) == sorted(stored["2"]) and len(stored["1"]) > 40
    for name, table in stored["1"].items():
        pd.testing.assert_frame_equal(table, stored["2"][name], obj=name)
    one, two = (tmp_path / f"published{w}" / WEEK / f"IRQ_RWG_pack_{WEEK}.zip" for w in ("1", "2"))
    assert one.read_bytes() == two.read_bytes()


def test_the_metrics_run_in_waves_each_step_after_what_it_and_its_checks_read(defs) -> None:  # noqa: ANN001
    job = defs.resolve_job_def("metrics_job")
    graph = job.asset_layer.asset_graph
    selected = set(job.asset_layer.selected_asset_keys)
    for runs in (1, 2, 3):
        waves = job_waves(job, defs, runs)
        assert all(1 <= len(wave) <= runs for wave in waves)
        placed = [key for wave in waves for share in wave for key in share]
        assert sorted(placed) == sorted(selected)  # every asset once
        wave_of = {key: number for number, wave in enumerate(waves) for share in wave for key in share}
        run_of = {key: i for wave in waves for i, share in enumerate(wave) for key in share}
        for key in selected:
            reads = set(defs.resolve_assets_def(key).asset_deps[key])
            reads |= {k for check in graph.asset_check_keys if check.asset_key == key
                      for k in graph.get(check).parent_entity_keys if isinstance(k, dg.AssetKey)}
            for upstream in reads & selected:
                assert wave_of[upstream] < wave_of[key] or (
                    wave_of[upstream] == wave_of[key] and run_of[upstream] == run_of[key]), (key, upstream)
    first, *rest = job_waves(job, defs, 2)
    assert len(first) == 2 and rest  # data quality beside the other metrics, the data slices after them
    names = {k.to_user_string() for k in first[0]}
    # data quality reads the most tables: a run of its own, and the feedback reports, which read only its tables,
    # go on in that run
    assert names == {"source_inventory", "quarantine_log", "submission_feedback"}
    assert [{k.to_user_string() for k in share} for share in rest[0]] == [
        {"data_slices", "service_gaps", "area_priority", "referral_directory"}]  # they read from both runs
    # with the criteria, POA and service metrics up to date, what reads data quality goes on in its one run
    recomputed = [k for k in job.asset_layer.selected_asset_keys
                  if defs.resolve_assets_def(k).node_def.name in ("data_quality", "slice_metrics",
                                                                   "submission_feedback")]
    assert job_waves(job, defs, 2, recomputed) == [[sorted(recomputed)]]
    assert job_waves(job, defs, 1) == [[sorted(selected)]]  # one at a time: the job in one run


def test_a_round_splits_into_its_dtm_and_return_index_chains_which_read_nothing_of_each_other(defs) -> None:  # noqa: ANN001
    job = defs.resolve_job_def("round_job")
    graph = job.asset_layer.asset_graph
    parts = independent_parts(job, defs)
    assert [sorted({k.path[-1].split("_")[0] for k in part if k.path[-1].endswith("_raw")}) for part in parts] == [
        ["return"], ["displacement"]]
    assert sorted(k for part in parts for k in part) == sorted(job.asset_layer.selected_asset_keys)
    part_of = {key: i for i, part in enumerate(parts) for key in part}
    for key, i in part_of.items():
        reads = set(defs.resolve_assets_def(key).asset_deps[key])
        reads |= {k for check in graph.asset_check_keys if check.asset_key == key
                  for k in graph.get(check).parent_entity_keys if isinstance(k, dg.AssetKey)}
        assert all(part_of[k] == i for k in reads if k in part_of), key
    # the metrics over all rounds hang together, but for the POA metrics, which read only the POA workbooks
    metrics = independent_parts(defs.resolve_job_def("metrics_job"), defs)
    assert [sorted(k.path[-1] for k in part) for part in metrics[1:]] == [
        ["poa_overdue_actions", "poa_status_by_criterion", "poa_timeliness"]]


def test_calls_mapped_over_forked_processes_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from functools import partial

    from ds_pipeline.lib.parallelism import map_forked

    def where(number: int) -> tuple[int, int]:
        time.sleep(0.05)
        return number * number, os.getpid()

    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    results = map_forked([partial(where, n) for n in range(6)])
    assert [square for square, _ in results] == [n * n for n in range(6)]
    assert os.getpid() not in {pid for _, pid in results}  # made in forked processes

    def fails() -> None:
        raise ValueError("no translation for 'Returns'")

    with pytest.raises(ValueError, match="no translation"):
        map_forked([partial(where, 1), fails])
    monkeypatch.setenv(WORKERS_VARIABLE, "1")
    assert {pid for _, pid in map_forked([partial(where, n) for n in range(3)])} == {os.getpid()}


def test_this_process_does_its_own_work_once_while_the_first_runs_go(tmp_path: Path) -> None:
    events: list[str] = []

    def meanwhile() -> None:
        events.append(f"meanwhile in {os.getpid()}")

    tasks = [_sleeper(tmp_path, f"run{i}", 0.3) for i in range(3)]
    assert run_side_by_side(tasks, 2, lambda t: events.append(f"start {t.label}"),
                            lambda t, s: events.append(f"done {t.label}"), meanwhile) is None
    assert events.count(f"meanwhile in {os.getpid()}") == 1
    assert events.index(f"meanwhile in {os.getpid()}") == 2  # after the first two started, before any ended
    events.clear()
    run_side_by_side(tasks, 1, lambda t: None, lambda t, s: None, meanwhile)
    assert events == []  # one after another: nothing to wait for


def test_objects_alive_before_a_publishs_runs_are_left_out_of_its_collections_until_it_ends() -> None:
    import gc

    from ds_pipeline.side_by_side import long_lived_heap

    assert gc.get_freeze_count() == 0
    with long_lived_heap():
        before = gc.get_freeze_count()
        assert before > 0
        with long_lived_heap():  # the round runs' block inside the publish's
            pass
        assert gc.get_freeze_count() >= before  # the inner block left the outer one's objects frozen
    assert gc.get_freeze_count() == 0
