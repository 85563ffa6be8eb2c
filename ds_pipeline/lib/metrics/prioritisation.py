"""Area prioritisation: a ranked, explainable district score from severity, returns, IDPs, gaps and actors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib.metrics import empty_table, finalise, numeric, require_single_slice

# Components of the priority score, in the order of the output columns, with the dtype of their raw value.
PRIORITY_COMPONENTS: dict[str, str] = {
    "severity": "float",
    "returns": "int",
    "idps_in_camps_and_critical_shelter": "int",
    "criteria_gap": "float",
    "actor_presence": "int",
}

AREA_PRIORITY_COLUMNS: dict[str, str] = {
    "area_id": "str",
    "area_name": "str",
    "admin1_pcode": "str",
    **{
        f"{component}_{part}": (kind if part == "value" else "float")
        for component, kind in PRIORITY_COMPONENTS.items()
        for part in ("value", "score", "points")
    },
    "priority_score": "float",
    "rank": "int",
}
# Priority scores closer than this are ties (broken by area_id), so float rounding cannot reorder areas.
_TIE_DECIMALS = 9


def _districts(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or "area_level" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["area_level"] == "district"]


def _checked_weights(weights: dict[str, float]) -> dict[str, float]:
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
    """Sum of ``columns`` over the rows of one population type, per district of ``districts`` (0 if none)."""
    if displacement.empty:
        return pd.Series(0, index=districts, dtype="int64")
    rows = displacement[displacement["population_type"] == population_type]
    totals = rows[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1).groupby(rows["area_id"]).sum()
    return totals.reindex(districts, fill_value=0).astype("int64")


def _scale_need(values: pd.Series) -> pd.Series:
    """Raw need values scaled to 0..1 across the candidate areas: value / largest value.

    Negative values count as 0; missing values stay NaN; when the largest value is 0 every area scores 0.
    """
    need = values.astype("float64").clip(lower=0.0)
    largest = need.max()
    if not np.isfinite(largest) or largest == 0:
        return need.where(need.isna(), 0.0)
    return need / largest


def _scale_presence(organisations: pd.Series) -> pd.Series:
    """Actor presence scaled to 0..1, fewer organisations scoring higher: 1 - orgs / most orgs (1 when none)."""
    orgs = organisations.astype("float64")
    most = orgs.max()
    if not np.isfinite(most) or most == 0:
        return pd.Series(1.0, index=orgs.index)
    return 1.0 - orgs / most


def area_priority(
    severity: pd.DataFrame,
    displacement: pd.DataFrame,
    criteria: pd.DataFrame,
    coverage: pd.DataFrame,
    weights: dict[str, float],
) -> pd.DataFrame:
    """Ranked districts with each component's raw value, 0..1 score and weighted points (sum = 0..100).

    Inputs are one as-of slice each at district level (area_severity of one round, displacement_by_area of
    one round, criteria_progress of one survey round, service_coverage of one month). Candidate areas are
    the districts in the severity, displacement or criteria slice.
    """
    require_single_slice(severity, "round_id", "severity")
    require_single_slice(displacement, "round_id", "displacement")
    require_single_slice(criteria, "survey_round", "criteria")
    require_single_slice(coverage, "month", "coverage")
    checked = _checked_weights(weights)
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

    if not severity.empty:
        severity_index = (
            numeric(severity, "returnees_in_high_severity_share") + numeric(severity, "mean_overall_score") / 100.0
        ) / 2.0
        table["severity_value"] = pd.Series(severity_index.to_numpy(), index=severity["area_id"])
    else:
        table["severity_value"] = np.nan

    table["returns_value"] = _district_individuals(displacement, "returnee", ["individuals"], table.index)
    table["idps_in_camps_and_critical_shelter_value"] = _district_individuals(
        displacement, "idp", ["individuals_in_camp", "individuals_in_critical_shelter"], table.index
    )

    assessed = criteria[criteria["assessed"].astype(bool)] if not criteria.empty else criteria
    if not assessed.empty:
        gap = numeric(assessed, "gap")
        households = numeric(assessed, "weighted_households").where(gap.notna(), 0.0)
        by_criterion = [assessed["area_id"], assessed["criterion"]]
        weighted_gap = (gap.fillna(0.0) * households).groupby(by_criterion).sum()
        weight = households.groupby(by_criterion).sum()
        mean_gap = (weighted_gap / weight.where(weight > 0)).dropna()
        table["criteria_gap_value"] = mean_gap.groupby(level=0).min().reindex(table.index)
    else:
        table["criteria_gap_value"] = np.nan

    if not coverage.empty:
        table["actor_presence_value"] = (
            numeric(coverage, "active_orgs").groupby(coverage["area_id"]).sum().reindex(table.index).fillna(0)
        )
    else:
        table["actor_presence_value"] = 0

    table["severity_score"] = _scale_need(table["severity_value"])
    table["returns_score"] = _scale_need(table["returns_value"])
    table["idps_in_camps_and_critical_shelter_score"] = _scale_need(table["idps_in_camps_and_critical_shelter_value"])
    table["criteria_gap_score"] = _scale_need(-table["criteria_gap_value"])
    table["actor_presence_score"] = _scale_presence(table["actor_presence_value"])

    total_weight = sum(checked.values())
    points = []
    for component, weight in checked.items():
        column = f"{component}_points"
        table[column] = (100.0 * weight / total_weight * table[f"{component}_score"]).fillna(0.0)
        points.append(column)
    table["priority_score"] = table[points].sum(axis=1)

    table = table.reset_index()
    table["_tie"] = -table["priority_score"].round(_TIE_DECIMALS)
    table = table.sort_values(["_tie", "area_id"], kind="mergesort").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return finalise(table, AREA_PRIORITY_COLUMNS, ["rank"])
