"""The structural facts that keep a publish fast (not timings): one PDF render of the brief per edition, one run per
stage with every round to build in a single run, and no whole-table read where a partition or a few columns do."""

from __future__ import annotations

from conftest import WEEK

from ds_pipeline.defs.jobs import PUBLISH_JOBS, ROUND_METRICS, STAGES
from ds_pipeline.defs.kinds import ROUND_KINDS
from ds_pipeline.run import OTHER_SOURCES

# Tables holding every row of every round (the row-level stages of the DTM and the Return Index).
ROW_TABLES = {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in ("raw", "validated", "conformed")}
ROUND_TABLES = {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in STAGES} | set(ROUND_METRICS)


def test_the_brief_is_rendered_to_pdf_once_per_edition(demo: dict) -> None:
    assert demo["calls"]["brief_pdf_renders"] == [WEEK]


def test_the_validation_begins_with_the_edition_and_the_pack_tables_are_built_before_it_is_awaited(
        demo: dict) -> None:
    assert demo["calls"]["products_steps"] == ["validation begun", "pack tables built", "validation awaited"]


def test_a_publish_runs_each_stage_once_and_every_round_in_one_run(demo: dict) -> None:
    summary = demo["summary"]
    assert len(summary.rounds) == 3 and summary.unchanged == []
    # the ingestion runs twice: the gazetteer, then the other sources beside the rounds (which conform to it)
    assert summary.jobs == [PUBLISH_JOBS[0].name] + [job.name for job in PUBLISH_JOBS]
    assert [label for label, _ in summary.stages][:2] == ["ingest: gazetteer", OTHER_SOURCES]
    assert [label for label, _ in summary.stages if label.startswith("round ")] == [
        f"round {summary.rounds[0]}–{summary.rounds[-1]} (3 rounds)"]


def test_row_tables_are_read_by_partition_or_by_column_never_whole(demo: dict) -> None:
    reads = demo["calls"]["warehouse_reads"]
    rounds = tuple(demo["summary"].rounds)
    row_reads = [r for r in reads if r[0] in ROW_TABLES]
    assert row_reads, "no read of a round table was recorded"
    whole = [r for r in row_reads if r[1] is None and r[2] is None]
    assert whole == [], f"read whole: {whole}"
    # a read by partition reads only rounds of the publish
    assert all(set(r[1]) <= set(rounds) for r in reads if r[0] in ROUND_TABLES and r[1] is not None)


def test_a_round_run_hands_the_rows_it_stored_to_its_next_steps_instead_of_reading_them_back(demo: dict) -> None:
    rounds = set(demo["summary"].rounds)
    handed = {table for table, partitions, _ in demo["calls"]["handovers"]
              if partitions is not None and set(partitions) == rounds}
    assert {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in ("raw", "validated", "conformed")} <= handed
    # every column of the raw and validated rows is read only by the round run's next step: never from the warehouse
    # (the metrics over all rounds count the raw and conformed rows by a few columns, in runs of their own)
    first_stages = {f"{kind}_{stage}" for kind in ROUND_KINDS for stage in ("raw", "validated")}
    read_back = [r for r in demo["calls"]["warehouse_reads"] if r[0] in first_stages and r[2] is None]
    assert read_back == [], f"rows read back in the run that stored them: {read_back}"


def test_every_frame_handed_over_is_exactly_what_reading_it_back_gives(demo: dict) -> None:
    handovers = demo["calls"]["handovers"]
    assert len(handovers) >= 20, "too few frames handed over to have covered every stage"
    assert {table for table, *_ in handovers} >= {"gazetteer_raw", "gazetteer_validated", "displacement_conformed"}
    assert [h for h in handovers if h[2] is not None] == []


def test_rounds_to_build_run_in_ranges_of_consecutive_rounds_at_most_four_at_a_time() -> None:
    from ds_pipeline.defs.partitions import ROUNDS_PER_RUN
    from ds_pipeline.run import contiguous_ranges

    order = [f"R{n}" for n in range(130, 141)] + ["R128"]  # R128 arrived late: added after R140
    assert ROUNDS_PER_RUN == 4
    assert contiguous_ranges(order[:-1], order, ROUNDS_PER_RUN) == [
        ["R130", "R131", "R132", "R133"], ["R134", "R135", "R136", "R137"], ["R138", "R139", "R140"]]
    # rounds up to date in between cut a range; ranges follow the instance's order, where a late round is last
    assert contiguous_ranges(["R131", "R132", "R134", "R128", "R140"], order, ROUNDS_PER_RUN) == [
        ["R131", "R132"], ["R134"], ["R140", "R128"]]
    assert contiguous_ranges(["R128", "R139"], order, ROUNDS_PER_RUN) == [["R139"], ["R128"]]
    assert contiguous_ranges([], order, ROUNDS_PER_RUN) == []
    # a run's round files within the budget (a round alone over it still runs, alone)
    sizes = {"R130": 2_000_000, "R131": 2_000_000, "R132": 3_000_000, "R133": 9_000_000, "R134": 1_000_000}
    assert contiguous_ranges(list(sizes), order, ROUNDS_PER_RUN, sizes, budget=6_000_000) == [
        ["R130", "R131"], ["R132"], ["R133"], ["R134"]]


def test_no_frame_an_asset_stored_stays_in_memory_after_its_run(demo: dict) -> None:
    import gc

    stored = demo["calls"]["frames_stored"]
    assert len(stored) > 40, "the warehouse IO manager stored too few frames to have run every stage"
    gc.collect()
    alive = sorted({table for table, frame in stored if frame() is not None})
    assert alive == [], f"frames still held after their run (e.g. every output kept by the run): {alive}"
