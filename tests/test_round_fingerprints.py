"""Rounds that are up to date in the warehouse are not run again by a publish: what changes a round's fingerprint,
and a publish after one changed round file equal to a fresh publish of the same files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import WEEK

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.round_fingerprints import record_fingerprints, round_fingerprints, stored_fingerprints
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.sources_folder import present_files
from ds_pipeline.lib.warehouse import read_table
from ds_pipeline.run import run_pipeline


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
    first, second = sorted(before)
    path = _round_file(folder, second)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    after = _fingerprints(folder)
    assert after[first] == before[first] and after[second] != before[second]
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
    sources: Path, tmp_path: Path
) -> None:
    import shutil

    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    database = f"sqlite:///{tmp_path}/warehouse.db"
    first = run_pipeline(folder, tmp_path / "out", week=WEEK, database_url=database, progress=lambda _: None)
    assert first.jobs.count("round_job") == 1 and first.unchanged == []  # both rounds in one run
    rounds = sorted(first.rounds)
    path = _round_file(folder, rounds[-1])
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8-sig")  # the partner withdraws one location
    again = run_pipeline(folder, tmp_path / "out", week=WEEK, database_url=database, progress=lambda _: None)
    assert again.unchanged == rounds[:-1] and again.jobs.count("round_job") == 1
    fresh_database = f"sqlite:///{tmp_path}/fresh.db"
    run_pipeline(folder, tmp_path / "fresh", week=WEEK, database_url=fresh_database, progress=lambda _: None)
    for table in ("return_index_raw", "displacement_conformed", "area_severity", "displacement_by_area",
                  "service_gaps", "source_inventory"):
        pd.testing.assert_frame_equal(_rows(database, table), _rows(fresh_database, table), obj=table)
    for name in (f"IRQ_DSTWG_brief_{WEEK}_en.html", f"IRQ_RWG_pack_{WEEK}.zip"):
        assert (tmp_path / "out" / WEEK / name).read_bytes() == (tmp_path / "fresh" / WEEK / name).read_bytes()
