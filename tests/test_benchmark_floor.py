"""The benchmark's floor gives the pipeline's edition from the same data, and its summary line has the agreed keys."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.floor import differing_tables, key_figure_mismatches, key_figure_values, pack_member, run_floor  # noqa: E402
from benchmarks.report import BENCH_KEYS, bench_line  # noqa: E402
from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources  # noqa: E402
from ds_pipeline.lib.edition_calendar import week_partition_key  # noqa: E402
from ds_pipeline.run import run_pipeline  # noqa: E402

WEEK = "2026-W47"


def test_floor_key_figures_equal_the_pipelines(tmp_path: Path) -> None:
    sources = copy_demo_config(tmp_path / "sources")
    generate_demo_sources(sources, scale=0.02, rounds=2)
    summary = run_pipeline(sources, tmp_path / "published", week=WEEK, instance_dir=tmp_path / "dagster",
                           database_url=f"sqlite:///{tmp_path / 'warehouse.db'}", progress=lambda _: None)
    pipeline_pack = next(p for p in summary.products if p.suffix == ".zip")
    pipeline_edition = pickle.loads((tmp_path / "storage" / "weekly_edition" / week_partition_key(WEEK)).read_bytes())

    floor = run_floor(sources, WEEK)

    assert key_figure_mismatches(floor, pipeline_pack, pipeline_edition) == []
    assert key_figure_values(floor.edition) == key_figure_values(pipeline_edition)
    name = "data/key_figures.csv"
    assert pack_member(floor.pack, name) == pack_member(pipeline_pack, name)
    assert differing_tables(floor, pipeline_pack) == []
    inventory = summary.inventory
    assert floor.rows["rows_read"] == int(inventory["rows_read"].sum())
    assert floor.rows["rows_quarantined"] == int(inventory["rows_quarantined"].sum())
    assert floor.pdf.startswith(b"%PDF") and floor.rows["pdf_pages"] > 0
    assert set(floor.stages) >= {"read", "parse", "conform", "metrics", "edition", "charts", "html", "pdf", "xlsx",
                                 "csv", "pack"}


def test_bench_line_has_the_keys_in_order() -> None:
    values = {key: 1.234 for key in BENCH_KEYS} | {"pg_ratio": None}
    line = bench_line(values)
    assert "\n" not in line
    assert line.startswith("bench: ")
    pairs = [part.split("=") for part in line.removeprefix("bench: ").split(" ")]
    assert [key for key, _ in pairs] == list(BENCH_KEYS) == [
        "e2e_s", "peak_mb", "incremental_s", "scale10_ratio", "backfill24_s", "pdf_s", "check10k_s", "floor_ratio",
        "pg_ratio",
    ]
    for key, value in pairs[:-1]:
        assert value in ("1.2", "1.23"), (key, value)
    assert pairs[-1][1] == "n/a"
