"""Progress on the IASC durable-solutions criteria: gaps of displaced groups to the non-displaced benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib.canonical import IASC_CRITERIA
from ds_pipeline.lib.metrics import (
    AREA_KEY_COLUMNS,
    area_lookup,
    criterion_names,
    empty_table,
    expand_to_area_levels,
    finalise,
    safe_divide,
    sort_rows,
)

CRITERIA_LEVELS: tuple[str, ...] = ("district", "poa_area")
DISPLACED_GROUPS: tuple[str, ...] = ("idp_in_camp", "idp_out_of_camp", "returnee")
BENCHMARK_GROUP = "non_displaced"
IRIS_CRITERIA: tuple[int, ...] = (1, 2, 3, 4, 5)  # EGRISS IRIS: safety, living standard, livelihoods, HLP, docs
# A household score within this distance below the benchmark counts as at the benchmark (float rounding).
AT_BENCHMARK_TOLERANCE = 1e-9

# The leading columns of the survey tables: survey round, area and displaced group.
SURVEY_AREA_COLUMNS: dict[str, str] = {
    "survey_round": "str",
    **{column: "str" for column in AREA_KEY_COLUMNS},
    "population_group": "str",
}
CRITERIA_PROGRESS_COLUMNS: dict[str, str] = {
    **SURVEY_AREA_COLUMNS,
    "criterion": "int",
    "criterion_name": "str",
    "assessed": "bool",
    "indicators_assessed": "int",
    "value": "float",
    "benchmark": "float",
    "gap": "float",
    "households": "int",
    "weighted_households": "float",
    "share_at_or_above_benchmark": "float",
    "gap_change_since_previous": "float",
    "survey_round_end": "date",
    "benchmark_households": "int",
}
CRITERIA_PROGRESS_KEYS = ("survey_round", "area_level", "area_id", "population_group", "criterion")

IRIS_COMPOSITE_COLUMNS: dict[str, str] = {
    **SURVEY_AREA_COLUMNS,
    "criteria_assessed": "int",
    "households": "int",
    "weighted_households": "float",
    "share_overcome_vulnerabilities": "float",
    "survey_round_end": "date",
}
IRIS_COMPOSITE_KEYS = ("survey_round", "area_level", "area_id", "population_group")

_AREA = ["survey_round", "area_level", "area_id"]


def indicators_by_criterion(indicators: dict[str, int]) -> dict[int, list[str]]:
    """Indicator columns of each criterion 1..8 (sorted by name; an empty list when none is configured)."""
    by_criterion: dict[int, list[str]] = {criterion: [] for criterion in IASC_CRITERIA}
    for column, criterion in sorted(indicators.items()):
        if int(criterion) not in by_criterion:
            raise ValueError(f"indicator {column!r}: criterion {criterion} is not an IASC criterion (1..8)")
        by_criterion[int(criterion)].append(column)
    return by_criterion


def scored_households(survey: pd.DataFrame, indicators: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Criterion scores of displaced households next to the benchmark of their area, per area level.

    Returns (households, areas): households has one row per area level x displaced household with
    ``score_<c>``, ``benchmark_<c>``, ``benchmark_households_<c>`` and ``indicators_assessed_<c>`` for each
    criterion c; areas gives the
    area names. Only indicators with data for both the household's group and the non-displaced of the same
    survey round and area enter the scores of that comparison, so value and benchmark measure the same thing.
    """
    by_criterion = indicators_by_criterion(indicators)
    columns = sorted(indicators)
    frame = pd.DataFrame(
        {
            "survey_round": survey["survey_round"].fillna("").astype(str),
            "population_group": survey["population_group"].fillna("").astype(str),
            "weight": survey["weight"].astype("float64"),
        },
        index=survey.index,
    )
    for column in ("admin1_pcode", "admin2_pcode", "admin2_name_en", "poa_area"):
        if column in survey.columns:
            frame[column] = survey[column]
    for column in columns:
        frame[column] = survey[column].astype("float64") if column in survey.columns else np.nan
    expanded = expand_to_area_levels(frame, CRITERIA_LEVELS, ["survey_round", "population_group", "weight", *columns])
    areas = area_lookup(expanded)

    answered = expanded[columns].notna()
    answered[_AREA + ["population_group"]] = expanded[_AREA + ["population_group"]]
    availability = answered.groupby(_AREA + ["population_group"], sort=True)[columns].any().reset_index()
    benchmark_availability = (
        availability[availability["population_group"] == BENCHMARK_GROUP].drop(columns="population_group")
    ).set_index(_AREA)
    benchmark_rows = expanded[expanded["population_group"] == BENCHMARK_GROUP]

    parts = []
    for group in DISPLACED_GROUPS:
        group_rows = expanded[expanded["population_group"] == group]
        if group_rows.empty:
            continue
        group_availability = (
            availability[availability["population_group"] == group].drop(columns="population_group")
        ).set_index(_AREA)
        both = group_availability & benchmark_availability.reindex(group_availability.index, fill_value=False)
        scored = _criterion_scores(group_rows, both, by_criterion)
        benchmark = _criterion_scores(benchmark_rows, both, by_criterion)
        scored = scored.join(_benchmarks(benchmark, by_criterion), on=_AREA)
        parts.append(scored)
    if not parts:
        return pd.DataFrame(), areas
    return pd.concat(parts, ignore_index=True), areas


