"""Great Expectations (GX 1.x) suites for every published table of an edition, their validation, and Data Docs.

One suite per publication table, derived from its fields (expected columns in order, value types from
`Field.type`) plus per-table rules: keys not null and unique, value sets (area levels, severity categories, IASC
criteria 1-8, statuses), ranges (percentages and scores 0-100, counts >= 0), suppressed cells empty, and row
counts equal to what the edition's as-of slice holds. Suites are plain `ExpectationSpec`s until they are
validated, so this module imports GX only inside `validate_edition` (importing it takes seconds).

Validation runs in an ephemeral GX context whose one filesystem Data Docs site is written to a staging folder and
swapped into place. Data Docs carry run times and random element ids, so the byte-reproducible RWG pack gets the
deterministic summary (`summary_json` / `summary_html`) instead.
"""

from __future__ import annotations

import atexit
import datetime as dt
import html
import json
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ds_pipeline.lib.canonical import POA_STATUSES, POPULATION_TYPES, SECTOR_CODES, SERVICE_STATUSES
from ds_pipeline.lib.canonical import SEVERITY_CATEGORIES as SEVERITY
from ds_pipeline.lib.products.atomic import put_in_place, staged_folder
from ds_pipeline.lib.products.disclosure import SUPPRESSED_FLAG_COLUMN
from ds_pipeline.lib.products.edition import Edition, Field, PublicationTable
from ds_pipeline.lib.quality import DATE_COLUMN_OF_KIND

