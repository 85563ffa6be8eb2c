"""A frame handed to the next step of a run is exactly what reading its table back gives, on SQLite and PostgreSQL:
awkward frames one by one, and every frame a whole publish on PostgreSQL hands over."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import WEEK, assert_same_frame, verified_handover

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.parallelism import WORKERS_VARIABLE
from ds_pipeline.lib.read_back import stored_frame
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table, write_table_read_back
from ds_pipeline.run import environment, run_pipeline


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/w.db")
    engine = make_engine(request.getfixturevalue("postgres_url"))
    with engine.begin() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table.startswith("read_back_"):
                conn.execute(sa.text(f'DROP TABLE "{table}"'))
    return engine


def _awkward(round_ids: list[str]) -> pd.DataFrame:
    n = len(round_ids)
    cycle = lambda values: [values[i % len(values)] for i in range(n)]  # noqa: E731
    return pd.DataFrame({
        "round_id": round_ids,
        "text": cycle(["Sinjar", "", "  padded ", "سنجار", "tab\there", "line\nbreak", "back\\slash", "\u00a0"]),
        "text_missing": cycle(["a", None, np.nan, "b"]),
        "all_missing_text": [None] * n,
        "all_nan_float": [np.nan] * n,
        "count": np.arange(n, dtype=np.int64) - 3,
        "huge": cycle([2**62, -(2**63), 0]),
        "nullable_full": pd.array(cycle([1, 2, 3]), dtype="Int64"),
        "nullable_some": pd.array(cycle([1, None, 2**53 + 1]), dtype="Int64"),
        "nullable_none": pd.array([None] * n, dtype="Int64"),
        "share": cycle([0.1, -0.0, 0.0, np.inf, -np.inf, np.nan, 1e-300, 123456789.123456789]),
        "hotspot": cycle([True, False]),
        "reported": pd.to_datetime(cycle(["2026-10-31 10:00:00.123456", None, "1999-01-01 00:00:00"]),
                                   format="mixed"),
        "never_reported": pd.to_datetime([None] * n),
    })


def _assert_read_back(engine: sa.Engine, table: str, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    column = "round_id" if keys else None
    _, handed = write_table_read_back(engine, table, frame, column, keys)
    assert handed is not None, "this frame's read-back should be known"
    assert_same_frame(handed, read_table(engine, table, column, keys or None))
    return handed


def test_awkward_values_of_every_modelled_dtype_come_back_as_handed_over(engine: sa.Engine) -> None:
    # several partitions in one write, in an order no collation sorts them in
    keys = ["R-1", "R10", "r2", "R1", "R_3", "Ä"]
    rounds = [keys[i % len(keys)] for i in range(48)]
    _assert_read_back(engine, "read_back_partitioned", _awkward(rounds), keys)
    # an unpartitioned table replaced, and a frame with a shuffled index
    frame = _awkward(["R1"] * 17).sample(frac=1, random_state=3)
    _assert_read_back(engine, "read_back_whole", frame, [])


def test_a_frame_without_rows_comes_back_as_object_columns(engine: sa.Engine) -> None:
    handed = _assert_read_back(engine, "read_back_empty", _awkward(["R1"]).head(0), [])
    assert set(handed.dtypes) == {np.dtype(object)}
    # written as several partitions, none of which has a row
    handed = _assert_read_back(engine, "read_back_empty_rounds", _awkward(["R1"]).head(0), ["R1", "R2"])
    assert handed.empty and set(handed.dtypes) == {np.dtype(object)}


def test_new_columns_of_a_partitioned_table_come_back_in_the_tables_order(engine: sa.Engine) -> None:
    first = _awkward(["R1"] * 5)[["round_id", "count", "text"]]
    write_table(engine, "read_back_grown", first, "round_id", ["R1"])
    grown = _awkward(["R2"] * 5)[["text", "share", "round_id", "count"]]  # reordered, with one more column
    handed = _assert_read_back(engine, "read_back_grown", grown, ["R2"])
    assert list(handed.columns) == ["round_id", "count", "text", "share"]


def test_what_cannot_be_told_for_sure_is_read_back_instead(engine: sa.Engine) -> None:
    # text written into a column an earlier partition created as numbers: SQLite would store the number
    write_table(engine, "read_back_typed", pd.DataFrame({"round_id": ["R1"], "value": [1.5]}), "round_id", ["R1"])
    texts = pd.DataFrame({"round_id": ["R2"], "value": ["12"]})
    assert write_table_read_back(engine, "read_back_typed", texts, "round_id", ["R2"])[1] is None
    unmodelled = {
        "dates as objects": pd.Series([pd.Timestamp("2026-01-01").date()] * 2, dtype=object),
        "nanoseconds": pd.Series(pd.to_datetime(["2026-01-01 00:00:00.000000001"] * 2)),
        "32-bit integers": pd.Series([1, 2], dtype=np.int32),
        "categories": pd.Series(["a", "b"], dtype="category"),
        "mixed objects": pd.Series(["a", 1], dtype=object),
    }
    for name, values in unmodelled.items():
        frame = pd.DataFrame({"round_id": ["R1", "R1"], "value": values})
        assert write_table_read_back(engine, f"read_back_{name.replace(' ', '_')}", frame, "round_id", ["R1"])[1] \
            is None, name


def test_the_comparison_sees_a_wrong_model() -> None:
    """The other database's model, on a column where they differ, is caught: SQLite drops the sign of -0.0."""
    frame = pd.DataFrame({"share": [-0.0, 1.0]})
    stored = {"share": sa.Float(), "_row_order": sa.BigInteger()}
    as_postgresql, as_sqlite = stored_frame(frame, stored, "postgresql"), stored_frame(frame, stored, "sqlite")
    assert np.signbit(as_postgresql["share"]).tolist() == [True, False]
    assert np.signbit(as_sqlite["share"]).tolist() == [False, False]
    with pytest.raises(AssertionError, match="sign of a zero"):
        assert_same_frame(as_postgresql, as_sqlite)
    with pytest.raises(AssertionError):  # and a wrong dtype
        assert_same_frame(as_sqlite, as_sqlite.astype({"share": object}))


def test_every_frame_a_publish_on_postgresql_hands_over_is_what_reading_it_back_gives(
        postgres_url: str, tmp_path: Path) -> None:
    database = f"{postgres_url.rsplit('/', 1)[0]}/read_back_publish"
    admin = make_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS read_back_publish"))
        conn.execute(sa.text("CREATE DATABASE read_back_publish"))
    admin.dispose()
    sources = copy_demo_config(tmp_path / "sources")
    generate_demo_sources(sources, scale=0.02, rounds=3)
    with verified_handover() as handovers, environment({WORKERS_VARIABLE: "1"}):
        run_pipeline(sources, tmp_path / "published", week=WEEK, database_url=database, progress=lambda _: None)
    assert len(handovers) >= 20
    assert {table for table, *_ in handovers} >= {"displacement_raw", "displacement_validated",
                                                   "displacement_conformed", "household_survey_validated"}
    assert [h for h in handovers if h[2] is not None] == []