def _survey_round_ends(survey: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """Last interview_date of each survey round, over all households of the round (NaT when none is dated)."""
    rounds = survey["survey_round"].fillna("").astype(str)
    if "interview_date" not in survey.columns:
        return {r: pd.NaT for r in rounds.unique()}
    dates = pd.to_datetime(survey["interview_date"], errors="coerce")
    return {str(r): d for r, d in dates.groupby(rounds, sort=True).max().items()}


def _criterion_scores(rows: pd.DataFrame, both: pd.DataFrame, by_criterion: dict[int, list[str]]) -> pd.DataFrame:
    """score_<c> (mean of the household's answered comparable indicators) and indicators_assessed_<c>."""
    out = rows[[*_AREA, "area_name", "admin1_pcode", "population_group", "weight"]].reset_index(drop=True)
    # the row of `both` of each household's area; -1 (none) takes an added row where nothing is comparable
    positions = both.index.get_indexer(pd.MultiIndex.from_frame(rows[_AREA]))
    indicators = [column for columns in by_criterion.values() for column in columns]
    flags = both[indicators].to_numpy(dtype=bool)
    flags = np.vstack([flags, np.zeros((1, len(indicators)), dtype=bool)])[positions]
    answers = rows[indicators].to_numpy(dtype="float64")
    scores: dict[str, np.ndarray] = {}
    first = 0
    for criterion, columns in by_criterion.items():
        if not columns:
            scores[f"score_{criterion}"] = np.full(len(out), np.nan)
            scores[f"indicators_assessed_{criterion}"] = np.zeros(len(out), dtype="int64")
            continue
        of_criterion = slice(first, first + len(columns))
        first += len(columns)
        comparable = flags[:, of_criterion]
        values = np.where(comparable, answers[:, of_criterion], np.nan)
        answered = (~np.isnan(values)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(answered > 0, np.nansum(values, axis=1) / answered, np.nan)
        scores[f"score_{criterion}"] = score
        scores[f"indicators_assessed_{criterion}"] = comparable.sum(axis=1).astype("int64")
    return pd.concat([out, pd.DataFrame(scores, index=out.index)], axis=1)


def _benchmarks(benchmark_scores: pd.DataFrame, by_criterion: dict[int, list[str]]) -> pd.DataFrame:
    """benchmark_<c>: weighted mean criterion score of the non-displaced households of each area;
    benchmark_households_<c>: how many of them have a score (unweighted)."""
    sums: dict[str, pd.Series | np.ndarray] = {column: benchmark_scores[column] for column in _AREA}
    weights = benchmark_scores["weight"].to_numpy(dtype="float64")
    for criterion in by_criterion:
        score = benchmark_scores[f"score_{criterion}"].to_numpy(dtype="float64")
        has_score = ~np.isnan(score)
        weight = np.where(has_score, weights, 0.0)
        # a household without a score has zero weight: it is left out of the mean, not counted as 0
        sums[f"weighted_{criterion}"] = np.where(has_score, score, 0.0) * weight
        sums[f"weight_{criterion}"] = weight
        sums[f"count_{criterion}"] = has_score.astype("int64")
    totals = pd.DataFrame(sums).groupby(_AREA, sort=True).sum()
    result: dict[str, np.ndarray] = {}
    for criterion in by_criterion:
        result[f"benchmark_{criterion}"] = safe_divide(
            totals[f"weighted_{criterion}"], totals[f"weight_{criterion}"]
        ).to_numpy()
        result[f"benchmark_households_{criterion}"] = totals[f"count_{criterion}"].to_numpy()
    return pd.DataFrame(result, index=totals.index)


def _at_or_above(score: pd.Series, benchmark: pd.Series) -> pd.Series:
    """True where a household's score is at or above the benchmark (False where either is missing).

    The False only reaches households without a score, which weigh 0, and areas without a benchmark, whose
    criterion is not assessed (NaN share): it never counts a household as below the benchmark."""
    return (score >= benchmark - AT_BENCHMARK_TOLERANCE).fillna(False).astype(bool)


def criteria_progress(survey: pd.DataFrame, indicators: dict[str, int],
                      scored: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per survey round x area (district, POA area) x displaced group x criterion 1..8: value, benchmark, gap.

    Household criterion score = mean of its answered indicators of the criterion (1 = condition met), over
    the indicators with data for both the group and the non-displaced of the area. value = weighted mean
    over the group's households; benchmark = weighted mean over the area's non-displaced households;
    gap = value - benchmark; share_at_or_above_benchmark = weighted share of the group's households whose
    score is at or above the benchmark. households / weighted_households count the group's households with
    a score; benchmark_households counts the area's non-displaced households with a score (unweighted). A
    criterion without a comparable indicator has assessed=False and NaN figures. survey_round_end is the last
    interview_date of the round over all its households (what dates the round in an edition). `scored` is
    `scored_households` of the same survey and indicators when the caller has it already.
    """
    households, areas = scored if scored is not None else scored_households(survey, indicators)
    if households.empty:
        return empty_table(CRITERIA_PROGRESS_COLUMNS)
    keys = [*_AREA, "population_group"]
    parts = []
    for criterion in IASC_CRITERIA:
        score = households[f"score_{criterion}"]
        benchmark = households[f"benchmark_{criterion}"]
        has_score = score.notna()
        weight = households["weight"].where(has_score, 0.0)
        lines = households[keys].copy()
        lines["indicators_assessed"] = households[f"indicators_assessed_{criterion}"]
        lines["benchmark"] = benchmark
        # an area without a non-displaced household with a score has a benchmark from 0 households: a true count
        lines["benchmark_households"] = households[f"benchmark_households_{criterion}"].fillna(0)
        lines["households"] = has_score.astype("int64")
        lines["weighted_households"] = weight
        lines["weighted_score"] = score.fillna(0.0) * weight  # zero weight where there is no score
        lines["weighted_at_or_above"] = weight.where(_at_or_above(score, benchmark), 0.0)
        grouped = lines.groupby(keys, sort=False)
        table = grouped[["households", "weighted_households", "weighted_score", "weighted_at_or_above"]].sum()
        table["indicators_assessed"] = grouped["indicators_assessed"].max()
        table["benchmark"] = grouped["benchmark"].max()
        table["benchmark_households"] = grouped["benchmark_households"].max()
        table = table.reset_index()
        table["criterion"] = criterion
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)
    table["assessed"] = table["indicators_assessed"] > 0
    table["value"] = safe_divide(table["weighted_score"], table["weighted_households"])
    table["benchmark"] = table["benchmark"].where(table["assessed"])
    table["value"] = table["value"].where(table["assessed"])
    table["gap"] = table["value"] - table["benchmark"]
    table["share_at_or_above_benchmark"] = safe_divide(
        table["weighted_at_or_above"], table["weighted_households"]
    ).where(table["assessed"])
    table["criterion_name"] = criterion_names(table["criterion"])

    table = sort_rows(table, ["area_level", "area_id", "population_group", "criterion", "survey_round"])
    previous_gap = table.groupby(["area_level", "area_id", "population_group", "criterion"], sort=False)["gap"].shift(1)
    table["gap_change_since_previous"] = table["gap"] - previous_gap
    table = table.merge(areas, on=["area_level", "area_id"], how="left")
    table["survey_round_end"] = table["survey_round"].map(_survey_round_ends(survey))
    return finalise(table, CRITERIA_PROGRESS_COLUMNS, CRITERIA_PROGRESS_KEYS)


def iris_composite(survey: pd.DataFrame, indicators: dict[str, int],
                   scored: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """EGRISS IRIS criterion-level composite per survey round x area (district, POA area) x displaced group.

    A displaced household has overcome its displacement-related vulnerabilities when its score is at or
    above the non-displaced benchmark of its area on every assessed criterion among criteria 1-5.
    share_overcome_vulnerabilities is the weighted share of the group's households with a score on every
    assessed criterion (households / weighted_households); NaN when no criterion 1-5 is assessed.
    survey_round_end is the last interview_date of the round over all its households. `scored` as in
    `criteria_progress`.
    """
    households, areas = scored if scored is not None else scored_households(survey, indicators)
    if households.empty:
        return empty_table(IRIS_COMPOSITE_COLUMNS)
    assessed_count = np.zeros(len(households), dtype="int64")
    complete = np.ones(len(households), dtype=bool)
    overcome = np.ones(len(households), dtype=bool)
    for criterion in IRIS_CRITERIA:
        assessed = households[f"indicators_assessed_{criterion}"].to_numpy() > 0
        score = households[f"score_{criterion}"]
        assessed_count += assessed
        complete &= ~assessed | score.notna().to_numpy()
        overcome &= ~assessed | _at_or_above(score, households[f"benchmark_{criterion}"]).to_numpy()
    counted = complete & (assessed_count > 0)
    keys = [*_AREA, "population_group"]
    lines = households[keys].copy()
    lines["criteria_assessed"] = assessed_count
    lines["households"] = counted.astype("int64")
    lines["weighted_households"] = households["weight"].where(counted, 0.0)
    lines["weighted_overcome"] = households["weight"].where(counted & overcome, 0.0)
    grouped = lines.groupby(keys, sort=False)
    table = grouped[["households", "weighted_households", "weighted_overcome"]].sum()
    table["criteria_assessed"] = grouped["criteria_assessed"].max()
    table = table.reset_index()
    table["share_overcome_vulnerabilities"] = safe_divide(table["weighted_overcome"], table["weighted_households"])
    table = table.merge(areas, on=["area_level", "area_id"], how="left")
    table["survey_round_end"] = table["survey_round"].map(_survey_round_ends(survey))
    return finalise(table, IRIS_COMPOSITE_COLUMNS, IRIS_COMPOSITE_KEYS)