SITE_NAME = "edition"
CRITERIA = list(range(1, 9))
GROUPS = ["idp_in_camp", "idp_out_of_camp", "returnee"]
TYPE_LISTS: dict[str, list[str]] = {
    "string": ["str"],
    "date": ["str"],
    "integer": ["int", "int64", "Int64Dtype"],
    "number": ["float", "float64", "Float64Dtype", "int", "int64", "Int64Dtype"],
    "boolean": ["bool", "BooleanDtype"],
}
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class TableRules:
    """What a published table must satisfy beyond its fields: keys, value sets and explicit ranges."""

    keys: tuple[str, ...] = ()
    value_sets: dict[str, list[Any]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


AREA_LEVELS = ["governorate", "district", "poa_area"]
RULES: dict[str, TableRules] = {
    "key_figures": TableRules(
        keys=("figure",), value_sets={"unit": ["individuals", "percent", "districts", "actions"]},
        ranges={"value": (0, None), "previous_value": (0, None)},
    ),
    "area_severity": TableRules(
        keys=("area_level", "area_id"),
        value_sets={"area_level": AREA_LEVELS, "severity": list(SEVERITY)},
    ),
    "displacement": TableRules(
        keys=("area_level", "area_id", "population_type"),
        value_sets={"area_level": AREA_LEVELS, "population_type": list(POPULATION_TYPES)},
    ),
    "area_priority": TableRules(keys=("area_id",)),
    "criteria_progress": TableRules(
        keys=("area_level", "area_id", "population_group", "criterion"),
        value_sets={"area_level": ["district", "poa_area"], "population_group": GROUPS, "criterion": CRITERIA},
    ),
    "iris_composite": TableRules(
        keys=("area_level", "area_id", "population_group"),
        value_sets={"area_level": ["district", "poa_area"], "population_group": GROUPS},
    ),
    "poa_status": TableRules(
        keys=("report_month", "area", "iasc_criterion"), value_sets={"iasc_criterion": CRITERIA},
        ranges={"target": (0, None), "achieved": (0, None), "achieved_pct": (0, None)},
    ),
    "poa_overdue_actions": TableRules(
        keys=("area", "action_id"),
        value_sets={"iasc_criterion": CRITERIA, "status": [s for s in POA_STATUSES if s != "completed"]},
    ),
    "poa_timeliness": TableRules(keys=("report_month", "area")),
    "service_gaps": TableRules(keys=("area_id", "iasc_criterion"), value_sets={"iasc_criterion": CRITERIA}),
    "service_coverage": TableRules(
        keys=("month", "area_id", "iasc_criterion", "sector_code"),
        value_sets={"iasc_criterion": CRITERIA, "sector_code": sorted(SECTOR_CODES)},
    ),
    "referral_directory": TableRules(
        keys=("area_id", "sector_code", "org_acronym", "activity"),
        value_sets={"iasc_criterion": CRITERIA, "status": [s for s in SERVICE_STATUSES if s != "planned"],
                    "sector_code": sorted(SECTOR_CODES)},
    ),
    "sources": TableRules(keys=("source_id",), value_sets={"kind": sorted(DATE_COLUMN_OF_KIND)}),
    "quarantine_reasons": TableRules(keys=("source_id", "check", "column")),
}


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation before GX is imported: its GX class name and keyword arguments."""

    type: str
    kwargs: dict[str, Any]


def field_range(table: str, spec: Field) -> tuple[float | None, float | None] | None:
    """Range a numeric published column must fall in, from its name: percentages and 0-100 scores, priority
    component scores 0-1, counts >= 0; None for signed columns (changes, gaps) and non-numbers."""
    explicit = RULES.get(table, TableRules()).ranges
    name = spec.name
    if name in explicit:
        return explicit[name]
    if spec.type not in ("integer", "number") or "change" in name or name.startswith("gap"):
        return None
    if name == "rank":
        return (1, None)
    if name.endswith("_pct") or name.endswith("_points") or (name.endswith("_score") and table != "area_priority"):
        return (0, 100)
    if name == "priority_score":
        return (0, 100)
    if name.endswith("_score"):
        return (0, 1)
    if spec.type == "integer":
        return (0, None)
    return None


def expected_row_counts(edition: Edition) -> dict[str, int]:
    """Rows each published table must have given the edition's as-of slice (the inputs it was built from)."""
    part = edition.current
    levels = set(RULES["area_severity"].value_sets["area_level"])
    severity_rows = int(part.severity["area_level"].isin(levels).sum()) if not part.severity.empty else 0
    return {
        "key_figures": len(edition.key_figures),
        "area_severity": severity_rows,
        "displacement": len(part.displacement),
        "area_priority": len(part.area_priority),
        "criteria_progress": len(part.criteria),
        "iris_composite": len(part.iris),
        "poa_status": len(part.poa_by_criterion),
        "poa_overdue_actions": len(part.poa_overdue),
        "poa_timeliness": len(part.poa_timeliness),
        "service_gaps": len(part.service_gaps),
        "service_coverage": len(part.coverage),
        "referral_directory": len(part.referral_directory),
        "sources": int(part.inventory["source_id"].nunique()) if not part.inventory.empty else 0,
    }


def _input_rules(name: str, edition: Edition) -> list[ExpectationSpec]:
    """Expectations tying a table to the edition's inputs: row counts, totals, populations present."""
    specs: list[ExpectationSpec] = []
    counts = expected_row_counts(edition)
    if name in counts:
        specs.append(ExpectationSpec("ExpectTableRowCountToEqual", {"value": counts[name]}))
    part = edition.current
    if name == "sources" and not part.inventory.empty:
        for column in ("rows_read", "rows_accepted", "rows_quarantined"):
            total = int(part.inventory[column].sum())
            specs.append(ExpectationSpec("ExpectColumnSumToBeBetween",
                                         {"column": column, "min_value": total, "max_value": total}))
    if name == "quarantine_reasons":
        total = len(part.quarantine)
        specs.append(ExpectationSpec("ExpectColumnSumToBeBetween", {"column": "rows", "min_value": total,
                                                                    "max_value": total}))
    if name == "displacement" and not part.displacement.empty:
        present = sorted(set(part.displacement["population_type"].astype(str)))
        specs.append(ExpectationSpec("ExpectColumnDistinctValuesToContainSet",
                                     {"column": "population_type", "value_set": present}))
    return specs


def suppression_condition(column: str) -> str:
    """pandas query selecting the rows whose flag column names `column` as suppressed."""
    pattern = rf"(?:^|;)\s*{re.escape(column)}\s*(?:;|$)"
    return f'{SUPPRESSED_FLAG_COLUMN}.str.contains("{pattern}", regex=True, na=False)'.replace("\\", "\\\\")


def flagged_columns(table: PublicationTable) -> list[str]:
    """Columns the table's flag column names as suppressed in at least one row (their cells must be empty)."""
    if not table.has_disclosure_control or table.frame.empty:
        return []
    names = {c.strip() for flags in table.frame[SUPPRESSED_FLAG_COLUMN].dropna().astype(str)
             for c in flags.split(";") if c.strip()}
    return sorted(names)


def table_expectations(table: PublicationTable, edition: Edition) -> list[ExpectationSpec]:
    """The suite of one published table."""
    rules = RULES.get(table.name, TableRules())
    names = [f.name for f in table.fields]
    specs = [ExpectationSpec("ExpectTableColumnsToMatchOrderedList", {"column_list": names})]
    for spec in table.fields:
        if not table.frame.empty:  # an empty frame's column types say nothing (pandas makes them float64)
            specs.append(ExpectationSpec("ExpectColumnValuesToBeInTypeList",
                                         {"column": spec.name, "type_list": TYPE_LISTS[spec.type]}))
        if spec.type == "date":
            specs.append(ExpectationSpec("ExpectColumnValuesToMatchRegex", {"column": spec.name,
                                                                            "regex": DATE_PATTERN}))
        bounds = field_range(table.name, spec)
        if bounds is not None:
            specs.append(ExpectationSpec("ExpectColumnValuesToBeBetween",
                                         {"column": spec.name, "min_value": bounds[0], "max_value": bounds[1]}))
    for key in rules.keys:
        specs.append(ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": key}))
    if len(rules.keys) == 1:
        specs.append(ExpectationSpec("ExpectColumnValuesToBeUnique", {"column": rules.keys[0]}))
    elif rules.keys:
        specs.append(ExpectationSpec("ExpectCompoundColumnsToBeUnique", {"column_list": list(rules.keys)}))
    for column, values in rules.value_sets.items():
        specs.append(ExpectationSpec("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}))
    for column in flagged_columns(table):
        specs.append(ExpectationSpec("ExpectColumnValuesToBeNull", {
            "column": column, "row_condition": suppression_condition(column), "condition_parser": "pandas"}))
    return specs + _input_rules(table.name, edition)


def edition_suites(edition: Edition) -> dict[str, list[ExpectationSpec]]:
    """Suite of every published table of the edition, by table name."""
    return {name: table_expectations(table, edition) for name, table in edition.tables.items()}


# --------------------------------------------------------------------------------------------------------------
# Results


def _plain(value: Any) -> Any:
    """A JSON-safe, deterministic copy of an observed value."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, list | tuple | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if value is None or isinstance(value, bool | str):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int | float):
        return None if isinstance(value, float) and value != value else value
    return str(value)


@dataclass
class ExpectationOutcome:
    """The outcome of one expectation on one table."""

    table: str
    expectation: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    sample: list[Any] = field(default_factory=list)
    error: str = ""

    def describe(self) -> str:
        column = self.kwargs.get("column") or ",".join(self.kwargs.get("column_list", []) or [])
        detail = self.error or (f"{self.unexpected_count} unexpected, e.g. {self.sample[:3]}"
                                if self.unexpected_count else f"observed {self.observed}")
        return f"{self.table}: {self.expectation}({column}) {detail}"

    def as_dict(self) -> dict[str, Any]:
        return {"expectation": self.expectation, "kwargs": _plain(self.kwargs), "success": self.success,
                "observed": _plain(self.observed), "unexpected_count": self.unexpected_count,
                "sample": _plain(self.sample), "error": self.error}


@dataclass
class EditionValidation:
    """GX results of every published table of one edition."""

    week: str
    outcomes: list[ExpectationOutcome]
    rows: dict[str, int]
    docs_index: Path | None = None
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def counts(self) -> dict[str, int]:
        """Expectations per table."""
        return dict(Counter(outcome.table for outcome in self.outcomes))

    def summary(self) -> dict[str, Any]:
        """Deterministic summary (no times, no ids): what the pack carries under quality/."""
        tables = []
        for name in self.rows:
            mine = [o for o in self.outcomes if o.table == name]
            tables.append({"table": name, "rows": self.rows[name], "expectations": len(mine),
                           "failed": sum(not o.success for o in mine), "success": all(o.success for o in mine),
                           "results": [o.as_dict() for o in mine]})
        return {"edition": self.week, "validator": "great_expectations", "success": self.success,
                "expectations": len(self.outcomes), "failed": len(self.failures), "tables": tables}

    def summary_json(self) -> bytes:
        return (json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def summary_html(self) -> bytes:
        """The summary as one small self-contained HTML page."""
        data = self.summary()
        rows = []
        for table in data["tables"]:
            status = "passed" if table["success"] else "FAILED"
            rows.append(f"<tr><td>{html.escape(table['table'])}</td><td class='n'>{table['rows']}</td>"
                        f"<td class='n'>{table['expectations']}</td><td class='n'>{table['failed']}</td>"
                        f"<td>{status}</td></tr>")
        failed = "".join(f"<li>{html.escape(o.describe())}</li>" for o in self.failures) or "<li>none</li>"
        page = (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>Data quality expectations — edition {html.escape(self.week)}</title>"
            "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ccc}"
            ".n{text-align:right}</style></head><body>"
            f"<h1>Data quality expectations — edition {html.escape(self.week)}</h1>"
            f"<p>Great Expectations suites of every published table: {data['expectations']} expectations, "
            f"{data['failed']} failed. Every expectation and its observed value: expectations.json.</p>"
            "<table><thead><tr><th>Table</th><th class='n'>Rows</th><th class='n'>Expectations</th>"
            f"<th class='n'>Failed</th><th>Result</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<h2>Failed expectations</h2><ul>{failed}</ul></body></html>\n"
        )
        return page.encode("utf-8")


def _outcome(table: str, spec: ExpectationSpec, result: Any) -> ExpectationOutcome:
    info = result.exception_info or {}
    error = ""
    if info.get("raised_exception"):
        error = str(info.get("exception_message", "raised an exception")).splitlines()[0]
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    return ExpectationOutcome(
        table=table, expectation=spec.type, kwargs=spec.kwargs, success=bool(result.success) and not error,
        observed=details.get("observed_value"), unexpected_count=None if unexpected is None else int(unexpected),
        sample=[_plain(v) for v in (details.get("partial_unexpected_list") or [])[:5]], error=error,
    )


def _context(docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[SITE_NAME] = {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate_edition(edition: Edition, docs_dir: Path | None = None, run_time: dt.datetime | None = None,
                     tables: list[str] | None = None) -> EditionValidation:
    """Validate every published table of `edition` (or only `tables`) against its suite; with `docs_dir`, write
    the GX Data Docs site there (built in a staging folder beside it and swapped into place)."""
    if docs_dir is None:
        return validate_into(edition, None, run_time, tables)
    with staged_folder(Path(docs_dir)) as staging:
        validation = validate_into(edition, staging, run_time, tables)
    validation.docs_index = Path(docs_dir) / "index.html"
    return validation


def validate_into(edition: Edition, site: Path | None, run_time: dt.datetime | None = None,
                  tables: list[str] | None = None) -> EditionValidation:
    """`validate_edition`, with the Data Docs site (if `site`) written straight into the folder `site`."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    started = time.perf_counter()
    suites = {n: s for n, s in edition_suites(edition).items() if tables is None or n in tables}
    run_id = RunIdentifier(run_name=edition.week, run_time=run_time or dt.datetime.now(dt.UTC))
    outcomes: list[ExpectationOutcome] = []
    rows = {name: len(edition.tables[name].frame) for name in suites}
    context = _context(site)
    source = context.data_sources.add_pandas("edition")
    for name, specs in suites.items():
        expectations = [getattr(gx.expectations, spec.type)(**spec.kwargs) for spec in specs]
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        by_id = {e.id: (i, spec) for i, (e, spec) in enumerate(zip(suite.expectations, specs, strict=True))}
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole table")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{edition.week} {name}", data=batch, suite=suite))
        frame = edition.tables[name].frame.reset_index(drop=True)
        # BASIC gives what an outcome keeps (observed value, unexpected count, first unexpected values) at three
        # quarters of SUMMARY's time (2.1 s against 2.8 s for an edition's 359 expectations)
        result = definition.run(batch_parameters={"dataframe": frame}, run_id=run_id,
                                result_format={"result_format": "BASIC"})
        ordered = sorted(result.results, key=lambda r: by_id[r.expectation_config.id][0])
        outcomes.extend(_outcome(name, by_id[r.expectation_config.id][1], r) for r in ordered)
    if site is not None:
        context.build_data_docs(site_names=[SITE_NAME])
    return EditionValidation(week=edition.week, outcomes=outcomes, rows=rows, seconds=time.perf_counter() - started)


WORKER = "ds_pipeline.lib.products.validation_worker"
_STARTED: list[subprocess.Popen[bytes]] = []  # a validation process started ahead, ready for the next validation


def _start_worker() -> subprocess.Popen[bytes]:
    """A validation process: it imports Great Expectations, then waits for the path of a request on its input."""
    return subprocess.Popen([sys.executable, "-m", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def start_validation_ahead() -> None:
    """Start the process of the next `validation_in_background` now, so that its Python and Great Expectations
    imports (about 2.5 s of one core) are done before the edition is ready. Nothing happens where no process can
    start; `stop_validation_ahead` ends one left unused."""
    if not _STARTED:
        try:
            _STARTED.append(_start_worker())
        except OSError:
            pass


def stop_validation_ahead() -> None:
    while _STARTED:
        worker = _STARTED.pop()
        worker.kill()
        worker.communicate()


def _ready_worker() -> subprocess.Popen[bytes]:
    """The process started ahead when it is still waiting, else a new one."""
    while _STARTED:
        worker = _STARTED.pop()
        if worker.poll() is None:
            return worker
        worker.communicate()
    return _start_worker()


@dataclass
class _Request:
    """An edition sent to a validation process (`worker` None: none could start, it is validated on collection).
    The Data Docs are built in `staging` beside `docs_dir` and swapped into place only when collected."""

    edition: Edition
    docs_dir: Path | None
    folder: Path  # holds the pickled request
    staging: Path | None = None
    problem: str = ""  # why no staging folder could be made
    worker: subprocess.Popen[bytes] | None = None


def _send(edition: Edition, docs_dir: Path | None) -> _Request:
    request = _Request(edition, docs_dir, Path(tempfile.mkdtemp(prefix="ds-pipeline-validation-")))
    if docs_dir is not None:
        try:
            Path(docs_dir).parent.mkdir(parents=True, exist_ok=True)
            request.staging = Path(tempfile.mkdtemp(prefix=f".{Path(docs_dir).name}.new-", dir=Path(docs_dir).parent))
        except OSError as exc:
            request.problem = f"{type(exc).__name__}: {exc}"
            return request
    path = request.folder / "edition.pickle"
    path.write_bytes(pickle.dumps((edition, request.staging)))
    try:
        worker = _ready_worker()
        assert worker.stdin is not None
        worker.stdin.write(f"{path}\n".encode())
        worker.stdin.flush()
        request.worker = worker
    except OSError:  # no process can be started here, or the one started ahead is gone
        pass
    return request


def _collect(request: _Request) -> EditionValidation:
    """Wait for the validation of `request` (or make it here) and swap its Data Docs into place."""
    if request.problem:
        raise RuntimeError(f"the Great Expectations validation failed: {request.problem}")
    if request.worker is None:
        validation = validate_into(request.edition, request.staging)
    else:
        out, err = request.worker.communicate()
        if request.worker.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else f"exit code {request.worker.returncode}"
            raise RuntimeError(f"the Great Expectations validation failed: {why}")
        validation = pickle.loads(out)
    if request.docs_dir is not None and request.staging is not None:
        put_in_place(request.staging, Path(request.docs_dir))
        request.staging = None
        validation.docs_index = Path(request.docs_dir) / "index.html"
    return validation


def _abandon(request: _Request) -> None:
    """End the request's process if it still works, and remove its files and unused Data Docs."""
    if request.worker is not None:
        if request.worker.poll() is None:
            request.worker.kill()
        request.worker.communicate()
    for folder in (request.folder, request.staging):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


_BEGUN: dict[tuple[str, str], _Request] = {}  # (run id, partition) -> the edition's validation under way


def begin_validation(key: tuple[str, str], edition: Edition, docs_dir: Path | None) -> None:
    """Send `edition` to a validation process now, for the `validation_in_background` of the same `key` (the step
    of the same run that writes its products) to collect; validations begun for other keys are abandoned."""
    forget_validations()
    _BEGUN[key] = _send(edition, docs_dir)


def forget_validations() -> None:
    """Abandon every validation begun and not collected (a run ended, or its products did not run)."""
    while _BEGUN:
        _abandon(_BEGUN.popitem()[1])


atexit.register(forget_validations)  # a run's process that ends without collecting one leaves nothing behind


@contextmanager
def validation_in_background(edition: Edition, docs_dir: Path | None = None,
                             key: tuple[str, str] | None = None) -> Iterator[Callable[[], EditionValidation]]:
    """`validate_edition` in a Python process of its own (begun under `key` by `begin_validation`, else sent now to
    the process started ahead by `start_validation_ahead`, or to a new one): GX's import and validation (about
    4 s of one core) run while the caller renders the brief on another core. The function yielded waits for the
    validation and returns it (or raises its error). Where no process can be started, it validates here."""
    request = _BEGUN.pop(key) if key is not None and key in _BEGUN else None
    if request is not None and request.docs_dir != docs_dir:
        _abandon(request)
        request = None
    if request is None:
        request = _send(edition, docs_dir)
    try:
        yield lambda: _collect(request)
    finally:
        _abandon(request)  # the caller failed before it waited, or the validation is collected: files go


def quality_files(validation: EditionValidation) -> dict[str, bytes]:
    """The pack's quality/ folder: the deterministic validation summary as JSON and HTML."""
    return {"quality/expectations.json": validation.summary_json(),
            "quality/expectations.html": validation.summary_html()}


def frame_of(validation: EditionValidation) -> pd.DataFrame:
    """Failed expectations as a table (for a check's metadata)."""
    return pd.DataFrame([{"table": o.table, "expectation": o.expectation,
                          "column": o.kwargs.get("column", ",".join(o.kwargs.get("column_list", []) or [])),
                          "detail": o.describe().split(") ", 1)[-1]} for o in validation.failures],
                        columns=["table", "expectation", "column", "detail"])

