"""A run hands a stored frame to its own next steps instead of reading it back, only when that is the same: the same
partitions, the steps in this process; the frame is gone once the last step that reads it has it."""

from pathlib import Path
from unittest import mock

import dagster as dg
import numpy as np
import pandas as pd
from conftest import assert_same_frame

from ds_pipeline.defs import handover, resources
from ds_pipeline.lib.warehouse import make_engine, read_table

PARTS = dg.StaticPartitionsDefinition(["R1", "R2"])


def _rows(round_id: str) -> pd.DataFrame:
    return pd.DataFrame({
        "round_id": [round_id] * 4,
        "families": pd.array([3, None, 5, 7], dtype="Int64"),
        "share": [0.5, np.nan, -0.0, 1.0],
        "note": ["a", None, "ب", ""],
    })


@dg.asset(partitions_def=PARTS)
def rows(context: dg.AssetExecutionContext) -> pd.DataFrame:
    return _rows(context.partition_key)


@dg.asset(partitions_def=PARTS)
def per_round(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(seen=rows["families"].notna())


@dg.asset_check(asset=rows, blocking=True)
def rows_have_a_round(rows: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bool(rows["round_id"].notna().all()))


@dg.asset(ins={"rows": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())})
def every_round(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("round_id", as_index=False).size()


def _run(tmp_path: Path, assets: list, partition: str | None = None,
         selected: list[dg.AssetKey] | None = None) -> tuple[list, list, dict[str, bool]]:
    """Materialise `assets` (or the `selected` ones) in one in-process run; returns (tables read from the warehouse,
    frames handed over, whether each check passed)."""
    reads, handed = [], []
    read, take = resources.read_table, handover.take

    def recorded_read(engine, table, *args):  # noqa: ANN001, ANN002, ANN202
        reads.append(table)
        return read(engine, table, *args)

    def recorded_take(context, partitions, columns):  # noqa: ANN001, ANN202
        frame = take(context, partitions, columns)
        if frame is not None:
            handed.append(("__".join(context.asset_key.path), frame))
        return frame

    io_manager = resources.WarehouseIOManager(url=f"sqlite:///{tmp_path}/w.db")
    with mock.patch.object(resources, "read_table", recorded_read), \
            mock.patch.object(handover, "take", recorded_take):
        result = dg.materialize(assets, resources={"io_manager": io_manager}, partition_key=partition,
                                selection=selected)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    return reads, handed, checks


def test_the_next_step_of_the_run_gets_the_frame_as_a_read_would_give_it(tmp_path: Path) -> None:
    reads, handed, _ = _run(tmp_path, [rows, per_round, rows_have_a_round], "R1")
    # the next asset reads the run's round: handed over; the check (not partitioned) reads every round stored
    assert [table for table, _ in handed] == ["rows"]
    assert reads == ["rows"]
    stored = read_table(make_engine(f"sqlite:///{tmp_path}/w.db"), "rows", "round_id", ["R1"])
    for _, frame in handed:
        assert_same_frame(frame, stored)
    assert stored["families"].dtype == np.float64  # not the Int64 the asset returned
    assert handover._KEPT == {}  # dropped once the last reader had it


def test_a_step_reading_other_partitions_than_the_run_stored_reads_them_from_the_warehouse(tmp_path: Path) -> None:
    _run(tmp_path, [rows], "R2")
    reads, handed, _ = _run(tmp_path, [rows, every_round], "R1")  # every_round reads R1 and R2
    assert reads == ["rows"] and handed == []
    assert handover._KEPT == {}


def test_nothing_is_kept_for_steps_this_process_does_not_execute(tmp_path: Path) -> None:
    """Only the steps this process executes count as readers: the run's own steps with the in-process executor, a
    single step in each process of the multiprocess, Celery or Kubernetes executors."""
    kept = []
    keep = handover.keep

    def recorded_keep(context, frame, partitions, readers):  # noqa: ANN001, ANN202
        kept.append(readers)
        return keep(context, frame, partitions, readers)

    with mock.patch.object(handover, "keep", recorded_keep):
        _run(tmp_path, [rows, per_round], "R1", [rows.key])  # per_round is not in this run
    assert kept == []
    with mock.patch.object(handover, "keep", recorded_keep):
        _run(tmp_path, [rows, per_round, rows_have_a_round], "R2")
    assert kept == [2]  # the next asset and the check


@dg.asset
def national_rows() -> pd.DataFrame:
    return _rows("R1")


@dg.asset
def careless_reader(national_rows: pd.DataFrame) -> pd.DataFrame:
    national_rows["note"] = "changed in place"  # a step that changes its input must not change another step's
    return national_rows


@dg.asset_check(asset=national_rows)
def national_rows_untouched(national_rows: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bool((national_rows["note"] != "changed in place").all()))


def test_each_step_gets_its_own_copy_of_a_frame_two_steps_read(tmp_path: Path) -> None:
    reads, handed, checks = _run(tmp_path, [national_rows, careless_reader, national_rows_untouched])
    assert reads == [] and [table for table, _ in handed] == ["national_rows", "national_rows"]
    assert checks == {"national_rows_untouched": True}
    stored = read_table(make_engine(f"sqlite:///{tmp_path}/w.db"), "national_rows")
    assert (stored["note"] != "changed in place").all()
    assert handover._KEPT == {}


@dg.asset(ins={"national_rows": dg.AssetIn(metadata={"columns": ["note", "no_such_column"]})})
def reader_of_a_missing_column(national_rows: pd.DataFrame) -> pd.DataFrame:
    return national_rows


def test_a_column_the_table_lacks_fails_as_reading_it_would(tmp_path: Path) -> None:
    io_manager = resources.WarehouseIOManager(url=f"sqlite:///{tmp_path}/w.db")
    result = dg.materialize([national_rows, reader_of_a_missing_column], resources={"io_manager": io_manager},
                            raise_on_error=False)
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["reader_of_a_missing_column"]
    assert "has no column(s) ['no_such_column']" in failures[0].step_failure_data.error.cause.message
    assert handover._KEPT == {}
