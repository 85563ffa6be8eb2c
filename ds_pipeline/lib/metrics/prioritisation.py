"""Area prioritisation: a ranked, explainable district score from severity, returns, IDPs, gaps and actors.

A component that was not assessed for a district (no Return Index data, no survey data, no 4W covering the
governorate, no DTM round with the population) is missing (NaN), never 0. The priority score is computed over the
assessed components with their weights renormalised to 100, and a district scored on fewer than
``min_components`` components is listed apart, without a rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ds_pipeline.lib.metrics import empty_table, finalise, numeric, require_single_slice

# Components of the priority score, in the order of the output columns, with the dtype of their raw value.
PRIORITY_COMPONENTS: dict[str, str] = {
    "severity": "float",
    "returns": "float",
    "idps_in_camps_and_critical_shelter": "float",
    "criteria_gap": "float",
    "actor_presence": "float",
}
COMPONENT_LABELS: dict[str, str] = {
    "severity": "severity",
    "returns": "returns",
    "idps_in_camps_and_critical_shelter": "IDPs in camps and critical shelter",
    "criteria_gap": "criteria gap",
    "actor_presence": "actor presence",
}
DEFAULT_MIN_COMPONENTS = 3

AREA_PRIORITY_COLUMNS: dict[str, str] = {
    "area_id": "str",
    "area_name": "str",
    "admin1_pcode": "str",
    **{
        f"{component}_{part}": (kind if part == "value" else "float")
        for component, kind in PRIORITY_COMPONENTS.items()
        for part in ("value", "score", "points")
    },
    "components_assessed": "int",
    "components_not_assessed": "str",
    "priority_score": "float",
    "ranked": "bool",
    "rank": "nullable_int",
}
# Priority scores closer than this are ties (broken by area_id), so float rounding cannot reorder areas.
_TIE_DECIMALS = 9


def min_components(settings: dict[str, Any]) -> int:
    """Components an area must be scored on to be ranked (settings: prioritisation.min_components)."""
    return int((settings.get("prioritisation", {}) or {}).get("min_components", DEFAULT_MIN_COMPONENTS))


def priority_weights(settings: dict[str, Any]) -> dict[str, float]:
    """Weights of the priority components (settings: prioritisation.weights)."""
    return (settings.get("prioritisation", {}) or {}).get("weights", {})


def _districts(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or "area_level" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["area_level"] == "district"]


def checked_weights(weights: dict[str, float]) -> dict[str, float]:
    """Every component's weight; a component the settings give no weight is left out of the score (weight 0 by
    the settings' meaning, not a missing value); unknown components, negative weights or none positive raise."""
    unknown = sorted(set(weights) - set(PRIORITY_COMPONENTS))
    if unknown:
        raise ValueError(f"unknown prioritisation components: {', '.join(unknown)}")
    checked = {component: float(weights.get(component, 0.0)) for component in PRIORITY_COMPONENTS}
    if any(w < 0 for w in checked.values()):
        raise ValueError("prioritisation weights must not be negative")
    if sum(checked.values()) <= 0:
        raise ValueError("at least one prioritisation weight must be positive")
    return checked


def _district_individuals(
    displacement: pd.DataFrame, population_type: str, columns: list[str], districts: pd.Index
) -> pd.Series:
    """Sum of ``columns`` over the rows of one population type, per district of ``districts``.

    NaN for every district when the slice holds no row of that population type (no DTM round with it: not
    assessed). Otherwise a district without a row counts 0: the Master List lists every location hosting the
    population in the round, so a district with none of its locations hosts none.
    """
    rows = displacement[displacement["population_type"] == population_type] if not displacement.empty else displacement
    values = None
    if not rows.empty:
        figures = pd.DataFrame({column: pd.to_numeric(rows[column], errors="coerce") for column in columns})
        values = figures.sum(axis=1, min_count=1)
    if values is None or values.isna().all():  # no row, or only individuals-only rows: shelter not reported
        return pd.Series(np.nan, index=districts, dtype="float64")
    totals = values.groupby(rows["area_id"]).sum(min_count=1)  # a district whose rows give no value stays empty
    return totals.reindex(districts, fill_value=0.0).astype("float64")  # zero is true: see the docstring


