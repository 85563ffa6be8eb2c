"""The as-of slice of an edition: which rounds, months and source files of the warehouse tables an edition may use.

Only data dated on or before the as-of date is used (DESIGN.md §3, team contract "Edition"):
- Return Index and DTM rounds, survey rounds and the 4W month as the as-of rules of `ds_pipeline.lib.as_of` choose
  them (the latest available round is shown; the round before it gives the change since the previous round);
- POA report months whose last day is <= as-of (the latest month is shown);
- source files whose data_as_of is <= as-of (and the 4W files with activities in the 4W month, whose data_as_of
  is the end of their period), and the quarantined rows of those files.

"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ds_pipeline.lib.as_of import (
    coverage_month,
    eligible_rounds,
    eligible_survey_rounds,
    rounds_by_population_type,
    rows_of,
    survey_round_dates,
)
from ds_pipeline.lib.edition_calendar import month_end, month_start
from ds_pipeline.lib.metrics.data_slices import (
    SLICE_METRICS,
    DataSlice,
    metrics_of_slice,
    stored_slice_metrics,
)
from ds_pipeline.lib.metrics.prioritisation import min_components
from ds_pipeline.lib.metrics.severity import MEAN_INDICATOR_COLUMNS
from ds_pipeline.lib.products.edition import CRITERIA_KEYS, AsOfSlice
from ds_pipeline.lib.products.formatting import dates as _dates


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    return frame.copy() if frame is not None else pd.DataFrame()


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
    return min_components(settings)


def select_slice(tables: dict[str, pd.DataFrame], as_of: dt.date, settings: dict[str, Any]) -> AsOfSlice:
    """Rows of every warehouse table available on `as_of`, and the service gaps, area priority and referral
    directory of that data slice: the rows of the slice in the stored tables service_gaps, area_priority and
    referral_directory when `tables` holds them with data_slices, else computed from the slice."""
    part = AsOfSlice(as_of=as_of)

    severity = _table(tables, "area_severity")
    rounds = eligible_rounds(severity, as_of)
    if rounds:
        part.severity, _previous_round = _with_previous_round(
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
    rounds = eligible_rounds(displacement, as_of)
    if rounds:
        # each population type from the latest eligible round with data on it (a partial release may carry
        # IDPs but no returnees yet), its change measured against the latest earlier round with data on it
        part.displacement_round = rounds[-1]
        typed, current_rows = [], []
        for population_type, with_data in rounds_by_population_type(displacement, rounds).items():
            of_type = displacement[displacement["population_type"].astype(str) == population_type]
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
    survey_dates = survey_round_dates(criteria, _table(tables, "source_inventory"))
    survey_rounds = eligible_survey_rounds(survey_dates, as_of)
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
    part.coverage_month = coverage_month(coverage, as_of)
    part.coverage = rows_of(coverage, "month", part.coverage_month)

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

    # Metrics of the one as-of slice: its rows of the stored slice metrics, else computed from its rows.
    data_slice = DataSlice(
        severity_round=part.severity_round,
        displacement_rounds=tuple(sorted(part.displacement_rounds_by_type.items())),
        survey_round=part.survey_round,
        coverage_month=part.coverage_month,
    )
    if all(name in tables for name in ("data_slices", *SLICE_METRICS)):
        metrics = stored_slice_metrics(tables, data_slice)
    else:
        metrics = metrics_of_slice(
            data_slice, severity, displacement, criteria, coverage, _table(tables, "service_mapping_conformed"),
            settings,
        )
    part.service_gaps = metrics["service_gaps"]
    part.area_priority = metrics["area_priority"]
    part.referral_directory = metrics["referral_directory"]
    return part
