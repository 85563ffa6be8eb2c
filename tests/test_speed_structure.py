"""The structural facts that keep a publish fast (not timings): one PDF render of the brief per edition, one run per
stage with every round to build in a single run, and no whole-table read where a partition or a few columns do."""

from __future__ import annotations

from conftest import WEEK

from ds_pipeline.defs.jobs import PUBLISH_JOBS, ROUND_METRICS, STAGES
from ds_pipeline.defs.kinds import ROUND_KINDS

# Tables holding every row of every round (the row-level stages of the DTM and the Return Index).
ROW_TABLES = {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in ("raw", "validated", "conformed")}
ROUND_TABLES = {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in STAGES} | set(ROUND_METRICS)


def test_the_brief_is_rendered_to_pdf_once_per_edition(demo: dict) -> None:
    assert demo["calls"]["brief_pdf_renders"] == [WEEK]


def test_a_publish_runs_each_stage_once_and_every_round_in_one_run(demo: dict) -> None:
    summary = demo["summary"]
    assert len(summary.rounds) == 3 and summary.unchanged == []
    assert summary.jobs == [job.name for job in PUBLISH_JOBS]
    assert [label for label, _ in summary.stages if label.startswith("round ")] == [
        f"round {summary.rounds[0]}–{summary.rounds[-1]} (3 rounds)"]


def test_row_tables_are_read_by_partition_or_by_column_never_whole(demo: dict) -> None:
    reads = demo["calls"]["warehouse_reads"]
    rounds = tuple(demo["summary"].rounds)
    row_reads = [r for r in reads if r[0] in ROW_TABLES]
    assert row_reads, "no read of a round table was recorded"
    whole = [r for r in row_reads if r[1] is None and r[2] is None]
    assert whole == [], f"read whole: {whole}"
    # within the round run, each asset reads only the rounds of that run
    assert {frozenset(r[1]) for r in row_reads if r[1] is not None} == {frozenset(rounds)}
    assert all(set(r[1]) <= set(rounds) for r in reads if r[0] in ROUND_TABLES and r[1] is not None)