def _actor_presence(coverage: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Organisations active in the 4W month per district.

    NaN where the 4W says nothing about the district: no 4W month at all, or no activity reported anywhere in the
    district's governorate (a 4W that reports nothing in a whole governorate is taken not to cover it). A district
    of a governorate the 4W covers with no activity of its own has 0 organisations.
    """
    if coverage.empty:
        return pd.Series(np.nan, index=table.index, dtype="float64")
    active_orgs = numeric(coverage, "active_orgs")
    orgs = active_orgs.groupby(coverage["area_id"]).sum()
    covered = set(coverage.loc[active_orgs > 0, "admin1_pcode"].astype(str))
    counts = orgs.reindex(table.index).astype("float64")
    in_covered_governorate = table["admin1_pcode"].astype(str).isin(covered)
    # a district without rows in a governorate the 4W covers: nobody reported an activity there, a true 0
    return counts.fillna(0.0).where(in_covered_governorate, np.nan)  # outside a covered governorate: not assessed


def _severity_index(severity: pd.DataFrame, districts: pd.Index) -> pd.Series:
    """Severity index per district of ``districts``: the mean of the returnee share in high-severity locations and
    the mean overall score (0..100) over 100; NaN without Return Index data."""
    if severity.empty:
        return pd.Series(np.nan, index=districts, dtype="float64")
    severity_index = (
        numeric(severity, "returnees_in_high_severity_share") + numeric(severity, "mean_overall_score") / 100.0
    ) / 2.0
    return pd.Series(severity_index.to_numpy(), index=severity["area_id"]).reindex(districts)


def _criteria_gap(criteria: pd.DataFrame, districts: pd.Index) -> pd.Series:
    """The worst (lowest) household-weighted mean gap over the criteria and displaced groups of each district of
    ``districts``, over the assessed rows; NaN where none is assessed."""
    assessed = criteria[criteria["assessed"].astype(bool)] if not criteria.empty else criteria
    if assessed.empty:
        return pd.Series(np.nan, index=districts, dtype="float64")
    gap = numeric(assessed, "gap")
    # a group without a gap weighs nothing in its criterion's mean (it is left out, not counted as no gap)
    households = numeric(assessed, "weighted_households").where(gap.notna(), 0.0)
    by_criterion = [assessed["area_id"], assessed["criterion"]]
    # a missing gap has weight 0 (above), so it adds nothing to the sum: the fill never stands for a gap of 0
    weighted_gap = (gap.fillna(0.0) * households).groupby(by_criterion).sum()
    weight = households.groupby(by_criterion).sum()
    mean_gap = (weighted_gap / weight.where(weight > 0)).dropna()
    return mean_gap.groupby(level=0).min().reindex(districts)


def _scale_need(values: pd.Series) -> pd.Series:
    """Raw need values scaled to 0..1 across the assessed areas: value / largest value.

    Negative values count as 0 need (a displaced group better off than non-displaced residents has no gap to
    close); missing values stay NaN; when the largest value is 0 every assessed area scores 0.
    """
    raw = values.to_numpy(dtype="float64")
    missing = np.isnan(raw)
    need = np.where(missing | (raw >= 0.0), raw, 0.0)
    largest = _largest(need, missing)
    if not np.isfinite(largest) or largest == 0:
        return pd.Series(np.where(missing, need, 0.0), index=values.index)
    return pd.Series(need / largest, index=values.index)


def _largest(values: np.ndarray, missing: np.ndarray) -> float:
    """The largest of the values not missing (NaN when all are missing)."""
    return float(values[~missing].max()) if not missing.all() else np.nan


def _scale_presence(organisations: pd.Series) -> pd.Series:
    """Actor presence scaled to 0..1, fewer organisations scoring higher: 1 - orgs / most orgs.

    Missing counts stay NaN; when no assessed district has an organisation, every assessed district scores 1.
    """
    orgs = organisations.to_numpy(dtype="float64")
    missing = np.isnan(orgs)
    most = _largest(orgs, missing)
    if not np.isfinite(most) or most == 0:
        return pd.Series(np.where(missing, orgs, 1.0), index=organisations.index)
    return pd.Series(1.0 - orgs / most, index=organisations.index)


def _require_one_round_per_population(displacement: pd.DataFrame) -> None:
    if displacement.empty or "population_type" not in displacement.columns:
        return
    if "round_id" not in displacement.columns:
        return
    rounds = displacement.groupby("population_type")["round_id"].nunique()
    for population_type in rounds.index[rounds.to_numpy() > 1]:
        rows = displacement[displacement["population_type"] == population_type]
        require_single_slice(rows, "round_id", f"displacement ({population_type})")


def area_priority(
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    weights: dict[str, float],
    min_components: int = DEFAULT_MIN_COMPONENTS,
) -> pd.DataFrame:
    """Districts with each component's raw value, 0..1 score and weighted points, ranked by priority score.

    Inputs are one as-of slice each at district level (area_severity of one round, displacement_by_area with one
    round per population type, criteria_progress of one survey round, service_coverage of one month). Candidate
    areas are the districts in the severity, displacement or criteria slice. Points of the assessed components of a
    district add up to its priority score (0..100): each assessed component weighs its weight divided by the sum of
    the weights of the district's assessed components. Districts assessed on fewer than ``min_components``
    components with a positive weight have ``ranked`` False and no rank; they are listed after the ranked ones.
    """
    require_single_slice(severity, "round_id", "severity")
    _require_one_round_per_population(displacement)
    require_single_slice(criteria, "survey_round", "criteria")
    require_single_slice(coverage, "month", "coverage")
    checked = checked_weights(weights)
    severity, displacement = _districts(severity), _districts(displacement)
    criteria, coverage = _districts(criteria), _districts(coverage)

    named = [
        frame[["area_id", "area_name", "admin1_pcode"]]
        for frame in (severity, displacement, criteria)
        if not frame.empty
    ]
    if not named:
        return empty_table(AREA_PRIORITY_COLUMNS)
    names = pd.concat(named, ignore_index=True)
    table = names.drop_duplicates("area_id", keep="first").set_index("area_id")
    districts = table.index

    values = pd.DataFrame(
        {
            "severity_value": _severity_index(severity, districts),
            "returns_value": _district_individuals(displacement, "returnee", ["individuals"], districts),
            "idps_in_camps_and_critical_shelter_value": _district_individuals(
                displacement, "idp", ["individuals_in_camp", "individuals_in_critical_shelter"], districts
            ),
            "criteria_gap_value": _criteria_gap(criteria, districts),
            "actor_presence_value": _actor_presence(coverage, table),
        },
        index=districts,
    )
    scores = pd.DataFrame(
        {
            "severity_score": _scale_need(values["severity_value"]),
            "returns_score": _scale_need(values["returns_value"]),
            "idps_in_camps_and_critical_shelter_score": _scale_need(
                values["idps_in_camps_and_critical_shelter_value"]
            ),
            "criteria_gap_score": _scale_need(-values["criteria_gap_value"]),
            "actor_presence_score": _scale_presence(values["actor_presence_value"]),
        },
        index=districts,
    )

    weighted = [component for component, weight in checked.items() if weight > 0]
    assessed_mask = scores.notna()
    weight_row = pd.Series([checked[c] for c in PRIORITY_COMPONENTS], index=scores.columns)
    assessed_weight = (assessed_mask * weight_row).sum(axis=1)
    weight_assessed = assessed_weight.where(assessed_weight > 0).to_numpy()
    points = pd.DataFrame(
        {
            # NaN where not assessed
            f"{component}_points": 100.0 * (weight / weight_assessed) * scores[f"{component}_score"].to_numpy()
            for component, weight in checked.items()
        },
        index=districts,
    )
    weighted_assessed = assessed_mask[[f"{c}_score" for c in weighted]]
    table = pd.concat([table, values, scores, points], axis=1)
    table["components_assessed"] = weighted_assessed.sum(axis=1).astype("int64")
    table["components_not_assessed"] = [
        "; ".join(COMPONENT_LABELS[c] for c, assessed in zip(weighted, row, strict=True) if not assessed)
        for row in weighted_assessed.to_numpy(dtype=bool)
    ]
    table["ranked"] = table["components_assessed"] >= min(min_components, len(weighted))
    table["priority_score"] = points.sum(axis=1, min_count=1)

    table = table.reset_index()
    table["_unranked"] = ~table["ranked"]
    table["_tie"] = (-table["priority_score"].round(_TIE_DECIMALS)).fillna(np.inf)
    table = table.sort_values(["_unranked", "_tie", "area_id"], kind="mergesort").reset_index(drop=True)
    ranks = np.arange(1, len(table) + 1, dtype="float64")
    table["rank"] = pd.Series(ranks).where(table["ranked"].to_numpy(), np.nan)
    return finalise(table, AREA_PRIORITY_COLUMNS, [])
