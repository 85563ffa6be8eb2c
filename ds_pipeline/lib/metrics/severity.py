"""Area severity from the Return Index: returnees in high-severity locations, scores, hotspots, change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib.metrics import (
    ROUND_AREA_COLUMNS,
    area_lookup,
    empty_table,
    expand_to_area_levels,
    finalise,
    safe_divide,
)

SEVERITY_LEVELS: tuple[str, ...] = ("governorate", "district", "subdistrict", "poa_area")
SCORE_COLUMNS: tuple[str, ...] = ("overall_score", "scale1_score", "scale2_score")
# The Return Index's 16 indicators: 0 (condition met) .. 1 (not met) per location.
INDICATOR_COLUMNS: tuple[str, ...] = tuple(f"indicator_{i:02d}" for i in range(1, 17))
MEAN_INDICATOR_COLUMNS: tuple[str, ...] = tuple(f"mean_{indicator}" for indicator in INDICATOR_COLUMNS)

AREA_SEVERITY_COLUMNS: dict[str, str] = {
    **ROUND_AREA_COLUMNS,
    "locations_assessed": "int",
    "returnee_individuals": "int",
    "returnees_low": "int",
    "returnees_medium": "int",
    "returnees_high": "int",
    "returnees_in_high_severity_share": "float",
    "mean_overall_score": "float",
    "mean_scale1_score": "float",
    "mean_scale2_score": "float",
    "severity": "str",
    "scale1_severity": "str",
    "scale2_severity": "str",
    "hotspot": "bool",
    "locations_high": "int",
    **{mean: "float" for mean in MEAN_INDICATOR_COLUMNS},
}
AREA_SEVERITY_KEYS = ("round_id", "area_level", "area_id")


def categorise_severity(scores: pd.Series, medium_from: float, high_from: float) -> pd.Series:
    """Severity category of Return Index scores: "high" from ``high_from``, "medium" from ``medium_from``,
    "low" below; "" where the score is missing. A score equal to a cut-off takes the higher category."""
    if medium_from > high_from:
        raise ValueError(f"medium_from ({medium_from}) must not exceed high_from ({high_from})")
    values = pd.to_numeric(scores, errors="coerce").astype("float64").to_numpy()
    with np.errstate(invalid="ignore"):
        categories = np.select(
            [values >= high_from, values >= medium_from, ~np.isnan(values)], ["high", "medium", "low"], default=""
        )
    return pd.Series(categories, index=scores.index, name=scores.name, dtype=object)


def area_severity(
    return_index: pd.DataFrame, medium_from: float, high_from: float, hotspot_min_returnees: int
) -> pd.DataFrame:
    """Severity of conditions in areas of return per round x area (governorate, district, sub-district, POA area).

    Each location's overall score is categorised with the configured cut-offs (the source's own category is
    not used); its returnees count towards returnees_low / _medium / _high. Mean scores are weighted by the
    location's returnee individuals; the area's categories are those of its mean scores. Hotspot: high on
    either scale, or medium on either scale with at least ``hotspot_min_returnees`` returnees.

    ``mean_indicator_01`` .. ``mean_indicator_16`` are the returnee-weighted means of the 16 indicators (0..1:
    the returnee-weighted share of the condition not being met), over the locations where the indicator is
    known; NaN where no location with returnees has it (or the input has no such column).
    """
    if return_index.empty:
        return empty_table(AREA_SEVERITY_COLUMNS)
    returnees = return_index["returnee_individuals"].astype("int64")
    columns: dict[str, pd.Series | np.ndarray] = {
        "round_id": return_index["round_id"],
        "returnee_individuals": returnees,
        "location_id": return_index["location_id"].where(return_index["overall_score"].notna()),
    }
    category = categorise_severity(return_index["overall_score"], medium_from, high_from)
    for name in ("low", "medium", "high"):
        # a location's returnees count in its own category only: 0 in the others is true
        columns[f"returnees_{name}"] = returnees.where(category == name, 0)
    columns["locations_high"] = (category == "high").astype("int64")
    counts = returnees.to_numpy()
    for score in (*SCORE_COLUMNS, *INDICATOR_COLUMNS):
        if score in return_index.columns:
            values = pd.to_numeric(return_index[score], errors="coerce").astype("float64").to_numpy()
        else:
            values = np.full(len(return_index), np.nan)
        known = ~np.isnan(values)
        # a location without the score weighs 0 in its mean: left out, not counted as a score of 0
        weights = np.where(known, counts, 0)
        columns[f"{score}_weight"] = weights
        columns[f"{score}_weighted"] = np.where(known, values, 0.0) * weights
    for column in (
        "admin1_pcode",
        "admin1_name_en",
        "admin2_pcode",
        "admin2_name_en",
        "admin3_pcode",
        "admin3_name_en",
        "poa_area",
    ):
        if column in return_index.columns:
            columns[column] = return_index[column]
    locations = pd.DataFrame(columns)

    sums = [
        "returnee_individuals",
        "returnees_low",
        "returnees_medium",
        "returnees_high",
        "locations_high",
        *(f"{score}_{part}" for score in (*SCORE_COLUMNS, *INDICATOR_COLUMNS) for part in ("weight", "weighted")),
    ]
    expanded = expand_to_area_levels(locations, SEVERITY_LEVELS, ["round_id", "location_id", *sums])
    keys = ["round_id", "area_level", "area_id"]
    grouped = expanded.groupby(keys, sort=False)
    table = grouped[sums].sum()
    table["locations_assessed"] = grouped["location_id"].nunique()
    table = table.reset_index().merge(area_lookup(expanded), on=["area_level", "area_id"], how="left")

    derived: dict[str, pd.Series] = {
        "reporting_date": table["round_id"].map(return_index.groupby("round_id")["reporting_date"].max()),
        "returnees_in_high_severity_share": safe_divide(table["returnees_high"], table["returnee_individuals"]),
    }
    for score, mean in zip(
        (*SCORE_COLUMNS, *INDICATOR_COLUMNS),
        ("mean_overall_score", "mean_scale1_score", "mean_scale2_score", *MEAN_INDICATOR_COLUMNS),
        strict=True,
    ):
        derived[mean] = safe_divide(table[f"{score}_weighted"], table[f"{score}_weight"])
    for severity, mean in (("severity", "mean_overall_score"), ("scale1_severity", "mean_scale1_score"),
                           ("scale2_severity", "mean_scale2_score")):
        derived[severity] = categorise_severity(derived[mean], medium_from, high_from)
    scales = (derived["scale1_severity"], derived["scale2_severity"])
    high_on_a_scale = (scales[0] == "high") | (scales[1] == "high")
    medium_on_a_scale = (scales[0] == "medium") | (scales[1] == "medium")
    derived["hotspot"] = high_on_a_scale | (
        medium_on_a_scale & (table["returnee_individuals"] >= hotspot_min_returnees)
    )
    table = pd.concat([table, pd.DataFrame(derived, index=table.index)], axis=1)
    return finalise(table, AREA_SEVERITY_COLUMNS, AREA_SEVERITY_KEYS)

