"""The floor: a publish done by calling the pipeline's pure library functions on data frames in memory, timed.

What the assets do, in the same order and with the same arguments, but with no Dagster, no warehouse (no SQL) and
no pandera validation engine: read every file (`read_kind`), parse the text into typed columns and apply the same
row rules (`validate_raw`, with the pandera models' checks evaluated as plain boolean masks, see
`mask_rule_rejections`), conform (`conform`), the metrics, the edition (`build_edition`), the charts, one HTML
brief, one PDF, and the pack (XLSX, CSVs, datapackage, zip; `build_pack`). The pipeline renders the brief twice
(the DSTWG brief and the pack's copy under its own label), runs its Great Expectations suite and reads the PDF back
for its completeness check; the floor does none of these, so it is the least work that gives the same edition.
Between stages, a table gets the column types it would have after the warehouse round trip (`as_stored`: a
type conversion in memory, no SQL), since the library functions downstream expect those.

Same data, same edition: `key_figure_mismatches` compares the floor's key figures with the pipeline's.

    python -m benchmarks.floor SOURCES [--week 2026-W47] [--out DIR] [--json FILE] [--pipeline-pack ZIP]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pandas as pd

from ds_pipeline.lib import validation
from ds_pipeline.lib.admin_names import load_crosswalk, settings_pcode_problems
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.freshness import stale_sources
from ds_pipeline.lib.metrics.criteria import criteria_progress, iris_composite, scored_households
from ds_pipeline.lib.metrics.data_slices import slice_metric_tables
from ds_pipeline.lib.metrics.displacement import displacement_by_area
from ds_pipeline.lib.metrics.poa import poa_status
from ds_pipeline.lib.metrics.services import service_coverage
from ds_pipeline.lib.metrics.severity import area_severity
from ds_pipeline.lib.products import charts, pack
from ds_pipeline.lib.products.brief import render_brief_document, render_brief_html
from ds_pipeline.lib.products.edition import Edition, build_edition
from ds_pipeline.lib.products.gates import no_data_reasons
from ds_pipeline.lib.quality import quarantine_log, source_inventory
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.settings import (
    future_date_tolerance_days,
    household_sizes,
    load_settings,
    poa_area_of_pcode,
    sector_criteria,
)
from ds_pipeline.lib.sources_folder import present_files, rounds_present

# The source kinds in the order the pipeline's jobs run them (defs/kinds.py, defs/jobs.py): the kinds read whole
# first (the gazetteer before every kind conformed against it), then the kinds partitioned by round.
WHOLE_KINDS = ("gazetteer", "service_mapping", "poa_submission", "household_survey")
ROUND_KINDS = ("displacement", "return_index")
KINDS = (*WHOLE_KINDS, *ROUND_KINDS)
STAGES = ("read", "parse", "conform", "metrics", "edition", "charts", "html", "pdf", "xlsx", "csv", "pack", "write")
PAGES_KEY = "pdf_pages"


class Clock:
    """Seconds per stage; a stage timed inside another (a chart drawn while the HTML renders) is taken out of the
    outer one, so the stages add up to the wall time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._running: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        self._running.append(name)
        try:
            yield
        finally:
            self._running.pop()
            elapsed = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
            if self._running:
                outer = self._running[-1]
                self.seconds[outer] = self.seconds.get(outer, 0.0) - elapsed

    @contextmanager
    def calls(self, stage: str, module: ModuleType, names: list[str]) -> Iterator[None]:
        """Time every call of `module.<name>` (as its callers look it up) under `stage`."""

        def timed(function: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with self.stage(stage):
                    return function(*args, **kwargs)

            return wrapper

        with ExitStack() as stack:
            for name in names:
                stack.enter_context(mock.patch.object(module, name, timed(getattr(module, name))))
            yield


@dataclass
class FloorResult:
    week: str
    edition: Edition
    html: str
    pdf: bytes
    pack: bytes
    stages: dict[str, float]
    rows: dict[str, int] = field(default_factory=dict)
    rounds: list[str] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return sum(self.stages.values())

    def summary(self) -> dict[str, Any]:
        return {"week": self.week, "rounds": self.rounds, "total_s": self.total_s, "stages": self.stages,
                **self.rows, "key_figures": key_figure_values(self.edition)}


# ---------------------------------------------------------------------------------------------------------------
# The pandera models' checks as boolean masks
# ---------------------------------------------------------------------------------------------------------------


def _fails(values: pd.Series, check: Any) -> pd.Series:
    """Where the values of one column fail one built-in check of a pandera model (blank values pass, as in
    pandera: every check of the models ignores NA)."""
    stats, name = check.statistics, check.name
    if name == "isin":
        ok = values.isin(stats["allowed_values"])
    elif name == "greater_than_or_equal_to":
        ok = values >= stats["min_value"]
    elif name == "greater_than":
        ok = values > stats["min_value"]
    elif name == "in_range":
        low = values >= stats["min_value"] if stats.get("include_min", True) else values > stats["min_value"]
        high = values <= stats["max_value"] if stats.get("include_max", True) else values < stats["max_value"]
        ok = low & high
    elif name == "str_matches":
        ok = values.astype(str).str.match(stats["pattern"])
    elif name == "str_length":
        lengths = values.astype(str).str.len()
        ok = lengths >= (stats.get("min_value") or 0)
        if stats.get("max_value") is not None:
            ok &= lengths <= stats["max_value"]
    else:  # a check added to a model later: say so rather than let rows through unchecked
        raise NotImplementedError(f"the floor has no mask for the pandera check {name!r}")
    present = values.notna()
    return present & ~pd.Series(ok, index=values.index).fillna(False).astype(bool)


def mask_rule_rejections(
    candidates: pd.DataFrame, typed: pd.DataFrame, kind: str, first: dict[int, validation.Rejection]
) -> None:
    """Drop-in for the pandera step of `validate_raw`: add to `first` the first broken model rule of each row of
    `candidates` not rejected yet. The same rules (column checks, non-nullable columns, the model's dataframe
    checks, `Config.unique` keeping the first row), evaluated as vectorised masks: no pandera validation, no
    failure-case collection. Which rows are accepted is the same; a row breaking several rules may name another
    of them first."""
    schema = validation.MODELS[kind].to_schema()
    position = {c: i for i, c in enumerate(typed.columns)}
    # (rank, mask, column, check, message); the rank orders the rules of one row as pandera's failure cases are
    # sorted in `_pandera_rejections`: by column position, a dataframe check counting as the first column
    found: list[tuple[tuple[int, int], pd.Series, str, str, str]] = []
    for column in [c for c in typed.columns if c in schema.columns]:
        spec, values = schema.columns[column], candidates[column]
        if not spec.nullable:
            found.append(((position[column], 0), values.isna(), column, "not_nullable",
                          "a value is required but the cell is empty"))
        for check in spec.checks:
            found.append(((position[column], 0), _fails(values, check), column, str(check.error), ""))
    for check in schema.checks:  # the @pa.dataframe_check methods, called as the functions they are
        result = pd.Series(check._check_fn(candidates), index=candidates.index)
        found.append(((0, 1), ~result.fillna(True).astype(bool), "", check.name, ""))
    unique = list(schema.unique or [])
    if unique:
        message = f"duplicate of an earlier row with the same {', '.join(unique)}"
        found.append(((min(position[c] for c in unique), 2), candidates.duplicated(subset=unique, keep="first"),
                      unique[-1], "multiple_fields_uniqueness", message))
    for _rank, mask, column, check, message in sorted(found, key=lambda entry: entry[0]):
        for index in candidates.index[mask.to_numpy()]:
            if int(index) in first:
                continue
            text = message or validation._humanise(check, candidates.at[index, column] if column else None)
            first[int(index)] = validation.Rejection(int(index), "" if check in validation.RULE_TEXT else column,
                                                     check, text)


# ---------------------------------------------------------------------------------------------------------------
# The floor
# ---------------------------------------------------------------------------------------------------------------


def as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the column types an asset's table has when the next asset reads it from the warehouse, without
    the round trip: pandas' nullable integers and booleans come back as NumPy integers (or booleans) when no cell
    is empty, as floats when some are, and as objects (None) when all are. Every other type comes back as is."""
    changed = {}
    for column, dtype in frame.dtypes.items():
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or dtype.kind not in "iub":
            continue
        values = frame[column]
        if not values.isna().any():
            changed[column] = values.to_numpy(dtype=dtype.numpy_dtype)
        elif values.isna().all():
            changed[column] = pd.Series([None] * len(values), index=frame.index, dtype=object)
        else:
            changed[column] = values.astype("float64")
    return frame.assign(**changed) if changed else frame


def _pieces(frames: dict[str, list[pd.DataFrame]], kind: str) -> pd.DataFrame:
    """All rounds of one kind's table, as the warehouse gives them to the assets over all rounds."""
    parts = [f for f in frames[kind] if not f.empty] or frames[kind][:1]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def run_floor(sources_dir: Path, week: str, out_dir: Path | None = None) -> FloorResult:
    """Publish the edition of `week` over `sources_dir` with the library functions alone, timing each stage."""
    sources_dir = Path(sources_dir).resolve()
    clock = Clock()
    settings = load_settings(sources_dir)
    registry = load_registry(sources_dir)
    entry_of = {e.source_id: e for e in registry}
    rounds = rounds_present(registry, present_files(sources_dir, registry))
    parts = {kind: [None] if kind in WHOLE_KINDS else rounds for kind in KINDS}  # (kind, round) as the jobs do
    raw: dict[str, list[pd.DataFrame]] = {kind: [] for kind in KINDS}
    validated: dict[str, list[pd.DataFrame]] = {kind: [] for kind in KINDS}
    conformed: dict[str, list[pd.DataFrame]] = {kind: [] for kind in KINDS}
    rejected: dict[str, list[pd.DataFrame]] = {}

    with clock.stage("read"):
        for kind in KINDS:
            raw[kind] = [read_kind(sources_dir, registry, kind, round_id) for round_id in parts[kind]]

    sizes, tolerance = household_sizes(settings), future_date_tolerance_days(settings)
    indicators = list(settings["survey"]["indicators"])
    with clock.stage("parse"), mock.patch.object(validation, "_pandera_rejections", mask_rule_rejections):
        for kind in KINDS:
            extra = indicators if kind == "household_survey" else []
            for frame in raw[kind]:
                accepted, quarantined = validation.validate_raw(frame, kind, entry_of, extra, sizes, tolerance)
                validated[kind].append(as_stored(accepted))
                rejected.setdefault(f"{kind}_rejected_at_validation", []).append(quarantined)

    area_of, area_names = poa_area_of_pcode(settings), [area["name"] for area in settings["poa_areas"]]
    crosswalk = load_crosswalk(sources_dir, settings)
    with clock.stage("conform"):
        for kind in KINDS:
            for frame in validated[kind]:
                units = frame if kind == "gazetteer" else conformed["gazetteer"][0]
                accepted, quarantined = conform(frame, kind, Gazetteer(units), area_of, area_names, entry_of,
                                                crosswalk)
                if kind == "gazetteer" and (problems := settings_pcode_problems(settings, Gazetteer(accepted))):
                    raise RuntimeError("; ".join(problems))
                conformed[kind].append(as_stored(accepted))
                rejected.setdefault(f"{kind}_rejected_at_conforming", []).append(quarantined)

    with clock.stage("metrics"):
        tables = metric_tables(settings, registry, raw, conformed, rejected)

    with clock.stage("edition"):
        edition = build_edition(tables, week, settings)

    chart_functions = [n for n, f in vars(charts).items()
                       if callable(f) and not n.startswith("_") and getattr(f, "__module__", "") == charts.__name__]
    with clock.stage("html"), clock.calls("charts", charts, chart_functions):
        no_data = no_data_reasons(edition, registry)
        stale = stale_sources(edition.current.inventory, registry, edition.as_of)
        html = render_brief_html(edition, label=edition.sensitivity_label, no_data=no_data, stale=stale)
    with clock.stage("pdf"):
        pdf, pages = render_brief_document(html, edition)
    with clock.stage("pack"), clock.calls("xlsx", pack, ["tables_xlsx"]), clock.calls("csv", pack, ["table_csv"]):
        zipped = pack.build_pack(edition, html, pdf)
    if out_dir is not None:
        with clock.stage("write"):
            pack.write_edition(out_dir, edition, html, pdf, zipped)

    inventory = tables["source_inventory"]
    rows = {name: int(inventory[name].sum()) for name in ("rows_read", "rows_accepted", "rows_quarantined")}
    rows[PAGES_KEY] = pages
    stages = {name: clock.seconds[name] for name in STAGES if name in clock.seconds}
    return FloorResult(week, edition, html, pdf, zipped, stages, rows, rounds)


def metric_tables(
    settings: dict[str, Any],
    registry: list[Any],
    raw: dict[str, list[pd.DataFrame]],
    conformed: dict[str, list[pd.DataFrame]],
    rejected: dict[str, list[pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """The tables the edition is built from (defs/products/assets.py EDITION_TABLES), as the metric assets
    compute them: per-round metrics per round, then over all rounds, data quality, the data slices."""
    sizes, cut = household_sizes(settings), settings["return_index"]
    by_area = as_stored(pd.concat([displacement_by_area(frame, sizes.camp_household_size, sizes.household_size)
                                   for frame in conformed["displacement"]], ignore_index=True))
    severity = as_stored(pd.concat([
        area_severity(frame, cut["medium_from"], cut["high_from"], cut["hotspot_min_returnees"])
        for frame in conformed["return_index"]], ignore_index=True))
    survey, indicators = _pieces(conformed, "household_survey"), settings["survey"]["indicators"]
    deadline_day = int((settings.get("poa", {}) or {}).get("deadline_day", 10))
    poa = poa_status(_pieces(conformed, "poa_submission"), deadline_day=deadline_day)
    services = _pieces(conformed, "service_mapping")
    coverage = as_stored(service_coverage(services, sector_criteria(settings)))
    log = as_stored(quarantine_log([pd.concat(rejected[name], ignore_index=True) for name in sorted(rejected)]))
    inventory = as_stored(source_inventory({k: _pieces(raw, k) for k in KINDS},
                                           {k: _pieces(conformed, k) for k in KINDS}, log, registry))
    scored = scored_households(survey, indicators)  # once for both tables, as the criteria metrics step does
    criteria = as_stored(criteria_progress(survey, indicators, scored))
    tables = {
        "displacement_by_area": by_area, "area_severity": severity, "criteria_progress": criteria,
        "iris_composite": iris_composite(survey, indicators, scored), "poa_status_by_criterion": poa[0],
        "poa_overdue_actions": poa[1], "poa_timeliness": poa[2], "service_coverage": coverage,
        "service_mapping_conformed": services, "source_inventory": inventory, "quarantine_log": log,
    }
    tables.update(slice_metric_tables(severity, by_area, criteria, coverage, services, inventory, settings))
    return {name: as_stored(frame) for name, frame in tables.items()}


# ---------------------------------------------------------------------------------------------------------------
# Same edition as the pipeline's
# ---------------------------------------------------------------------------------------------------------------


def key_figure_values(edition: Edition) -> list[list[Any]]:
    """[figure, value, previous] of each key figure, unrounded."""
    return [[f.figure, f.value, f.previous] for f in edition.key_figures]


def pack_member(pack_zip: bytes | Path, name: str) -> bytes:
    data = pack_zip.read_bytes() if isinstance(pack_zip, Path) else pack_zip
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def key_figure_mismatches(
    floor: FloorResult, pipeline_pack: Path, pipeline_edition: Edition | None = None
) -> list[str]:
    """How the floor's key figures differ from the pipeline's (empty: the same): the published key-figure table of
    the packs byte for byte, and with the pipeline's edition object the unrounded values and previous values."""
    problems = []
    name = "data/key_figures.csv"
    mine, theirs = pack_member(floor.pack, name), pack_member(pipeline_pack, name)
    if mine != theirs:
        problems.append(f"{name} differs:\n  floor:    {mine.decode()!r}\n  pipeline: {theirs.decode()!r}")
    if pipeline_edition is not None:
        for (figure, value, previous), (_, value_p, previous_p) in zip(
            key_figure_values(floor.edition), key_figure_values(pipeline_edition), strict=True
        ):
            if not (_same(value, value_p) and _same(previous, previous_p)):
                problems.append(f"{figure}: floor {value} (previous {previous}), pipeline {value_p} "
                                f"(previous {previous_p})")
    return problems


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def differing_tables(floor: FloorResult, pipeline_pack: Path) -> list[str]:
    """The published data tables (data/*.csv of the packs) that are not byte-identical (informational)."""
    with zipfile.ZipFile(pipeline_pack) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("data/"))
    return [n for n in names if pack_member(floor.pack, n) != pack_member(pipeline_pack, n)]


# ---------------------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------------------


def stage_table(result: FloorResult) -> str:
    lines = ["| stage | s |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in result.stages.items()]
    lines.append(f"| **total** | **{result.total_s:.2f}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path, help="sources folder (registry/, settings.yaml, files/)")
    parser.add_argument("--week", default="2026-W47", help="ISO week of the edition (YYYY-Www)")
    parser.add_argument("--out", type=Path, help="also write the brief and the pack into OUT/<week>/")
    parser.add_argument("--json", type=Path, help="write the stage times and key figures as JSON")
    parser.add_argument("--pipeline-pack", type=Path, help="the pipeline's pack of the same data: compare")
    args = parser.parse_args(argv)
    result = run_floor(args.sources, args.week, args.out)
    print(stage_table(result))
    print(f"rows read {result.rows['rows_read']:,}, accepted {result.rows['rows_accepted']:,}, quarantined "
          f"{result.rows['rows_quarantined']:,}; PDF {result.rows[PAGES_KEY]} pages")
    summary = result.summary()
    code = 0
    if args.pipeline_pack:
        problems = key_figure_mismatches(result, args.pipeline_pack)
        summary["key_figure_mismatches"] = problems
        for problem in problems:
            print(f"KEY FIGURE MISMATCH: {problem}", file=sys.stderr)
        code = 1 if problems else 0
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
