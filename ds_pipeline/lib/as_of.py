"""The as-of rules: which Return Index / DTM round, survey round and 4W month is available on a date, and the dates
on which each becomes available. The metrics of a data slice and the editions both choose their rows by these rules.

- a Return Index or DTM round is available once its reporting date (the latest of its rows) is <= as-of; the latest
  available round is shown, and each DTM population type comes from the latest available round with data on it
  (a partial round may carry IDPs but no returnees yet);
- a survey round is available once its date is <= as-of (`survey_round_dates`; an undated round always is);
- the 4W month shown is the month of the as-of date, or the latest month before it present in the coverage.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ds_pipeline.lib.edition_calendar import month_of, month_start
from ds_pipeline.lib.metrics import natural_key, round_order_key


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.normalize()


def round_dates(frame: pd.DataFrame) -> dict[str, dt.date]:
    """Reporting date of each round of a round table (the latest reporting_date of its rows); rounds without a
    readable date are left out (they never become available)."""
    if frame.empty or "round_id" not in frame.columns:
        return {}
    last_date = _dates(frame["reporting_date"]).groupby(frame["round_id"].astype(str)).max()
    return {r: d.date() for r, d in last_date.items() if not pd.isna(d)}


def eligible_rounds(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    """Rounds whose reporting date is <= as_of, oldest first."""
    rounds = [r for r, d in round_dates(frame).items() if d <= as_of]
    return sorted(rounds, key=round_order_key)


def rounds_by_population_type(displacement: pd.DataFrame, rounds: list[str]) -> dict[str, list[str]]:
    """Per population type (sorted), the rounds of `rounds` with data on it, in the order of `rounds`; population
    types without data in any of them are left out."""
    by_type: dict[str, list[str]] = {}
    if displacement.empty or not rounds:
        return by_type
    for population_type in sorted(set(displacement["population_type"].astype(str))):
        of_type = displacement[displacement["population_type"].astype(str) == population_type]
        with_data = [r for r in rounds if (of_type["round_id"].astype(str) == r).any()]
        if with_data:
            by_type[population_type] = with_data
    return by_type


def survey_round_dates(criteria: pd.DataFrame, inventory: pd.DataFrame) -> dict[str, dt.date | None]:
    """Date of each survey round (in round order): the last interview of its households (`survey_round_end`).

    Rounds without it (tables written before the column existed, or no interview date at all) are dated by the
    source inventory: a household-survey file whose round_id names the round dates that round; other rounds take
    the latest data_as_of of the household-survey files that carry no round_id. Without any household-survey file
    in the inventory such rounds are undated (None: taken as available).
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


def eligible_survey_rounds(dates: dict[str, dt.date | None], as_of: dt.date) -> list[str]:
    """Survey rounds of `survey_round_dates` available on as_of, in round order."""
    return [r for r, d in dates.items() if d is None or d <= as_of]


def coverage_month(coverage: pd.DataFrame, as_of: dt.date) -> str:
    """The 4W month shown on as_of: the latest month of the coverage up to the month of as_of ("" when none)."""
    as_of_month = month_of(as_of)
    months = [m for m in set(coverage.get("month", pd.Series(dtype=str)).astype(str)) if m <= as_of_month]
    return max(months) if months else ""


def rows_of(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """Rows of `frame` whose `column` is `value`, with a fresh index (no rows when value is "")."""
    if not value or frame.empty:
        return frame.iloc[0:0].copy()
    return frame[frame[column].astype(str) == value].reset_index(drop=True)


def availability_dates(
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    survey_dates: dict[str, dt.date | None],
    coverage: pd.DataFrame,
) -> list[dt.date]:
    """Every date on which a round, survey round or 4W month becomes available, and date.min (what is available
    before any of them), sorted: the rows an as-of date chooses are those chosen on the latest of these dates
    on or before it."""
    days = {dt.date.min, *round_dates(severity).values(), *round_dates(displacement).values()}
    days |= {d for d in survey_dates.values() if d is not None and d != dt.date.max}
    months = set(coverage.get("month", pd.Series(dtype=str)).astype(str))
    days |= {month_start(m) for m in months if re.fullmatch(r"\d{4}-\d{2}", m)}
    return sorted(days)
