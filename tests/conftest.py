"""Shared fixtures: a throwaway PostgreSQL server on loopback, and one end-to-end run on generated demo data."""

from __future__ import annotations

import os
import subprocess
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.parallelism import WORKERS_VARIABLE
from ds_pipeline.run import environment, run_pipeline

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-W47"
AREA_MONTH = "2026-10"  # the area updates published with WEEK (as of 2026-11-22, past the 10 November deadline)
# Text a partner may type into a POA workbook or a 4W file: markup and spreadsheet formulas (planted in the demo)
PLANTED_SCRIPT_POA = '<script>alert("poa")</script> go-and-see visits'
PLANTED_FORMULA_POA = '=HYPERLINK("http://example.org","IOM")'
PLANTED_SCRIPT_4W = '<script>alert("4w")</script> Relief'
PLANTED_FORMULA_4W = "@SUM(A1) cash for work"


def plant_markup_and_formulas(sources: Path) -> None:
    """Put markup and formulas where partners type free text: the first overdue Sinjar action of the October POA
    workbook (action, lead organisation) and the first Sinjar 4W activity running in October (organisation,
    activity)."""
    import csv

    import openpyxl

    workbook_path = sources / "files" / "poa" / "sinjar" / "POA_sinjar_2026-10.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["Actions"]
    headers = [c.value for c in sheet[4]]
    row = next(r for r in sheet.iter_rows(min_row=5) if r[headers.index("Status")].value == "delayed")
    row[headers.index("Action")].value = PLANTED_SCRIPT_POA
    lead = row[headers.index("Lead organisation")]
    lead.value = PLANTED_FORMULA_POA
    lead.data_type = "s"  # typed as text (a formula would be stored without a value and read as empty)
    workbook.save(workbook_path)
    path = next((sources / "files" / "4w").glob("*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for line in rows[2:]:
        if (line[header.index("District")].lower() == "sinjar" and line[header.index("Status")] == "ongoing"
                and line[header.index("Start date")] <= "2026-10-31" <= line[header.index("End date")]):
            line[header.index("Organisation")] = PLANTED_SCRIPT_4W
            line[header.index("Activity")] = PLANTED_FORMULA_4W
            break
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture()
def defs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dg.Definitions:
    """The project's Dagster definitions, loaded over an empty sources folder and a throwaway warehouse."""
    from ds_pipeline.definitions import defs as load_defs

    monkeypatch.setenv("DS_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("DS_ASSETS_DIR", str(tmp_path / "assets"))
    return load_defs()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL database, started for this test session and stopped after it."""
    # a folder and a port of this session's own, so that two test sessions never stop each other's server
    yield from _loopback_server("PostgreSQL", "test-postgres.sh", {
        "DS_TEST_PG_DIR": f"/tmp/ds-pipeline-test-pg-{os.getpid()}", "DS_TEST_PG_PORT": str(_free_port())})


def _loopback_server(name: str, script: str, variables: dict[str, str]) -> Iterator[str]:
    """Start a throwaway server with scripts/<script> (its URL is the last line it prints), stop it afterwards."""
    own = {**os.environ, **variables}
    command = ["bash", str(ROOT / "scripts" / script)]
    started = subprocess.run([*command, "start"], capture_output=True, text=True, check=False, env=own)
    if started.returncode != 0:
        pytest.fail(f"could not start {name} for the tests: {started.stderr.strip()}")
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run([*command, "stop"], capture_output=True, check=False, env=own)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _warehouse_connections_closed_after_each_test() -> Iterator[None]:
    """A test that materialises assets outside `ds-pipeline publish` leaves no warehouse connection open after it."""
    from ds_pipeline.lib.warehouse import dispose_shared_engines

    yield
    dispose_shared_engines()


@contextmanager
def recorded_calls() -> Iterator[dict[str, list]]:
    """Record, while a publish runs in this process: each PDF render of the brief (its edition's week), each
    table the warehouse IO manager reads (table, partition keys, columns), each frame it stores (as a weak
    reference, so as not to keep it alive: `frames_stored`), each frame a run handed to its next step instead of
    reading it back (`handovers`, verified by `verified_handover`), and in what order the edition's validation
    begins and the products step builds the pack's tables and waits for that validation (`products_steps`)."""
    from ds_pipeline.defs import resources
    from ds_pipeline.defs.products import assets
    from ds_pipeline.lib.products import brief, expectations

    calls: dict[str, list] = {"brief_pdf_renders": [], "warehouse_reads": [], "frames_stored": [],
                              "products_steps": []}
    render, read, store = brief.render_brief_document, resources.read_table, resources.write_table
    count = resources.count_rows
    store_read_back = resources.write_table_read_back
    tables, in_background = assets.table_files, expectations.validation_in_background
    begin = expectations.begin_validation

    def recorded_begin(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["products_steps"].append("validation begun")
        return begin(*args, **kwargs)

    def recorded_tables(edition):  # noqa: ANN001, ANN202
        calls["products_steps"].append("pack tables built")
        return tables(edition)

    @contextmanager
    def recorded_validation(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with in_background(*args, **kwargs) as result:
            def awaited():  # noqa: ANN202
                calls["products_steps"].append("validation awaited")
                return result()
            yield awaited

    def recorded_render(html: str, edition):  # noqa: ANN001, ANN202 - same signature as the function it records
        calls["brief_pdf_renders"].append(edition.week)
        return render(html, edition)

    def recorded_read(engine, table, partition_column=None, partition_keys=None, columns=None):  # noqa: ANN001, ANN202
        calls["warehouse_reads"].append((table, None if partition_keys is None else tuple(partition_keys),
                                         None if columns is None else tuple(columns)))
        return read(engine, table, partition_column, partition_keys, columns)

    def recorded_count(engine, table, by, partition_column=None, partition_keys=None):  # noqa: ANN001, ANN202
        calls["warehouse_reads"].append((table, None if partition_keys is None else tuple(partition_keys),
                                         tuple(by)))
        return count(engine, table, by, partition_column, partition_keys)

    def recorded_store(engine, table, frame, *args):  # noqa: ANN001, ANN202
        calls["frames_stored"].append((table, weakref.ref(frame)))
        return store(engine, table, frame, *args)

    def recorded_store_read_back(engine, table, frame, *args):  # noqa: ANN001, ANN202
        rows, stored = store_read_back(engine, table, frame, *args)
        calls["frames_stored"] += [(table, weakref.ref(f)) for f in (frame, stored) if f is not None]
        return rows, stored

    with mock.patch.object(brief, "render_brief_document", recorded_render), \
            mock.patch.object(resources, "read_table", recorded_read), \
            mock.patch.object(resources, "count_rows", recorded_count), \
            mock.patch.object(resources, "write_table", recorded_store), \
            mock.patch.object(resources, "write_table_read_back", recorded_store_read_back), \
            verified_handover() as handovers, \
            mock.patch.object(assets, "table_files", recorded_tables), \
            mock.patch.object(expectations, "validation_in_background", recorded_validation), \
            mock.patch.object(expectations, "begin_validation", recorded_begin):
        calls["handovers"] = handovers
        yield calls


def assert_same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Exactly the same frame: columns, dtypes, index, values, and the sign of each zero (-0.0 == 0.0 otherwise; a
    missing value, NaN, has no sign that means anything)."""
    pd.testing.assert_frame_equal(left, right, check_exact=True)
    for name in left.columns[[dtype.kind == "f" for dtype in left.dtypes]]:
        values = (left[name].to_numpy(), right[name].to_numpy())
        differs = (np.signbit(values[0]) != np.signbit(values[1])) & ~np.isnan(values[0])
        assert not differs.any(), f"column {name!r}: the sign of a zero differs"


@contextmanager
def verified_handover() -> Iterator[list[tuple[str, tuple[str, ...] | None, str | None]]]:
    """While a publish runs in this process: each frame a run hands to its next step instead of reading it back,
    compared with reading that table back from the warehouse (DS_DATABASE_URL). Yields the list of (table,
    partitions, None when they are exactly equal, else how they differ)."""
    from ds_pipeline.defs import handover
    from ds_pipeline.lib.warehouse import make_engine, read_table

    handovers: list[tuple[str, tuple[str, ...] | None, str | None]] = []
    take = handover.take

    def compared(context, partitions, columns):  # noqa: ANN001, ANN202 - same signature as the function it wraps
        frame = take(context, partitions, columns)
        if frame is not None:
            table = "__".join(context.asset_key.path)
            engine = make_engine(os.environ["DS_DATABASE_URL"])
            stored = read_table(engine, table, "round_id" if partitions else None, partitions, columns)
            engine.dispose()
            try:
                assert_same_frame(frame, stored)
                difference = None
            except AssertionError as exc:
                difference = " ".join(str(exc).split())[:500]
            handovers.append((table, None if partitions is None else tuple(partitions), difference))
        return frame

    with mock.patch.object(handover, "take", compared):
        yield handovers


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small generated demo folder (scale 0.05, 3 rounds) run through every asset, published for WEEK."""
    root = tmp_path_factory.mktemp("e2e")
    sources = copy_demo_config(root / "sources")
    manifest = generate_demo_sources(sources, scale=0.05, rounds=3)
    plant_markup_and_formulas(sources)
    database = f"sqlite:///{root}/warehouse.db"
    lines: list[str] = []
    # what the structural tests of speed look at (tests/test_speed_structure.py): every run in this process, where
    # the calls are recorded (tests/test_side_by_side.py runs rounds side by side in processes of their own)
    with recorded_calls() as calls, environment({WORKERS_VARIABLE: "1"}):
        summary = run_pipeline(sources, root / "published", week=WEEK, database_url=database, progress=lines.append,
                               month=AREA_MONTH)
    edition = root / "published" / WEEK
    return {
        "root": root,
        "sources": sources,
        "manifest": manifest,
        "engine": sa.create_engine(database),
        "database": database,
        "summary": summary,
        "calls": calls,
        "progress": lines,
        "html": edition / f"IRQ_DSTWG_brief_{WEEK}_en.html",
        "pdf": edition / f"IRQ_DSTWG_brief_{WEEK}_en.pdf",
        "zip": edition / f"IRQ_RWG_pack_{WEEK}.zip",
        "areas": root / "published" / "areas" / AREA_MONTH,
    }


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real Redis server on loopback (a Celery broker and result backend), started for this test session
    and stopped after it."""
    yield from _loopback_server("Redis", "test-redis.sh",
                                {"DS_TEST_REDIS_DIR": f"/tmp/ds-pipeline-test-redis-{os.getpid()}"})
