"""Rounds, and the sources read whole, that are up to date in the warehouse are not run again by a publish: what
changes a fingerprint, a publish after one changed file equal to a fresh publish of the same files, and a run that
failed half-way never taken for up to date."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import WEEK

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.round_fingerprints import (
    INGEST_KEY,
    WHOLE_METRICS_KEY,
    record_fingerprints,
    round_fingerprints,
    stored_fingerprints,
)
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.sources_folder import present_files
from ds_pipeline.lib.warehouse import read_table
from ds_pipeline.run import PipelineError, run_pipeline


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_demo_config(tmp_path_factory.mktemp("fingerprints") / "sources")
    generate_demo_sources(folder, scale=0.01, rounds=2)
    return folder


def _fingerprints(folder: Path) -> dict[str, str]:
    registry = load_registry(folder)
    return round_fingerprints(folder, registry, present_files(folder, registry), load_settings(folder))


def _round_file(folder: Path, round_id: str) -> Path:
    return next((folder / "files" / "return_index").glob(f"*{round_id}.csv"))


def test_a_round_file_changes_its_round_only_and_the_configuration_changes_every_round(
    sources: Path, tmp_path: Path
) -> None:
    import shutil

    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    before = _fingerprints(folder)
    first, second = sorted(r for r in before if r != INGEST_KEY)
    path = _round_file(folder, second)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    after = _fingerprints(folder)
    assert after[first] == before[first] and after[second] != before[second]
    assert after[INGEST_KEY] == before[INGEST_KEY]  # a round file is not read by the ingestion
    gazetteer = next((folder / "files" / "gazetteer").glob("*.csv"))
    gazetteer.write_bytes(gazetteer.read_bytes() + b"\n")
    assert all(_fingerprints(folder)[r] != after[r] for r in after)  # rounds are conformed with the gazetteer
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    later = _fingerprints(folder)
    assert all(later[r] != after[r] for r in after)


def test_fingerprints_are_kept_in_the_warehouse_and_forgotten_with_a_withdrawn_round(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/w.db")
    assert stored_fingerprints(engine) == {}
    record_fingerprints(engine, {"R132": "a", "R133": "b"})
    record_fingerprints(engine, {"R133": "c"}, forget=["R132"])
    assert stored_fingerprints(engine) == {"R133": "c"}


def _rows(database: str, table: str) -> pd.DataFrame:
    frame = read_table(sa.create_engine(database), table).drop(columns=["_row_order", "received_at"],
                                                                errors="ignore")
    return frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)


def test_a_publish_runs_only_the_changed_round_and_gives_what_a_fresh_publish_gives(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    import ds_pipeline.run

    prepared: list[int] = []  # the publish prepares the renderer while its one round runs in a process of its own
    monkeypatch.setattr(ds_pipeline.run, "prepare_renderer", lambda: prepared.append(os.getpid()))
    monkeypatch.setenv("DS_ROUND_WORKERS", "2")

    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    database = f"sqlite:///{tmp_path}/warehouse.db"
    first = run_pipeline(folder, tmp_path / "out", week=WEEK, database_url=database, progress=lambda _: None)
    assert first.jobs.count("round_job") == 1 and first.unchanged == []  # both rounds in one run
    rounds = sorted(first.rounds)
    path = _round_file(folder, rounds[-1])
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8-sig")  # the partner withdraws one location
    prepared.clear()
    again = run_pipeline(folder, tmp_path / "out", week=WEEK, database_url=database, progress=lambda _: None)
    assert again.unchanged == rounds[:-1]
    # one round on two workers: its DTM chain and its Return Index chain are two runs side by side
    assert sorted(label for label, _ in again.stages if label.startswith("round ")) == [
        f"round {rounds[-1]}: displacement", f"round {rounds[-1]}: return_index"]
    assert again.jobs.count("round_job") == 2
    assert prepared == [os.getpid()]
    assert again.ingest_unchanged and "ingest_job" not in again.jobs
    # the metrics computed from the sources read whole alone are up to date with them, and not run again
    assert not first.whole_metrics_unchanged and again.whole_metrics_unchanged
    assert not any("criteria_metrics" in label or "service_coverage" in label for label, _ in again.stages)
    fresh_database = f"sqlite:///{tmp_path}/fresh.db"
    run_pipeline(folder, tmp_path / "fresh", week=WEEK, database_url=fresh_database, progress=lambda _: None)
    for table in ("return_index_raw", "displacement_conformed", "area_severity", "displacement_by_area",
                  "service_gaps", "source_inventory", "criteria_progress", "poa_status_by_criterion",
                  "service_coverage"):
        pd.testing.assert_frame_equal(_rows(database, table), _rows(fresh_database, table), obj=table)
    for name in (f"IRQ_DSTWG_brief_{WEEK}_en.html", f"IRQ_RWG_pack_{WEEK}.zip"):
        assert (tmp_path / "out" / WEEK / name).read_bytes() == (tmp_path / "fresh" / WEEK / name).read_bytes()


def test_a_changed_4w_file_runs_the_ingestion_again_and_a_failed_run_is_never_taken_for_up_to_date(
    sources: Path, tmp_path: Path
) -> None:
    import shutil
    from unittest import mock

    from ds_pipeline.defs.conformed import assets as conformed_assets
    from ds_pipeline.defs.metrics import assets as metrics_assets

    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    database = f"sqlite:///{tmp_path}/warehouse.db"
    quiet = {"week": WEEK, "database_url": database, "progress": lambda _: None}
    first = run_pipeline(folder, tmp_path / "out", **quiet)
    assert not first.ingest_unchanged and first.jobs[0] == "ingest_job"
    assert stored_fingerprints(sa.create_engine(database))[INGEST_KEY] == _fingerprints(folder)[INGEST_KEY]
    four_w = next((folder / "files" / "4w").glob("*"))
    original = four_w.read_bytes()
    four_w.write_bytes(original.replace(b"\n", b"\r\n", 1))  # the same rows, other bytes

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("conforming failed")

    with mock.patch.object(conformed_assets, "conform", broken), pytest.raises(PipelineError):
        run_pipeline(folder, tmp_path / "out", **quiet)
    assert INGEST_KEY not in stored_fingerprints(sa.create_engine(database))  # dropped before the ingestion ran
    four_w.write_bytes(original)  # back to the files of the first publish: the ingestion still runs again
    again = run_pipeline(folder, tmp_path / "out", **quiet)
    assert not again.ingest_unchanged and again.jobs.count("ingest_job") == 2 and again.jobs.count("round_job") == 0
    assert not again.whole_metrics_unchanged and any("service_coverage" in label for label, _ in again.stages)
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    run_pipeline(folder, tmp_path / "fresh", week=WEEK, database_url=fresh, progress=lambda _: None)
    for table in ("service_mapping_conformed", "gazetteer_conformed", "household_survey_validated",
                  "source_inventory"):
        pd.testing.assert_frame_equal(_rows(database, table), _rows(fresh, table), obj=table)
    four_w.write_bytes(original.replace(b"\n", b"\r\n", 1))
    with mock.patch.object(metrics_assets, "service_coverage_table", broken), pytest.raises(PipelineError):
        run_pipeline(folder, tmp_path / "out", **quiet)  # the 4W's metrics fail after the ingestion stored them
    prints = stored_fingerprints(sa.create_engine(database))
    assert INGEST_KEY in prints and WHOLE_METRICS_KEY not in prints  # dropped before the metrics ran
    last = run_pipeline(folder, tmp_path / "out", **quiet)
    assert last.ingest_unchanged and set(last.jobs) == {"metrics_job", "rwg_dissemination_pack"}
    assert not last.whole_metrics_unchanged  # run again after the failure, then recorded
    assert stored_fingerprints(sa.create_engine(database))[WHOLE_METRICS_KEY] == _fingerprints(folder)[INGEST_KEY]
    assert last.jobs[-1] == "rwg_dissemination_pack"


def test_a_round_whose_one_chain_failed_is_not_taken_for_up_to_date(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone new round runs its DTM and Return Index chains side by side: its fingerprint is recorded only once
    both succeeded, so a publish whose DTM chain failed runs the round again next time."""
    import shutil
    from unittest import mock

    from ds_pipeline.defs.metrics import assets as metrics_assets

    monkeypatch.setenv("DS_ROUND_WORKERS", "2")
    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    database = f"sqlite:///{tmp_path}/warehouse.db"
    quiet = {"week": WEEK, "database_url": database, "progress": lambda _: None}
    rounds = sorted(run_pipeline(folder, tmp_path / "out", **quiet).rounds)
    path = _round_file(folder, rounds[-1])
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8-sig")  # the partner withdraws one location

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("displacement by area failed")

    with mock.patch.object(metrics_assets, "displacement_by_area_table", broken), \
            pytest.raises(PipelineError, match=r"round R\d+: displacement failed: step displacement_by_area failed"):
        run_pipeline(folder, tmp_path / "out", **quiet)
    prints = stored_fingerprints(sa.create_engine(database))
    assert rounds[-1] not in prints and all(r in prints for r in rounds[:-1])
    again = run_pipeline(folder, tmp_path / "out", **quiet)
    assert again.unchanged == rounds[:-1]
    assert sorted(label for label, _ in again.stages if label.startswith("round ")) == [
        f"round {rounds[-1]}: displacement", f"round {rounds[-1]}: return_index"]
    assert stored_fingerprints(sa.create_engine(database))[rounds[-1]] == _fingerprints(folder)[rounds[-1]]
