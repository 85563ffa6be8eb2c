"""Warehouse writes to PostgreSQL by COPY: hostile text, blanks and NULLs, numbers, flags and dates read back as
written, the same as on SQLite, inside the write's own transaction, and without a single INSERT statement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from ds_pipeline.lib import warehouse
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table

TABLE = "copy_round_trip"
TEXTS = [
    "tab\there",
    "line\nbreak and\r\nwindows",
    "back\\slash \\t not a tab",
    "\\N",  # literally backslash-N: COPY's NULL marker, must stay text
    'double "quotes" and \'single\'',
    "نازحون عائدون إلى سنجار",
    "",  # blank, not missing
    None,  # missing, not blank
]


def _mixed(round_id: str, shift: int = 0) -> pd.DataFrame:
    """Eight rows with every kind of value a metric writes (`shift` rotates them, for a rewritten round)."""
    frame = pd.DataFrame(
        {
            "round_id": [round_id] * 8,
            "text": TEXTS,
            "blank_or_missing": ["", None, "", None, "x", "", None, "y"],
            "share": [0.1, np.nan, 0.1 + 0.2, 1e-300, float("inf"), float("-inf"), 123456789.123456789, 2 / 3],
            "households": pd.array([1, None, 3, 2**40, -5, 0, None, 7], dtype="Int64"),
            "hotspot": [True, False, False, True, True, False, True, False],
            "reported_at": pd.to_datetime(
                ["2026-10-31 12:34:56.789012", None, "2000-01-01", "2026-10-31", "1970-01-01",
                 "2026-02-28 23:59:59", "2026-10-31", "2026-10-31"], format="ISO8601"),
            "reported_on": [dt.date(2026, 10, 31), None, dt.date(2000, 2, 29), dt.date(1, 1, 1),
                            dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(9999, 12, 31), dt.date(2026, 1, 4)],
        }
    )
    return pd.concat([frame.iloc[shift:], frame.iloc[:shift]]).reset_index(drop=True)


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as any warehouse gives it back: nullable integers as floats with NaN for missing."""
    return frame.assign(households=frame["households"].astype("float64"))


@pytest.fixture()
def postgres(postgres_url: str) -> sa.Engine:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{TABLE}"'))
    return engine


@pytest.fixture()
def sqlite(tmp_path: Path) -> sa.Engine:
    return make_engine(f"sqlite:///{tmp_path}/w.db")


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=True)  # floats bit for bit, not approximately
    for column in ("text", "blank_or_missing"):  # blank stays blank, missing stays missing
        assert left[column].isna().tolist() == right[column].isna().tolist()
        assert (left[column] == "").tolist() == (right[column] == "").tolist()


def test_whole_table_reads_back_as_written_and_as_on_sqlite(postgres: sa.Engine, sqlite: sa.Engine) -> None:
    frame = _mixed("R1")
    assert write_table(postgres, TABLE, frame) == 8
    write_table(postgres, TABLE, frame)  # replaces the table
    write_table(sqlite, TABLE, frame)
    stored = read_table(postgres, TABLE)
    _same(stored, _as_read(frame))
    _same(stored, read_table(sqlite, TABLE))
    assert stored["text"].tolist() == TEXTS
    assert stored["blank_or_missing"].tolist() == ["", None, "", None, "x", "", None, "y"]


def test_partitions_read_back_as_written_and_as_on_sqlite(postgres: sa.Engine, sqlite: sa.Engine) -> None:
    for engine in (postgres, sqlite):
        write_table(engine, TABLE, _mixed("R1"), "round_id", ["R1"])
        write_table(engine, TABLE, _mixed("R2"), "round_id", ["R2"])
        write_table(engine, TABLE, _mixed("R2", shift=3), "round_id", ["R2"])  # the round rewritten
    stored = read_table(postgres, TABLE, "round_id")
    expected = pd.concat([_mixed("R1"), _mixed("R2", shift=3)]).reset_index(drop=True)
    _same(stored, _as_read(expected))
    _same(stored, read_table(sqlite, TABLE, "round_id"))
    _same(read_table(postgres, TABLE, "round_id", ["R2"]), _as_read(_mixed("R2", shift=3)))


def _stored(engine: sa.Engine, table: str) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    """A stored table's columns with their SQL types, and its rows as the database holds them (SQLite: each value's
    storage class and literal; PostgreSQL: each value as text)."""
    with engine.connect() as conn:
        columns = [(c["name"], str(c["type"])) for c in sa.inspect(conn).get_columns(table)]
        if engine.dialect.name == "sqlite":
            values = ", ".join(f'typeof("{name}"), quote("{name}")' for name, _ in columns)
        else:
            values = ", ".join(f'"{name}"::text' for name, _ in columns)
        rows = conn.exec_driver_sql(f'SELECT {values} FROM "{table}" ORDER BY "{warehouse.ORDER_COLUMN}"').all()
    return columns, [tuple(row) for row in rows]


