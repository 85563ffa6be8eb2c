"""The as-of slice of an edition: which rounds, months and source files of the warehouse tables an edition may use.

Only data dated on or before the as-of date is used (DESIGN.md §3, team contract "Edition"):
- Return Index and DTM rounds whose reporting date is <= as-of (the latest such round is shown; the round before
  it gives the change since the previous round); the key figures of each DTM population type come from the latest
  such round with data on that population type (a partial round may carry IDPs but no returnees yet);
- POA report months whose last day is <= as-of (the latest month is shown);
- survey rounds dated <= as-of (a round is dated by the last interview of its households, `survey_round_end` of
  the criteria table; tables without it fall back on the household-survey files' data_as_of in the source
  inventory);
- the 4W month of the as-of date (or the latest month before it present in the service coverage);
- source files whose data_as_of is <= as-of (and the 4W files with activities in the 4W month, whose data_as_of
  is the end of their period), and the quarantined rows of those files.

"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ds_pipeline.lib.edition_calendar import month_end, month_of, month_start
from ds_pipeline.lib.metrics.severity import MEAN_INDICATOR_COLUMNS
from ds_pipeline.lib.products.edition import (
    CRITERIA_KEYS,
    DEFAULT_GAP_THRESHOLD,
    AsOfSlice,
    _dates,
    natural_key,
    round_number,
)


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    return frame.copy() if frame is not None else pd.DataFrame()


def _eligible_rounds(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    """Rounds whose reporting date is <= as_of, oldest first."""
    if frame.empty or "round_id" not in frame.columns:
        return []
    last_date = _dates(frame["reporting_date"]).groupby(frame["round_id"].astype(str)).max()
    rounds = [r for r, d in last_date.items() if not pd.isna(d) and d.date() <= as_of]
    return sorted(rounds, key=lambda r: (round_number(r), r))


def _with_previous_round(
    frame: pd.DataFrame, rounds: list[str], keys: list[str], columns: list[str]
) -> tuple[pd.DataFrame, str]:
    """Rows of the latest round with `<column>_previous` of the same area in its latest earlier round."""
    data = frame[frame["round_id"].astype(str).isin(rounds)].copy()
    data["_order"] = data["round_id"].astype(str).map({r: i for i, r in enumerate(rounds)})
    current = data[data["_order"] == len(rounds) - 1].copy()
    earlier = data[data["_order"] < len(rounds) - 1].sort_values("_order", kind="mergesort")
    earlier = earlier.drop_duplicates(keys, keep="last")
    previous = earlier[keys + ["round_id"] + columns].rename(
        columns={"round_id": "previous_round_id", **{c: f"{c}_previous" for c in columns}}
    )
    merged = current.merge(previous, on=keys, how="left").drop(columns="_order")
    merged["previous_round_id"] = merged["previous_round_id"].fillna("").astype(str)
    previous_round = rounds[-2] if len(rounds) > 1 else ""
    return merged.reset_index(drop=True), previous_round


def _survey_round_dates(criteria: pd.DataFrame, inventory: pd.DataFrame) -> dict[str, dt.date | None]:
    """Date of each survey round: the last interview of its households (`survey_round_end`).

    Rounds without it (tables written before the column existed, or no interview date at all) are dated by the
    source inventory: a household-survey file whose round_id names the round dates that round; other rounds take
    the latest data_as_of of the household-survey files that carry no round_id. Without any household-survey file
    in the inventory such rounds are undated (taken as available).
    """
    rounds = sorted(set(criteria["survey_round"].astype(str)), key=natural_key) if not criteria.empty else []
    ends: dict[str, pd.Timestamp] = {}
    if "survey_round_end" in criteria.columns and not criteria.empty:
        ends = _dates(criteria["survey_round_end"]).groupby(criteria["survey_round"].astype(str)).max().to_dict()
    dates: dict[str, dt.date | None] = {}
    fallback = _inventory_round_dates(rounds, inventory)
    for survey_round in rounds:
        end = ends.get(survey_round, pd.NaT)
        dates[survey_round] = fallback[survey_round] if pd.isna(end) else end.date()
    return dates


def _inventory_round_dates(rounds: list[str], inventory: pd.DataFrame) -> dict[str, dt.date | None]:
    """Dates of survey rounds from the data_as_of of the household-survey files in the source inventory."""
    if inventory.empty or "kind" not in inventory.columns or not (inventory["kind"] == "household_survey").any():
        return {r: None for r in rounds}
    survey_files = inventory[inventory["kind"] == "household_survey"]
    as_of = _dates(survey_files["data_as_of"])
    by_round = as_of.groupby(survey_files["round_id"].fillna("").astype(str)).max()
    undated = by_round.get("", pd.NaT)
    dates: dict[str, dt.date | None] = {}
    for survey_round in rounds:
        value = by_round.get(survey_round, undated)
        dates[survey_round] = dt.date.max if pd.isna(value) else value.date()  # undatable rounds are never shown
    return dates


def _with_previous_benchmark_households(criteria: pd.DataFrame, survey_round: str, rounds: list[str]) -> pd.DataFrame:
    """Criteria rows of `survey_round` with `benchmark_households_previous`: the benchmark households of the same
    area, group and criterion in the latest earlier round with a row for it (the round its gap change is
    measured against). Tables without benchmark_households are returned as they are."""
    current = criteria[criteria["survey_round"].astype(str) == survey_round].reset_index(drop=True)
    if "benchmark_households" not in criteria.columns:
        return current
    earlier = rounds[: rounds.index(survey_round)]
    keys = list(CRITERIA_KEYS)
    previous = criteria[criteria["survey_round"].astype(str).isin(earlier)].copy()
    previous["_order"] = previous["survey_round"].astype(str).map({r: i for i, r in enumerate(earlier)})
    previous = previous.sort_values("_order", kind="mergesort").drop_duplicates(keys, keep="last")
    previous = previous[keys + ["benchmark_households"]].rename(
        columns={"benchmark_households": "benchmark_households_previous"}
    )
    return current.merge(previous, on=keys, how="left")


def _empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


def _service_mapping_files(mapping: pd.DataFrame, month: str) -> set[str]:
    """4W files with an ongoing or completed activity in `month`: they feed the edition even when their period
    (their data_as_of) ends after the as-of date."""
    if not month or mapping.empty or "source_file" not in mapping.columns:
        return set()
    from ds_pipeline.lib.metrics.services import ACTIVE_STATUSES, presence_period

    first, last = pd.Timestamp(month_start(month)), pd.Timestamp(month_end(month))
    start, end = presence_period(mapping)  # a presence-only row: its file's data as-of
    status = mapping["status"].fillna("").astype(str).str.strip()
    active = status.isin(ACTIVE_STATUSES) & (start <= last) & (end >= first)
    return set(mapping.loc[active, "source_file"].astype(str))


def min_priority_components(settings: dict[str, Any]) -> int:
    """Components an area must be scored on to be ranked (settings: prioritisation.min_components)."""
    from ds_pipeline.lib.metrics.prioritisation import DEFAULT_MIN_COMPONENTS

    return int((settings.get("prioritisation", {}) or {}).get("min_components", DEFAULT_MIN_COMPONENTS))


def select_slice(tables: dict[str, pd.DataFrame], as_of: dt.date, settings: dict[str, Any]) -> AsOfSlice:
    """Rows of every warehouse table available on `as_of`, and the service gaps, area priority and referral
    directory computed from them."""
    from ds_pipeline.lib.metrics.prioritisation import area_priority
    from ds_pipeline.lib.metrics.services import referral_directory, service_gaps

    part = AsOfSlice(as_of=as_of)

    severity = _table(tables, "area_severity")
    rounds = _eligible_rounds(severity, as_of)
    if rounds:
        part.severity, part.severity_previous_round = _with_previous_round(
            severity,
            rounds,
            ["area_level", "area_id"],
            ["returnees_high", "returnee_individuals", "returnees_in_high_severity_share", "mean_overall_score",
             "mean_scale1_score", "mean_scale2_score", "locations_high",
             *(c for c in MEAN_INDICATOR_COLUMNS if c in severity.columns)],
        )
        part.severity_round = rounds[-1]
    else:
        part.severity = _empty_like(severity)

    displacement = _table(tables, "displacement_by_area")
    rounds = _eligible_rounds(displacement, as_of)
    if rounds:
        # each population type from the latest eligible round with data on it (a partial release may carry
        # IDPs but no returnees yet), its change measured against the latest earlier round with data on it
        part.displacement_round = rounds[-1]
        typed, current_rows = [], []
        for population_type in sorted(set(displacement["population_type"].astype(str))):
            of_type = displacement[displacement["population_type"].astype(str) == population_type]
            with_data = [r for r in rounds if (of_type["round_id"].astype(str) == r).any()]
            if not with_data:
                continue
            rows, previous_round = _with_previous_round(
                of_type,
                with_data,
                ["area_level", "area_id", "population_type"],
                ["individuals", "individuals_in_camp", "individuals_in_critical_shelter",
                 *(c for c in ("families", "families_in_camp") if c in displacement.columns)],
            )
            part.displacement_rounds_by_type[population_type] = with_data[-1]
            part.displacement_previous_rounds_by_type[population_type] = previous_round
            typed.append(rows)
            current_rows.append(of_type[of_type["round_id"].astype(str) == with_data[-1]])
        part.displacement = pd.concat(typed, ignore_index=True) if typed else _empty_like(displacement)
        part.displacement_by_type = (
            pd.concat(current_rows, ignore_index=True) if current_rows else _empty_like(displacement)
        )
    else:
        part.displacement = _empty_like(displacement)
        part.displacement_by_type = _empty_like(displacement)

    criteria = _table(tables, "criteria_progress")
    iris = _table(tables, "iris_composite")
    survey_dates = _survey_round_dates(criteria, _table(tables, "source_inventory"))
    survey_rounds = [r for r, d in survey_dates.items() if d is None or d <= as_of]
    if survey_rounds:
        part.survey_round = survey_rounds[-1]
        part.criteria = _with_previous_benchmark_households(criteria, part.survey_round, list(survey_dates))
        part.iris = (
            iris[iris["survey_round"].astype(str) == part.survey_round].reset_index(drop=True)
            if not iris.empty
            else iris
        )
    else:
        part.criteria, part.iris = _empty_like(criteria), _empty_like(iris)

    by_criterion = _table(tables, "poa_status_by_criterion")
    months = sorted(
        m for m in set(by_criterion.get("report_month", pd.Series(dtype=str)).astype(str)) if month_end(m) <= as_of
    )
    overdue = _table(tables, "poa_overdue_actions")
    timeliness = _table(tables, "poa_timeliness")
    if months:
        part.poa_month = months[-1]

        def of_month(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame
            return frame[frame["report_month"].astype(str) == part.poa_month].reset_index(drop=True)

        part.poa_by_criterion = of_month(by_criterion)
        part.poa_overdue = of_month(overdue)
        part.poa_timeliness = of_month(timeliness)
    else:
        part.poa_by_criterion = _empty_like(by_criterion)
        part.poa_overdue = _empty_like(overdue)
        part.poa_timeliness = _empty_like(timeliness)

    coverage = _table(tables, "service_coverage")
    as_of_month = month_of(as_of)
    coverage_months = sorted(
        m for m in set(coverage.get("month", pd.Series(dtype=str)).astype(str)) if m <= as_of_month
    )
    if coverage_months:
        part.coverage_month = coverage_months[-1]
        part.coverage = coverage[coverage["month"].astype(str) == part.coverage_month].reset_index(drop=True)
    else:
        part.coverage = _empty_like(coverage)

    inventory = _table(tables, "source_inventory")
    if not inventory.empty:
        dated = _dates(inventory["data_as_of"]).dt.date <= as_of
        used_4w = inventory["source_file"].isin(
            _service_mapping_files(_table(tables, "service_mapping_conformed"), part.coverage_month)
        )
        inventory = inventory[dated | used_4w].copy()
        inventory = inventory.sort_values(["source_id", "source_file"], kind="mergesort").reset_index(drop=True)
    part.inventory = inventory
    quarantine = _table(tables, "quarantine") if "quarantine" in tables else _table(tables, "quarantine_log")
    if not quarantine.empty and "source_inventory" in tables:
        quarantine = quarantine[quarantine["source_file"].isin(set(inventory.get("source_file", [])))]
    part.quarantine = quarantine.reset_index(drop=True)

    # Metrics of the one as-of slice.
    severity_slice = severity.iloc[0:0] if not part.severity_round else (
        severity[severity["round_id"].astype(str) == part.severity_round].reset_index(drop=True)
    )
    gap_threshold = float((settings.get("service_gaps", {}) or {}).get("gap_threshold", DEFAULT_GAP_THRESHOLD))
    part.service_gaps = service_gaps(severity_slice, part.criteria, part.coverage, gap_threshold)
    prioritisation = settings.get("prioritisation", {}) or {}
    part.area_priority = area_priority(
        severity_slice, part.displacement_by_type, part.criteria, part.coverage, prioritisation.get("weights", {}),
        min_priority_components(settings),
    )
    mapping = _table(tables, "service_mapping_conformed")
    if part.coverage_month and not mapping.empty:
        part.referral_directory = referral_directory(mapping, part.coverage_month)
    else:
        part.referral_directory = pd.DataFrame(
            columns=["area_id", "area_name", "sector_code", "org_acronym", "org_name", "org_type", "activity",
                     "iasc_criterion", "status"]
        )
    return part
