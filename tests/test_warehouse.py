"""The warehouse on SQLite and on a real PostgreSQL server: partitions replaced, types and order kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from ds_pipeline.lib.warehouse import (
    ROWS_COLUMN,
    WarehouseError,
    count_rows,
    counted_rows,
    delete_partitions,
    make_engine,
    prune_partitions,
    read_table,
    stored_partitions,
    write_table,
)


def _frame(round_id: str, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "round_id": [round_id] * n,
            "area_id": [f"IQG15Q{i:02d}" for i in range(n, 0, -1)],  # deliberately not sorted
            "returnees": list(range(n)),
            "share": [i / 10 for i in range(n)],
            "hotspot": [i % 2 == 0 for i in range(n)],
            "reporting_date": pd.to_datetime(["2026-10-31"] * n),
        }
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/w.db")
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text('DROP TABLE IF EXISTS "area_severity"'))
    return engine


def test_partition_rewrite_replaces_only_that_round(engine: sa.Engine) -> None:
    write_table(engine, "area_severity", _frame("R138", 3), "round_id", ["R138"])
    write_table(engine, "area_severity", _frame("R139", 2), "round_id", ["R139"])
    write_table(engine, "area_severity", _frame("R139", 2), "round_id", ["R139"])  # re-run: no duplicates
    everything = read_table(engine, "area_severity", "round_id")
    assert everything.groupby("round_id").size().to_dict() == {"R138": 3, "R139": 2}
    only = read_table(engine, "area_severity", "round_id", ["R139"])
    pd.testing.assert_frame_equal(only, _frame("R139", 2))  # order, dtypes (bool, datetime, float) kept


def test_unpartitioned_write_replaces_the_table(engine: sa.Engine) -> None:
    write_table(engine, "area_severity", _frame("R1", 4))
    write_table(engine, "area_severity", _frame("R2", 1))
    assert read_table(engine, "area_severity")["round_id"].tolist() == ["R2"]


def test_rows_of_another_partition_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(WarehouseError, match="rows of partitions"):
        write_table(engine, "area_severity", _frame("R140", 1), "round_id", ["R139"])


def test_bare_postgresql_url_is_refused_with_advice() -> None:
    with pytest.raises(WarehouseError, match=r"postgresql\+psycopg2"):
        make_engine("postgresql://u@127.0.0.1/db")


def test_reading_named_columns_only(engine: sa.Engine) -> None:
    write_table(engine, "area_severity", _frame("R138", 3), "round_id", ["R138"])
    narrow = read_table(engine, "area_severity", "round_id", None, ["area_id", "hotspot"])
    assert list(narrow.columns) == ["area_id", "hotspot"] and narrow["area_id"].tolist()[0] == "IQG15Q03"
    with pytest.raises(WarehouseError, match="no column"):
        read_table(engine, "area_severity", columns=["nope"])


def test_rows_counted_by_the_database_are_the_rows_a_read_counts(engine: sa.Engine) -> None:
    for round_id, n in (("R138", 5), ("R139", 4)):
        frame = _frame(round_id, n).assign(
            source_file=["a.csv", "a.csv", "b.csv", None, "a.csv"][:n],  # NULL is a value of its own
            reporting_date=[None, "2026-10-31", "2026-10-31", "2026-10-31", "bad date"][:n])
        write_table(engine, "area_severity", frame, "round_id", [round_id])
    by = ["round_id", "source_file", "reporting_date"]
    counted = count_rows(engine, "area_severity", by, "round_id", ["R139"])
    expected = counted_rows(read_table(engine, "area_severity", "round_id", ["R139"], by), by)
    assert counted[ROWS_COLUMN].sum() == 4 and len(counted) == 4
    assert counted["source_file"].isna().tolist() == [False, False, False, True]  # NULLs last, as pandas puts them
    pd.testing.assert_frame_equal(counted.fillna("-").sort_values(by, ignore_index=True),
                                  expected.fillna("-").sort_values(by, ignore_index=True))
    everything = count_rows(engine, "area_severity", ["source_file"])
    assert dict(zip(everything["source_file"].fillna("-"), everything[ROWS_COLUMN], strict=True)) == {
        "-": 2, "a.csv": 5, "b.csv": 2}
    with pytest.raises(WarehouseError, match="no column"):
        count_rows(engine, "area_severity", ["nope"])
    with pytest.raises(WarehouseError, match="not in the warehouse"):
        count_rows(engine, "missing_table", ["round_id"])


def test_a_partitioned_table_gains_new_columns_and_keeps_earlier_rounds(engine: sa.Engine) -> None:
    write_table(engine, "area_severity", _frame("R138", 2), "round_id", ["R138"])
    wider = _frame("R139", 2).assign(mean_indicator_01=[0.25, 0.5])
    write_table(engine, "area_severity", wider, "round_id", ["R139"])
    table = read_table(engine, "area_severity", "round_id")
    assert table.groupby("round_id").size().to_dict() == {"R138": 2, "R139": 2}
    assert table["mean_indicator_01"].isna().tolist() == [True, True, False, False]
    with pytest.raises(WarehouseError, match="no longer writes"):
        write_table(engine, "area_severity", _frame("R139", 1).drop(columns="share"), "round_id", ["R139"])


def test_pruning_refuses_an_empty_keep_list_and_deletes_only_named_rounds(engine: sa.Engine) -> None:
    for round_id, n in (("R138", 3), ("R139", 2), ("R140", 1)):
        write_table(engine, "area_severity", _frame(round_id, n).assign(source_id="dtm"), "round_id", [round_id])
    with pytest.raises(WarehouseError, match="refusing to delete every partition"):
        prune_partitions(engine, "area_severity", "round_id", [])
    assert delete_partitions(engine, "area_severity", "round_id", []) == 0
    assert delete_partitions(engine, "area_severity", "round_id", ["R139"]) == 2
    stored = stored_partitions(engine, ["area_severity", "not_there"], "round_id", "source_id")
    assert stored == {"dtm": {"R138", "R140"}}
    assert prune_partitions(engine, "area_severity", "round_id", ["R140"]) == 3
    assert read_table(engine, "area_severity", "round_id")["round_id"].unique().tolist() == ["R140"]