@pytest.mark.filterwarnings("ignore:the 'timedelta' type is not supported")  # stored as integers, as pandas does
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("partitioned", [True, False])
def test_a_write_stores_the_table_and_values_that_pandas_to_sql_stores(
    database: str, partitioned: bool, request: pytest.FixtureRequest
) -> None:
    """The rows go in without pandas' `to_sql` (its conversions cost more than the insert): the table created and
    every value stored must be exactly what `to_sql` stores with the same insert method, and the frame written is
    left as it was."""
    engine = request.getfixturevalue("sqlite" if database == "sqlite" else "postgres")
    frame = _mixed("R1", shift=3).assign(waited=pd.to_timedelta([1, 2, None, 4, 5, 6, 7, 8], unit="h"),
                                         empty=[None] * 8, share_missing=[np.nan] * 8,
                                         nan_text=["a", np.nan, "b", None, np.nan, "c", "d", "e"])
    before = frame.copy()
    write_table(engine, TABLE, frame, *(("round_id", ["R1"]) if partitioned else ()))
    pd.testing.assert_frame_equal(frame, before)
    assert list(map(repr, frame["nan_text"])) == list(map(repr, before["nan_text"]))  # NaN not turned into None
    reference = f"{TABLE}_to_sql"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{reference}"')
        frame.assign(**{warehouse.ORDER_COLUMN: range(len(frame))}).to_sql(
            reference, conn, index=False, method=warehouse._insert_method(engine.dialect))
    assert _stored(engine, TABLE) == _stored(engine, reference)


def test_postgres_rows_go_by_copy_inside_the_locked_transaction(
    postgres: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    sa.event.listen(postgres, "before_cursor_execute", lambda *args: statements.append(args[2]))
    copied: list[tuple[int, int]] = []
    copy = warehouse._postgres_copy

    def spy(table: Any, conn: sa.Connection, keys: list[str], data_iter: Any) -> int:
        locks = conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
        )).scalar_one()
        rows = copy(table, conn, keys, data_iter)
        copied.append((rows, locks))
        return rows

    monkeypatch.setattr(warehouse, "_postgres_copy", spy)
    monkeypatch.setattr(warehouse, "CHUNK_ROWS", 5)
    write_table(postgres, TABLE, _mixed("R1"), "round_id", ["R1"])
    write_table(postgres, TABLE, _mixed("R1", shift=1), "round_id", ["R1"])
    assert copied == [(5, 1), (3, 1), (5, 1), (3, 1)]  # every chunk copied while the table's lock was held
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert any(s.lstrip().upper().startswith("DELETE") for s in statements)  # the partition was replaced
    _same(read_table(postgres, TABLE, "round_id"), _as_read(_mixed("R1", shift=1)))


def test_a_failed_copy_leaves_the_stored_partition_untouched(postgres: sa.Engine) -> None:
    write_table(postgres, TABLE, _mixed("R1"), "round_id", ["R1"])
    broken = _mixed("R1", shift=2)
    broken.loc[7, "text"] = "a NUL \x00 byte"  # PostgreSQL text cannot hold it: the COPY fails after the DELETE
    with pytest.raises(sa.exc.DBAPIError, match="0x00"):
        write_table(postgres, TABLE, broken, "round_id", ["R1"])
    _same(read_table(postgres, TABLE, "round_id"), _as_read(_mixed("R1")))


def test_a_failed_sqlite_insert_is_a_sqlalchemy_error_and_leaves_the_stored_partition_untouched(
    sqlite: sa.Engine,
) -> None:
    write_table(sqlite, TABLE, _mixed("R1"), "round_id", ["R1"])
    broken = _mixed("R1", shift=2)
    broken["text"] = broken["text"].astype(object)
    broken.at[7, "text"] = {"not": "storable"}  # the driver cannot bind it: the insert fails after the DELETE
    with pytest.raises(sa.exc.DBAPIError, match="binding parameter"):
        write_table(sqlite, TABLE, broken, "round_id", ["R1"])
    _same(read_table(sqlite, TABLE, "round_id"), _as_read(_mixed("R1")))


def test_other_drivers_keep_their_insert_method() -> None:
    assert warehouse._insert_method(make_engine("sqlite://").dialect) is warehouse._sqlite_executemany
    assert warehouse._insert_method(sa.create_engine("postgresql+psycopg2://u@127.0.0.1/db").dialect) is (
        warehouse._postgres_copy)
    assert warehouse._insert_method(SimpleNamespace(name="postgresql", driver="pg8000")) is None


def test_values_of_any_type_become_copy_text_fields() -> None:
    assert warehouse._copy_column(["a\\b\tc\nd\re", "", None, "\\N"]) == ["a\\\\b\\tc\\nd\\re", "", "\\N", "\\\\N"]
    assert warehouse._copy_column([0.1, float("inf"), None, float("-inf")]) == ["0.1", "Infinity", "\\N", "-Infinity"]
    assert warehouse._copy_column([True, None, False]) == ["t", "\\N", "f"]
    mixed = [np.float32(0.5), np.int64(-3), np.bool_(True), float("nan"), pd.NA, pd.NaT, b"\x00\xff",
             pd.Timestamp("2026-10-31 01:02:03", tz="Asia/Baghdad"), dt.time(12, 30), 7, "x\ty"]
    assert warehouse._copy_column(mixed) == [
        "0.5", "-3", "t", "\\N", "\\N", "\\N", "\\\\x00ff", "2026-10-31T01:02:03+03:00", "12:30:00", "7", "x\\ty"]
