"""Warehouse safety: absent files never delete stored rounds, withdrawals are reported, and one publish (or one write
of a table) at a time per warehouse, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import ROOT, WEEK

from ds_pipeline.cli import main as cli_main
from ds_pipeline.lib.demo import copy_demo_config
from ds_pipeline.lib.registry import SourceFile, load_registry
from ds_pipeline.lib.sources_folder import SourcesFolderError, Withdrawal, present_files, withdrawn_rounds
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table
from ds_pipeline.lib.warehouse_lock import WarehouseLockTimeout, lock_file_of, warehouse_lock
from ds_pipeline.run import run_pipeline

ROUND_TABLES = ("displacement_raw", "return_index_raw", "displacement_conformed", "area_severity")

# A second process holding the warehouse lock for a while.
LOCK_HOLDER = """
import sys, time
from ds_pipeline.lib.warehouse_lock import warehouse_lock
with warehouse_lock(sys.argv[1], progress=lambda _: None):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""

# A process writing one partition of a table at a given moment, with a pause between "does the table exist, with
# which columns" and the write, so that two writers started together would both act on what they saw.
WRITER = """
import sys, time
import pandas as pd
from ds_pipeline.lib import warehouse
url, table, rows, start_at, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
looked_up = warehouse._stored_columns
def slow(conn, name):
    found = looked_up(conn, name)
    time.sleep(pause)
    return found
warehouse._stored_columns = slow
frame = pd.DataFrame({"round_id": ["R1"] * rows, "value": list(range(rows))})
engine = warehouse.make_engine(url)
time.sleep(max(0.0, start_at - time.time()))
warehouse.write_table(engine, table, frame, "round_id", ["R1"])
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _populated_warehouse(path: Path) -> Path:
    """A small SQLite warehouse holding two stored rounds of two sources, and an unpartitioned table."""
    engine = make_engine(f"sqlite:///{path}")
    for round_id in ("R132", "R133"):
        frame = pd.DataFrame({
            "source_id": ["dtm_idp_master_list", "dtm_returnee_master_list"],
            "source_file": [f"files/dtm/{kind}_master_list_{round_id}.csv" for kind in ("idp", "returnee")],
            "round_id": [round_id, round_id],
            "families": ["12", "7"],
        })
        write_table(engine, "displacement_raw", frame, "round_id", [round_id])
        write_table(engine, "area_severity", frame[["round_id", "families"]], "round_id", [round_id])
    write_table(engine, "household_survey_raw", pd.DataFrame({"source_id": ["ds_household_survey"], "hh": ["1"]}))
    engine.dispose()
    return path


def _placeholder_sources(root: Path, skip: tuple[str, ...] = ()) -> Path:
    """A sources folder whose files/ holds one empty placeholder per registered source (rounds R132 and R133), except
    the sources in `skip`: enough for the folder check, which looks at names only."""
    sources = copy_demo_config(root)
    for entry in load_registry(sources):
        if entry.source_id in skip:
            continue
        for number in ("132", "133") if entry.round_based else ("",):
            path = sources / entry.files.replace("{round}", number).replace("*", "Sinjar")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    return sources


def _publish(sources: Path, out: Path, database: Path) -> list[str]:
    return ["publish", "--sources", str(sources), "--out", str(out), "--database", f"sqlite:///{database}",
            "--week", WEEK]


@pytest.mark.parametrize("files", ["missing", "empty", "only empty subfolders", "a file, not a folder"])
def test_publish_without_files_is_an_error_and_leaves_the_warehouse_untouched(
    files: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = _populated_warehouse(tmp_path / "warehouse.db")
    before = _sha(database)
    sources = copy_demo_config(tmp_path / "sources")
    if files == "empty":
        (sources / "files").mkdir()
    elif files == "only empty subfolders":
        (sources / "files" / "dtm").mkdir(parents=True)
    elif files == "a file, not a folder":
        (sources / "files").write_text("", encoding="utf-8")
    assert cli_main(_publish(sources, tmp_path / "published", database)) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and str(sources / "files") in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert _sha(database) == before
    assert not (tmp_path / "published").exists()


def test_a_registered_source_without_files_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = _populated_warehouse(tmp_path / "warehouse.db")
    before = _sha(database)
    sources = _placeholder_sources(tmp_path / "sources", skip=("dtm_returnee_master_list",))
    assert cli_main(_publish(sources, tmp_path / "published", database)) == 1
    err = capsys.readouterr().err
    assert "dtm_returnee_master_list" in err and str(sources / "files") in err
    assert _sha(database) == before
    complete = _placeholder_sources(tmp_path / "complete")
    assert set(present_files(complete, load_registry(complete))) == {e.source_id for e in load_registry(complete)}


def test_an_unreadable_folder_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _placeholder_sources(tmp_path / "sources")
    blocked = sources / "files" / "dtm"
    scandir = os.scandir

    def refusing(path: str | os.PathLike[str] = ".") -> object:
        if Path(path) == blocked:  # as root, chmod cannot make a folder unreadable
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    with pytest.raises(SourcesFolderError, match=f"{blocked}: cannot be read"):
        present_files(sources, load_registry(sources))


def test_only_a_round_seen_before_whose_own_files_are_gone_is_withdrawn(tmp_path: Path) -> None:
    registry = {e.source_id: e for e in load_registry(copy_demo_config(tmp_path / "sources"))}
    idp, returnee = registry["dtm_idp_master_list"], registry["dtm_returnee_master_list"]

    def files(source_id: str, *rounds: str) -> list[SourceFile]:
        return [SourceFile(source_id, f"files/dtm/{source_id}_{r}.csv", r) for r in rounds]

    present = {"dtm_idp_master_list": files("dtm_idp_master_list", "R132", "R134"),
               "dtm_returnee_master_list": files("dtm_returnee_master_list", "R132", "R133")}
    stored = {"dtm_idp_master_list": {"R132", "R133", "R134"}, "dtm_returnee_master_list": {"R132", "R133"}}
    # R133 of the IDP list is gone while its other rounds are present; the returnee list still has R133
    assert withdrawn_rounds([idp, returnee], present, stored) == [Withdrawal("R133", (idp.title,), False)]
    # R134: never stored for the returnee list, absent from its files: not withdrawn (not seen before)
    present["dtm_returnee_master_list"] = files("dtm_returnee_master_list", "R132")
    withdrawn = withdrawn_rounds([idp, returnee], present, stored)
    assert withdrawn == [Withdrawal("R133", (idp.title, returnee.title), True)]
    assert withdrawn[0].render() == (
        f"withdrawn: R133 (its files are gone; other files of {idp.title}, {returnee.title} present)"
    )
    # a source with no file at all withdraws nothing (the folder check refuses to publish it anyway)
    assert withdrawn_rounds([idp, returnee], {"dtm_idp_master_list": []}, stored) == []
    # a round that no source ever stored is not withdrawn
    assert withdrawn_rounds([idp, returnee], present, {}) == []


def test_publish_withdraws_and_reports_rounds_whose_own_files_are_gone(demo: dict, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(demo["sources"], sources)
    shutil.copy(demo["database"].removeprefix("sqlite:///"), tmp_path / "warehouse.db")
    for path in (sources / "files").rglob("*_R133.csv"):  # every file of R133: the round leaves
        path.unlink()
    (sources / "files" / "dtm" / "idp_master_list_R134.csv").unlink()  # R134 stays, without the IDP list
    lines: list[str] = []
    summary = run_pipeline(sources, tmp_path / "published", week=WEEK, database_url=f"sqlite:///{tmp_path}/warehouse.db",
                           progress=lines.append)
    titles = {e.source_id: e.title for e in load_registry(sources)}
    assert summary.rounds == ["R132", "R134"]
    assert [(w.round_id, w.whole_round) for w in summary.withdrawn] == [("R133", True), ("R134", False)]
    assert summary.withdrawn[1].sources == (titles["dtm_idp_master_list"],)
    rendered = summary.render()
    assert "withdrawn: R133 (its files are gone; other files of " in rendered
    assert f"withdrawn: R134 of {titles['dtm_idp_master_list']}" in rendered
    assert any("withdrawn: R133" in line for line in lines)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/warehouse.db")
    for table in ROUND_TABLES:
        assert sorted(pd.read_sql_table(table, engine)["round_id"].unique()) == ["R132", "R134"], table
    raw = pd.read_sql_table("displacement_raw", engine)
    assert set(raw.loc[raw["round_id"] == "R134", "source_id"]) == {"dtm_returnee_master_list"}
    assert set(raw.loc[raw["round_id"] == "R132", "source_id"]) == {"dtm_idp_master_list", "dtm_returnee_master_list"}
    assert "R133" not in set(pd.read_sql_table("source_inventory", engine)["round_id"])


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/warehouse.db"
    return request.getfixturevalue("postgres_url")


def _hold_lock(url: str, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, url, str(seconds)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_publish_waits_for_the_warehouse_lock_then_fails_clearly(url: str) -> None:
    holder = _hold_lock(url, 2.0)
    messages: list[str] = []
    started = time.monotonic()
    with warehouse_lock(url, timeout=60, progress=messages.append):
        waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert 1.0 < waited < 30, waited
    assert messages[0].startswith("waiting for the warehouse lock held by another publish (")
    if url.startswith("sqlite"):
        assert f"process {holder.pid}" in messages[0] and str(lock_file_of(url)) in messages[0]
    assert messages[-1].startswith("warehouse lock taken after waiting")

    holder = _hold_lock(url, 10.0)
    try:
        with pytest.raises(WarehouseLockTimeout, match="another publish still holds the warehouse lock"):
            with warehouse_lock(url, timeout=0.5, progress=messages.append):
                pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with warehouse_lock(url, timeout=5, progress=messages.append):  # a killed holder's lock is released
        pass


@pytest.mark.parametrize("table_state", ["fresh table", "existing table"])
def test_two_concurrent_writes_of_a_table_never_double_it(url: str, table_state: str) -> None:
    table = f"concurrent_{uuid.uuid4().hex[:8]}"
    rows = 500
    if table_state == "existing table":
        write_table(make_engine(url), table, pd.DataFrame({"round_id": ["R1"] * rows, "value": range(rows)}),
                    "round_id", ["R1"])
    start_at = time.time() + 3.0
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, table, str(rows), str(start_at), "1.5"], cwd=ROOT,
                         text=True, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    engine = make_engine(url)
    assert len(read_table(engine, table, "round_id")) == rows
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE "{table}"'))


def test_two_publishes_at_once_on_one_sqlite_warehouse_give_the_rows_of_one(demo: dict, tmp_path: Path) -> None:
    database = tmp_path / "warehouse.db"
    runs = [
        subprocess.Popen([sys.executable, "-m", "ds_pipeline.cli", *_publish(demo["sources"], tmp_path / f"out{i}",
                                                                              database)],
                         cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in (1, 2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert sum("waiting for the warehouse lock held by another publish" in out for out, _ in outputs) == 1
    single, double = demo["engine"], sa.create_engine(f"sqlite:///{database}")
    tables = sorted(sa.inspect(single).get_table_names())
    assert sorted(sa.inspect(double).get_table_names()) == tables
    counts = {t: pd.read_sql_query(f'SELECT COUNT(*) AS n FROM "{t}"', double)["n"][0] for t in tables}
    assert counts == {t: pd.read_sql_query(f'SELECT COUNT(*) AS n FROM "{t}"', single)["n"][0] for t in tables}
    assert counts["household_survey_raw"] == demo["manifest"]["sources"]["ds_household_survey"]["rows"]
