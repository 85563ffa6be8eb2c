"""Metrics of each data slice, and their checks: service gaps, area priority and the referral directory.

A data slice is what the as-of rules (`ds_pipeline.lib.as_of`) choose on a date: the Return Index round, the DTM
round of each population type, the survey round and the 4W month. It changes only on the dates a round, survey
round or month becomes available, so the metrics are computed once per distinct slice over those dates and stored
keyed by a readable slice key, e.g. ``RI R134 · DTM idp R139, returnee R138 · survey S2 · 4W 2026-10``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ds_pipeline.lib import as_of as rules
from ds_pipeline.lib.metrics import empty_table, numeric
from ds_pipeline.lib.metrics.prioritisation import (
    AREA_PRIORITY_COLUMNS,
    COMPONENT_LABELS,
    area_priority,
    checked_weights,
    min_components,
    priority_weights,
)
from ds_pipeline.lib.metrics.services import (
    REFERRAL_DIRECTORY_COLUMNS,
    SERVICE_GAPS_COLUMNS,
    SERVICE_GAPS_KEYS,
    gap_threshold_of,
    referral_directories,
    referral_directory,
    service_gaps,
)

SLICE_KEY = "slice_key"
NONE = "none"  # the part of a slice key with nothing available
DATA_SLICES_COLUMNS: dict[str, str] = {
    SLICE_KEY: "str",
    "applies_from": "str",  # ISO date from which as-of dates choose this slice (0001-01-01: before any data)
    "severity_round": "str",  # Return Index round ("" when none is available)
    "displacement_rounds": "str",  # DTM round per population type, e.g. "idp R139, returnee R138"
    "survey_round": "str",
    "coverage_month": "str",  # 4W month, YYYY-MM
}
# The metric tables of a slice, as the editions read them (the stored tables add SLICE_KEY in front).
SLICE_METRICS: dict[str, dict[str, str]] = {
    "service_gaps": SERVICE_GAPS_COLUMNS,
    "area_priority": AREA_PRIORITY_COLUMNS,
    "referral_directory": REFERRAL_DIRECTORY_COLUMNS,
}
# Rows unique per slice.
SLICE_METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "service_gaps": SERVICE_GAPS_KEYS,
    "area_priority": ("area_id",),
    "referral_directory": tuple(REFERRAL_DIRECTORY_COLUMNS),
}


@dataclass(frozen=True)
class DataSlice:
    """The rounds and month an as-of date chooses ("" where none is available)."""

    severity_round: str = ""
    displacement_rounds: tuple[tuple[str, str], ...] = ()  # (population type, round), by population type
    survey_round: str = ""
    coverage_month: str = ""

    @property
    def displacement_label(self) -> str:
        return ", ".join(f"{population_type} {round_id}" for population_type, round_id in self.displacement_rounds)

    @property
    def key(self) -> str:
        return (
            f"RI {self.severity_round or NONE} · DTM {self.displacement_label or NONE} · "
            f"survey {self.survey_round or NONE} · 4W {self.coverage_month or NONE}"
        )


def choose_slice(
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    survey_dates: dict[str, dt.date | None],
    coverage: pd.DataFrame,
    as_of: dt.date,
) -> DataSlice:
    """The data slice of `as_of` (survey_dates: `survey_round_dates` of the criteria table)."""
    rounds = rules.eligible_rounds(severity, as_of)
    by_type = rules.rounds_by_population_type(displacement, rules.eligible_rounds(displacement, as_of))
    surveys = rules.eligible_survey_rounds(survey_dates, as_of)
    return DataSlice(
        severity_round=rounds[-1] if rounds else "",
        displacement_rounds=tuple((population_type, with_data[-1]) for population_type, with_data in by_type.items()),
        survey_round=surveys[-1] if surveys else "",
        coverage_month=rules.coverage_month(coverage, as_of),
    )


def metrics_of_slice(
    data_slice: DataSlice,
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    service_mapping: pd.DataFrame,
    settings: dict[str, Any],
    directories: dict[str, pd.DataFrame] | None = None,
    chosen: dict[tuple[str, Any], pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """service_gaps, area_priority and referral_directory of one slice, from the whole metric tables (every
    round and month) and the conformed 4W. `directories` keeps the referral directory of each 4W month across
    calls (it depends on the month only); `chosen` keeps the rows of each round, survey round and month across
    calls (slices share them)."""
    severity_rows, displacement_rows, criteria_rows, coverage_rows = _slice_rows(
        data_slice, severity, displacement, criteria, coverage, {} if chosen is None else chosen
    )
    directories = {} if directories is None else directories
    if data_slice.coverage_month not in directories:
        directories[data_slice.coverage_month] = _referral_directory(service_mapping, data_slice.coverage_month)
    return {
        "service_gaps": service_gaps(severity_rows, criteria_rows, coverage_rows, gap_threshold_of(settings)),
        "area_priority": area_priority(
            severity_rows, displacement_rows, criteria_rows, coverage_rows, priority_weights(settings),
            min_components(settings),
        ),
        "referral_directory": directories[data_slice.coverage_month],
    }


def _slice_rows(
    data_slice: DataSlice,
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    chosen: dict[tuple[str, Any], pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows of the slice's Return Index round, DTM rounds, survey round and 4W month, taken from `chosen`
    when an earlier slice chose them already."""

    def rows(key: tuple[str, Any], choose: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        if key not in chosen:
            chosen[key] = choose()
        return chosen[key]

    return (
        rows(("severity", data_slice.severity_round),
             lambda: rules.rows_of(severity, "round_id", data_slice.severity_round)),
        rows(("displacement", data_slice.displacement_rounds),
             lambda: _displacement_rows(displacement, data_slice.displacement_rounds)),
        rows(("criteria", data_slice.survey_round),
             lambda: rules.rows_of(criteria, "survey_round", data_slice.survey_round)),
        rows(("coverage", data_slice.coverage_month),
             lambda: rules.rows_of(coverage, "month", data_slice.coverage_month)),
    )


def _displacement_rows(displacement: pd.DataFrame, rounds: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """The rows of each (population type, round) of `rounds`, in that order."""
    parts = [
        displacement[(displacement["population_type"].astype(str) == population_type)
                     & (displacement["round_id"].astype(str) == round_id)]
        for population_type, round_id in rounds
    ]
    return pd.concat(parts, ignore_index=True) if parts else displacement.iloc[0:0].copy()


def _referral_directory(service_mapping: pd.DataFrame, month: str) -> pd.DataFrame:
    if not month or service_mapping.empty:
        return empty_table(REFERRAL_DIRECTORY_COLUMNS)
    return referral_directory(service_mapping, month)


def _availability_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The distinct values of the columns of `frame` the as-of rules read to choose a slice (its rounds, their
    reporting dates, population types, months): the same choices as from the whole table, from far fewer rows."""
    return frame[[column for column in columns if column in frame.columns]].drop_duplicates()


def slice_metric_tables(
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    service_mapping: pd.DataFrame,
    inventory: pd.DataFrame,
    settings: dict[str, Any],
) -> dict[str, pd.DataFrame]:
    """data_slices (one row per date the slice changes) and the metric tables of every distinct slice, each with
    SLICE_KEY in front, rows in slice order then in the order of the metric."""
    survey_dates = rules.survey_round_dates(criteria, inventory)
    slices: list[dict[str, str]] = []
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SLICE_METRICS}
    chosen: dict[tuple[str, Any], pd.DataFrame] = {}
    seen: set[str] = set()
    rounds = _availability_columns(severity, ("round_id", "reporting_date"))
    population_rounds = _availability_columns(displacement, ("round_id", "reporting_date", "population_type"))
    months = _availability_columns(coverage, ("month",))
    changes: list[tuple[dt.date, DataSlice]] = []
    for day in rules.availability_dates(rounds, population_rounds, survey_dates, months):
        data_slice = choose_slice(rounds, population_rounds, survey_dates, months, day)
        if not changes or changes[-1][1].key != data_slice.key:
            changes.append((day, data_slice))
    shown = {data_slice.coverage_month for _day, data_slice in changes if data_slice.coverage_month}
    directories = referral_directories(service_mapping, sorted(shown)) if not service_mapping.empty else {}
    for day, data_slice in changes:
        slices.append({
            SLICE_KEY: data_slice.key, "applies_from": day.isoformat(), "severity_round": data_slice.severity_round,
            "displacement_rounds": data_slice.displacement_label, "survey_round": data_slice.survey_round,
            "coverage_month": data_slice.coverage_month,
        })
        if data_slice.key in seen:
            continue
        seen.add(data_slice.key)
        metrics = metrics_of_slice(
            data_slice, severity, displacement, criteria, coverage, service_mapping, settings, directories, chosen
        )
        for name, frame in metrics.items():
            if not frame.empty:
                parts[name].append(frame.assign(**{SLICE_KEY: data_slice.key}))
    tables = {"data_slices": typed(pd.DataFrame(slices, columns=list(DATA_SLICES_COLUMNS)), DATA_SLICES_COLUMNS)}
    for name, schema in SLICE_METRICS.items():
        stored = {SLICE_KEY: "str", **schema}
        frame = pd.concat(parts[name], ignore_index=True) if parts[name] else empty_table(stored)
        tables[name] = typed(frame, stored)
    return tables


def typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """`frame` reduced to the schema's columns in order, with the dtypes the metric functions give them, missing
    values kept missing (a table read back from the warehouse gives NULL integers as floats, empty tables as
    objects)."""
    columns: dict[str, pd.Series] = {}
    for column, kind in schema.items():
        values = frame[column]
        if kind == "str":
            columns[column] = values.astype(object).where(values.notna(), None)
        elif kind == "int":
            columns[column] = pd.to_numeric(values).astype("int64")
        elif kind == "nullable_int":
            columns[column] = pd.to_numeric(values, errors="coerce").astype("float64").astype("Int64")
        elif kind == "float":
            columns[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif kind == "bool":
            columns[column] = values.astype(bool)
        else:  # pragma: no cover - schemas are defined in this package
            raise ValueError(f"unknown column kind {kind!r} for {column}")
    return pd.DataFrame(columns, index=frame.index).reset_index(drop=True)


def stored_slice_metrics(tables: dict[str, pd.DataFrame], data_slice: DataSlice) -> dict[str, pd.DataFrame]:
    """The rows of `data_slice` of the stored metric tables in `tables` (data_slices and SLICE_METRICS), without
    the slice key. A slice missing from data_slices raises ValueError: the stored tables are older than the
    round tables and must be materialised again."""
    known = set(tables["data_slices"].get(SLICE_KEY, pd.Series(dtype=str)).astype(str))
    if data_slice.key not in known:
        raise ValueError(
            f"the data slice {data_slice.key!r} is not in the stored data_slices: materialise data_slices, "
            "service_gaps, area_priority and referral_directory again"
        )
    metrics = {}
    for name, schema in SLICE_METRICS.items():
        frame = tables[name]
        metrics[name] = typed(frame[frame[SLICE_KEY].astype(str) == data_slice.key], schema)
    return metrics


# --------------------------------------------------------------------------------------------------------------
# Checks: each returns a list of problems, empty when the table passes.

PERSONAL_COLUMN = re.compile(
    r"contact|focal|person|phone|mobile|telephone|whatsapp|e_?mail|first_?name|last_?name|surname|full_?name",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# international numbers (+964 770 123 4567, 00964...) and Iraqi mobile numbers (0770 123 4567)
PHONE = re.compile(r"(?:\+|\b00)\d{2,3}[\s.-]?\d{2,4}[\s.-]?\d{3}[\s.-]?\d{3,4}\b|\b07\d{2}[\s.-]?\d{3}[\s.-]?\d{4}\b")


def unknown_slices(table: pd.DataFrame, data_slices: pd.DataFrame) -> list[str]:
    """Slice keys of a metric table that data_slices does not list."""
    known = set(data_slices[SLICE_KEY].astype(str))
    unknown = sorted(set(table[SLICE_KEY].astype(str)) - known)
    return [f"slice {key!r} is not in data_slices" for key in unknown]


def duplicate_rows(table: pd.DataFrame, keys: tuple[str, ...]) -> list[str]:
    """Rows of a metric table sharing the slice key and `keys`."""
    columns = [SLICE_KEY, *keys]
    duplicated = table[table.duplicated(columns, keep="first")]
    return [
        f"{row[SLICE_KEY]}: more than one row for {', '.join(f'{k}={row[k]}' for k in keys)}"
        for _, row in duplicated[columns].iterrows()
    ]


def rank_problems(priority: pd.DataFrame, weights: dict[str, float]) -> list[str]:
    """Per slice: ranks of the ranked districts are not 1..n in order of priority score, an unranked district
    has a rank, or a district's components assessed and not assessed do not name every weighted component."""
    weighted = [c for c, weight in checked_weights(weights).items() if weight > 0]
    labels = {COMPONENT_LABELS[c] for c in weighted}
    problems = []
    for key, rows in priority.groupby(SLICE_KEY, sort=False):
        ranked = rows[rows["ranked"].astype(bool)]
        ranks = numeric(ranked, "rank")
        if ranks.isna().any() or sorted(ranks) != list(range(1, len(ranked) + 1)):
            problems.append(f"{key}: ranks of the {len(ranked)} ranked districts are not 1..{len(ranked)}")
        elif (numeric(ranked, "priority_score")[ranks.sort_values().index].diff() > 1e-9).any():
            problems.append(f"{key}: a district ranks above one with a higher priority score")
        unranked = rows[~rows["ranked"].astype(bool) & numeric(rows, "rank").notna()]
        problems += [f"{key}: {area} is not ranked but has a rank" for area in unranked["area_id"]]
        for _, row in rows.iterrows():
            missing = [name for name in str(row["components_not_assessed"] or "").split("; ") if name]
            if set(missing) - labels or int(row["components_assessed"]) + len(missing) != len(weighted):
                problems.append(
                    f"{key}: {row['area_id']} has {row['components_assessed']} components assessed and "
                    f"{missing or 'none'} not assessed, not the {len(weighted)} weighted components"
                )
    return problems


def gaps_with_active_organisations(
    gaps: pd.DataFrame, coverage: pd.DataFrame, data_slices: pd.DataFrame
) -> list[str]:
    """Service gaps where the 4W month of their slice reports an active organisation on the criterion in the
    district (or where the slice has no 4W month at all, so nobody's absence is known)."""
    months = dict(zip(data_slices[SLICE_KEY].astype(str), data_slices["coverage_month"].fillna("").astype(str),
                      strict=True))
    active = coverage[numeric(coverage, "active_orgs") > 0]
    served = set(zip(active["month"].astype(str), active["area_id"].astype(str),
                     numeric(active, "iasc_criterion"), strict=True))
    problems = []
    for _, row in gaps.iterrows():
        month = months.get(str(row[SLICE_KEY]), "")
        where = f"{row[SLICE_KEY]}: {row['area_id']} criterion {row['iasc_criterion']}"
        if not month:
            problems.append(f"{where} is a gap without a 4W month")
        elif (month, str(row["area_id"]), float(row["iasc_criterion"])) in served:
            problems.append(f"{where} is a gap although the 4W of {month} reports an active organisation")
        elif float(row["active_orgs"]) != 0:
            problems.append(f"{where} is a gap with {row['active_orgs']} active organisations")
    return problems


def personal_data(directory: pd.DataFrame) -> list[str]:
    """Columns of the referral directory named for personal data (people's names, phone, e-mail) and cells
    holding what looks like a phone number or an e-mail address."""
    problems = [f"column {column!r} looks like personal data" for column in directory.columns
                if PERSONAL_COLUMN.search(str(column))]
    for column in directory.columns:
        if directory[column].dtype != object:
            continue
        text = directory[column].dropna().astype(str)
        for pattern, what in ((EMAIL, "an e-mail address"), (PHONE, "a phone number")):
            found = text[text.str.contains(pattern)]
            if not found.empty:
                problems.append(f"column {column!r} holds {what} in {len(found)} rows")
    return problems
