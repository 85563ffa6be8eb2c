"""Service coverage from the 4W, the referral directory, and service gaps where need meets no active actor."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ds_pipeline.lib.metrics import (
    GROUP_LABELS,
    criterion_names,
    empty_table,
    finalise,
    month_label,
    numeric,
    require_single_slice,
    text_column,
)

ACTIVE_STATUSES: tuple[str, ...] = ("ongoing", "completed", "")  # "": presence without a status, counted active
# Criteria a high-severity or hotspot area of return is in need on (safety, living standard, livelihoods, HLP).
SEVERITY_NEED_CRITERIA: tuple[int, ...] = (1, 2, 3, 4)

SERVICE_COVERAGE_COLUMNS: dict[str, str] = {
    "month": "str",
    "area_level": "str",
    "area_id": "str",
    "area_name": "str",
    "admin1_pcode": "str",
    "iasc_criterion": "int",
    "criterion_name": "str",
    "sector_code": "str",
    "active_orgs": "int",
    "active_activities": "int",
    "people_targeted": "nullable_int",  # empty when no activity of the row reports it
    "people_reached": "nullable_int",
    "activities_reach_not_reported": "int",  # active activities without people_reached (not in the sum)
    "criterion_inferred": "bool",  # some activity's criterion came from its sector (settings sector_criteria)
}
SERVICE_COVERAGE_KEYS = ("month", "area_id", "iasc_criterion", "sector_code")

REFERRAL_DIRECTORY_COLUMNS: dict[str, str] = {
    "area_id": "str",
    "area_name": "str",
    "sector_code": "str",
    "org_acronym": "str",
    "org_name": "str",
    "org_type": "str",
    "activity": "str",
    "iasc_criterion": "nullable_int",  # empty when the 3W gives none
    "status": "str",  # empty when the 3W gives none (presence)
    "subdistrict_name": "str",  # gazetteer name of the sub-district, empty when the 3W names none
}
REFERRAL_DIRECTORY_KEYS = tuple(REFERRAL_DIRECTORY_COLUMNS)

SERVICE_GAPS_COLUMNS: dict[str, str] = {
    "area_id": "str",
    "area_name": "str",
    "admin1_pcode": "str",
    "iasc_criterion": "int",
    "criterion_name": "str",
    "need_reason": "str",
    "returnee_individuals": "float",
    "active_orgs": "int",
    "sectors_active_elsewhere_in_governorate": "str",
}
SERVICE_GAPS_KEYS = ("area_id", "iasc_criterion")
DEFAULT_GAP_THRESHOLD = -0.10  # an assessed gap at or below this is a need (settings: service_gaps.gap_threshold)


def gap_threshold_of(settings: dict[str, Any]) -> float:
    """The gap to non-displaced residents at or below which a criterion is a need (settings:
    service_gaps.gap_threshold)."""
    return float((settings.get("service_gaps", {}) or {}).get("gap_threshold", DEFAULT_GAP_THRESHOLD))


def _month_ordinal(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 12 + dates.dt.month - 1


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    values = pd.to_datetime(frame[column], errors="coerce", utc=True)
    return values.dt.tz_localize(None).astype("datetime64[ns]")


def presence_period(service_mapping: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Start and end date of each 3W/4W row's period.

    A missing end is the start and a missing start the end. A row with neither (a presence-only 3W) speaks for
    its file's data as-of date: the latest period end (else start) of the other rows of the same file, else the
    day the file was received (``received_at``). A registry entry may instead state the period of such a file
    with the constants ``period_start`` and ``period_end``.
    """
    start = _dates(service_mapping, "period_start")
    end = _dates(service_mapping, "period_end")
    start, end = start.fillna(end), end.fillna(start)
    missing = end.isna()
    if missing.any():
        files = text_column(service_mapping, "source_file")
        as_of = end.groupby(files).transform("max").fillna(_dates(service_mapping, "received_at").dt.normalize())
        start, end = start.where(~missing, as_of), end.where(~missing, as_of)
    return start, end


def activity_months(service_mapping: pd.DataFrame) -> pd.DataFrame:
    """Active 3W/4W activities with a district, one row per month their period touches.

    Active: status ongoing or completed, or no status (presence). Adds ``month`` (YYYY-MM), ``area_id``
    (admin2_pcode), ``area_name`` (admin2_name_en). Periods are those of ``presence_period`` (a row without one
    counts in the month of its file's data as-of); activities without a district p-code are left out.
    """
    status = text_column(service_mapping, "status")
    district = text_column(service_mapping, "admin2_pcode")
    start, end = presence_period(service_mapping)
    keep = (status.isin(ACTIVE_STATUSES) & (district != "") & start.notna()).to_numpy()
    rows = service_mapping.loc[keep].copy()
    if rows.empty:
        return rows.assign(
            month=pd.Series(dtype=object), area_id=pd.Series(dtype=object), area_name=pd.Series(dtype=object)
        )
    first = _month_ordinal(start[keep]).astype("int64")
    last = np.maximum(_month_ordinal(end[keep]).astype("int64"), first)
    spans = (last - first + 1).to_numpy()
    expanded = rows.iloc[np.repeat(np.arange(len(rows)), spans)].reset_index(drop=True)
    run_starts = np.repeat(np.cumsum(spans) - spans, spans)
    ordinals = np.repeat(first.to_numpy(), spans) + (np.arange(len(expanded)) - run_starts)
    expanded["month"] = [f"{o // 12:04d}-{o % 12 + 1:02d}" for o in ordinals]
    expanded["area_id"] = text_column(expanded, "admin2_pcode")
    expanded["area_name"] = text_column(expanded, "admin2_name_en")
    expanded["admin1_pcode"] = text_column(expanded, "admin1_pcode")
    return expanded


def with_inferred_criteria(rows: pd.DataFrame, sector_criteria: Mapping[str, tuple[int, ...]]) -> pd.DataFrame:
    """Rows with an IASC criterion: a row without one becomes one row per criterion its sector serves in
    ``sector_criteria`` (settings ``service_gaps.sector_criteria``), marked ``criterion_inferred``; a row whose
    sector has no criteria there is left out. Rows with a criterion are kept as they are."""
    criterion = pd.to_numeric(rows["iasc_criterion"], errors="coerce") if "iasc_criterion" in rows.columns else (
        pd.Series(np.nan, index=rows.index))
    given = rows.loc[criterion.notna().to_numpy()].assign(
        iasc_criterion=criterion[criterion.notna()].astype("int64").to_numpy(), criterion_inferred=False
    )
    missing = rows.loc[criterion.isna().to_numpy()]
    if missing.empty:
        return given.reset_index(drop=True)
    served = [tuple(sector_criteria.get(str(s), ())) for s in text_column(missing, "sector_code")]
    counts = np.array([len(c) for c in served], dtype="int64")
    inferred = missing.iloc[np.repeat(np.arange(len(missing)), counts)].reset_index(drop=True)
    inferred["iasc_criterion"] = np.array([c for cs in served for c in cs], dtype="int64")
    inferred["criterion_inferred"] = True
    return pd.concat([given, inferred], ignore_index=True)


def service_coverage(
    service_mapping: pd.DataFrame, sector_criteria: Mapping[str, tuple[int, ...]] | None = None
) -> pd.DataFrame:
    """Active organisations and activities per month x district x IASC criterion x sector, from the 3W/4W.

    An activity counts in every month its period touches if its status is ongoing or completed, or not given
    (presence; planned ones are not counted). A row without a criterion counts once on each criterion its sector
    serves in ``sector_criteria`` (default ``DEFAULT_SECTOR_CRITERIA``), the row then marked criterion_inferred.
    people_targeted / people_reached are the activities' full figures in each month they are active, so they
    must not be summed over months; they sum the activities that report them, are empty when none does, and
    activities_reach_not_reported counts the active activities without people_reached.
    """
    if service_mapping.empty:
        return empty_table(SERVICE_COVERAGE_COLUMNS)
    if sector_criteria is None:
        from ds_pipeline.lib.value_maps import DEFAULT_SECTOR_CRITERIA

        sector_criteria = DEFAULT_SECTOR_CRITERIA
    active = activity_months(service_mapping)
    if active.empty:
        return empty_table(SERVICE_COVERAGE_COLUMNS)
    active = with_inferred_criteria(active, sector_criteria)
    if active.empty:
        return empty_table(SERVICE_COVERAGE_COLUMNS)
    for column in ("people_targeted", "people_reached"):
        active[column] = pd.to_numeric(active[column], errors="coerce").astype("float64")
    active["_reach_not_reported"] = active["people_reached"].isna()
    keys = ["month", "area_id", "iasc_criterion", "sector_code"]
    groups = active.groupby(keys, sort=True)
    table = groups.agg(
        active_orgs=("org_acronym", "nunique"),
        active_activities=("org_acronym", "size"),
        activities_reach_not_reported=("_reach_not_reported", "sum"),
        criterion_inferred=("criterion_inferred", "any"),
    )
    for column in ("area_name", "admin1_pcode"):
        table[column] = _largest_text(active, keys, column)
    table = table.join(groups[["people_targeted", "people_reached"]].sum(min_count=1)).reset_index()
    table["area_level"] = "district"
    table["criterion_name"] = criterion_names(table["iasc_criterion"])
    return finalise(table, SERVICE_COVERAGE_COLUMNS, SERVICE_COVERAGE_KEYS)


def _largest_text(rows: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """The largest text of ``column`` per group of ``keys`` (sorted), as the groups' ``max`` gives it: compared
    as ranks in the sorted distinct texts, which the grouping can do without a Python call per group."""
    ranks, texts = pd.factorize(rows[column], sort=True)
    if (ranks < 0).any():  # a missing text: the groups' own max, which leaves it out
        return rows.groupby(keys, sort=True)[column].max()
    largest = pd.Series(ranks, index=rows.index).groupby([rows[key] for key in keys], sort=True).max()
    return pd.Series(np.asarray(texts, dtype=object)[largest.to_numpy()], index=largest.index, name=column)


def referral_directory(service_mapping: pd.DataFrame, month: str) -> pd.DataFrame:
    """Who provides what where: activities active (ongoing, completed or without a status) in ``month``
    (YYYY-MM), by district. The criterion is the one the 3W gives (empty when it gives none: no inference here)."""
    return referral_directories(service_mapping, [month])[month]


def referral_directories(service_mapping: pd.DataFrame, months: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The ``referral_directory`` of each of ``months``, the activities of all of them read and sorted at once
    (the order of a month's rows is the same as sorting them alone)."""
    labels = {month: month_label(pd.Period(month, freq="M")) for month in months}
    if service_mapping.empty:
        return {month: empty_table(REFERRAL_DIRECTORY_COLUMNS) for month in labels}
    active = activity_months(service_mapping)
    active = active[active["month"].isin(set(labels.values()))]
    if active.empty:
        return {month: empty_table(REFERRAL_DIRECTORY_COLUMNS) for month in labels}
    active = active.assign(
        iasc_criterion=pd.to_numeric(active["iasc_criterion"], errors="coerce"),
        subdistrict_name=text_column(active, "admin3_name_en"),
    )
    table = finalise(active, {**REFERRAL_DIRECTORY_COLUMNS, "month": "str"}, REFERRAL_DIRECTORY_KEYS)
    table["status"] = table["status"].where(table["status"] != "", None)  # not given: empty, not a status
    directories = {}
    for month, label in labels.items():
        rows = table[table["month"] == label]
        directories[month] = (
            rows.drop(columns="month").drop_duplicates().reset_index(drop=True) if not rows.empty
            else empty_table(REFERRAL_DIRECTORY_COLUMNS)
        )
    return directories


def _fmt_gap(gap: float) -> str:
    return f"{gap:+.2f}"


def service_gaps(
    severity: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    gap_threshold: float = DEFAULT_GAP_THRESHOLD,
) -> pd.DataFrame:
    """Districts in need on a criterion where no organisation is active on it in the 4W month.

    Inputs are one as-of slice each (area_severity of one round, criteria_progress of one survey round,
    service_coverage of one month); only district rows are used. Need on a criterion: Return Index severity
    high or hotspot (criteria 1-4), or an assessed gap <= ``gap_threshold`` for any displaced group.
    sectors_active_elsewhere_in_governorate lists the sector codes active on that criterion in other
    districts of the same governorate.

    A gap is only established where the 4W speaks for the district: without 4W data for the month there is no
    gap table at all (empty), and districts of a governorate where the 4W reports no activity are left out (a 4W
    reporting nothing in a whole governorate is taken not to cover it). returnee_individuals is NaN for a
    district without Return Index data.
    """
    require_single_slice(severity, "round_id", "severity")
    require_single_slice(criteria, "survey_round", "criteria")
    require_single_slice(coverage, "month", "coverage")
    if coverage.empty:
        return empty_table(SERVICE_GAPS_COLUMNS)  # no 4W month: whether anyone is active is not known

    reasons: dict[tuple[str, int], list[str]] = {}
    areas: dict[str, tuple[str, str]] = {}
    returnees: dict[str, int] = {}

    if not severity.empty:
        read = ["area_id", "area_name", "admin1_pcode", "returnee_individuals", "severity", "hotspot", "returnees_high"]
        districts = severity.loc[severity["area_level"] == "district", read].sort_values("area_id", kind="mergesort")
        for row in districts.itertuples(index=False):
            areas.setdefault(row.area_id, (row.area_name, row.admin1_pcode))
            returnees[row.area_id] = int(row.returnee_individuals)
            flags = []
            if row.severity == "high":
                flags.append("high severity")
            if bool(row.hotspot):
                flags.append("hotspot")
            if flags:
                reason = (
                    f"Return Index {' and '.join(flags)} ({row.returnees_high:,} returnees in high-severity locations)"
                )
                for criterion in SEVERITY_NEED_CRITERIA:
                    reasons.setdefault((row.area_id, criterion), []).append(reason)

    if not criteria.empty:
        gaps = criteria[
            (criteria["area_level"] == "district")
            & criteria["assessed"].astype(bool)
            & (numeric(criteria, "gap") <= gap_threshold)
        ]
        gaps = gaps.dropna(subset=["area_id", "criterion"])  # rows without an area or criterion group nowhere
        gaps = gaps.sort_values(["area_id", "criterion", "population_group"], kind="mergesort")
        lines = zip(gaps["area_id"], gaps["criterion"], gaps["area_name"], gaps["admin1_pcode"],
                    gaps["population_group"], gaps["gap"], strict=True)
        # the rows of one district and criterion are consecutive once sorted
        for (area_id, criterion), of_criterion in itertools.groupby(lines, key=lambda line: line[:2]):
            of_criterion = list(of_criterion)
            areas.setdefault(area_id, of_criterion[0][2:4])
            groups = ", ".join(f"{GROUP_LABELS.get(line[4], line[4])} {_fmt_gap(line[5])}" for line in of_criterion)
            reasons.setdefault((area_id, int(criterion)), []).append(f"gap to non-displaced: {groups}")

    active_orgs: dict[tuple[str, int], int] = {}
    sectors: dict[tuple[str, int], set[str]] = {}  # (governorate, criterion) -> {(district, sector)}
    active = coverage[numeric(coverage, "active_orgs") > 0]
    covered_governorates = set(active["admin1_pcode"].astype(str))
    activities = active[["area_id", "iasc_criterion", "active_orgs", "admin1_pcode", "sector_code"]]
    for row in activities.itertuples(index=False):
        key = (row.area_id, int(row.iasc_criterion))
        active_orgs[key] = active_orgs.get(key, 0) + int(row.active_orgs)  # a running sum starts at 0
        sectors.setdefault((row.admin1_pcode, int(row.iasc_criterion)), set()).add((row.area_id, row.sector_code))

    rows = []
    for (area_id, criterion), need in sorted(reasons.items()):
        area_name, admin1_pcode = areas[area_id]
        if str(admin1_pcode) not in covered_governorates:
            continue  # the 4W does not cover the governorate: not assessed, not a gap
        # no entry: nobody reported an activity on the criterion in a district the 4W covers, a true zero
        if active_orgs.get((area_id, criterion), 0) > 0:
            continue
        elsewhere = sorted(
            {sector for district, sector in sectors.get((admin1_pcode, criterion), set()) if district != area_id}
        )
        rows.append(
            {
                "area_id": area_id,
                "area_name": area_name,
                "admin1_pcode": admin1_pcode,
                "iasc_criterion": criterion,
                "need_reason": "; ".join(need),
                "returnee_individuals": returnees.get(area_id, np.nan),
                "active_orgs": 0,
                "sectors_active_elsewhere_in_governorate": ", ".join(elsewhere),
            }
        )
    if not rows:
        return empty_table(SERVICE_GAPS_COLUMNS)
    table = pd.DataFrame(rows)
    table["criterion_name"] = criterion_names(table["iasc_criterion"])
    return finalise(table, SERVICE_GAPS_COLUMNS, SERVICE_GAPS_KEYS)
