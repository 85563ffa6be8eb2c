"""Displacement figures by area: IDP and returnee families, individuals and shelter per DTM round."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib.displacement_rows import LEVEL_RANK
from ds_pipeline.lib.metrics import (
    ROUND_AREA_COLUMNS,
    area_lookup,
    empty_table,
    expand_to_area_levels,
    finalise,
    text_columns,
)

DISPLACEMENT_LEVELS: tuple[str, ...] = ("governorate", "district", "poa_area")

FAMILY_COLUMNS: tuple[str, ...] = (
    "families",
    "individuals",
    "families_in_camp",
    "families_in_critical_shelter",
    "families_in_private",
    "families_in_unknown_shelter",
)

DISPLACEMENT_BY_AREA_COLUMNS: dict[str, str] = {
    **ROUND_AREA_COLUMNS,
    "population_type": "str",
    "locations": "int",  # distinct places reporting: DTM location ids, or admin units for admin-level data
    "families": "nullable_int",  # empty where a source gives individuals only
    "individuals": "int",
    "families_in_camp": "nullable_int",
    "families_in_critical_shelter": "nullable_int",
    "families_in_private": "nullable_int",
    "families_in_unknown_shelter": "nullable_int",
    "individuals_in_camp": "nullable_int",
    "individuals_in_critical_shelter": "nullable_int",
    "individuals_in_private": "nullable_int",
    "individuals_in_unknown_shelter": "nullable_int",
}
DISPLACEMENT_BY_AREA_KEYS = ("round_id", "area_level", "area_id", "population_type")

# Rank of each area level of the table on the admin-level scale (location 0 .. governorate 3).
_AREA_RANK = {"governorate": LEVEL_RANK["governorate"], "district": LEVEL_RANK["district"]}
# Admin columns finer than each level: a row feeds the POA area level only if these are empty, so that its POA
# area was found at its own level or above (a district row never counts in an area made of sub-districts).
_FINER_COLUMNS = {
    "location": (), "subdistrict": (), "district": ("admin3_pcode",), "governorate": ("admin2_pcode", "admin3_pcode")
}


def _with_levels(displacement: pd.DataFrame) -> pd.DataFrame:
    """The rows with their admin level's rank, the place they report on and whether they may feed POA areas."""
    frame = displacement.copy()
    unit_of_level = {"subdistrict": "admin3_pcode", "district": "admin2_pcode", "governorate": "admin1_pcode"}
    finer = [column for columns in _FINER_COLUMNS.values() for column in columns]
    texts = text_columns(frame, ["admin_level", "location_id", "source_id", *unit_of_level.values(), *finer])
    levels = pd.Series(texts["admin_level"], index=frame.index).replace("", "location")
    frame["_rank"] = levels.map(LEVEL_RANK).astype("int64")
    place = "location:" + pd.Series(texts["location_id"], index=frame.index)
    for level, column in unit_of_level.items():
        place = place.where(levels != level, level + ":" + pd.Series(texts[column], index=frame.index))
    frame["_place"] = place
    frame["_source"] = pd.Series(texts["source_id"], index=frame.index)
    poa_ok = pd.Series(True, index=frame.index)
    for level, columns in _FINER_COLUMNS.items():
        for column in columns:
            poa_ok &= ~((levels == level) & (texts[column] != ""))
    frame["_poa_ok"] = poa_ok
    for column in FAMILY_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _rows_used_at_each_level(expanded: pd.DataFrame) -> pd.DataFrame:
    """Rows that feed each area: never below their own level, and per source, round and area only those of the
    coarsest level present (a source giving a governorate's own total and its districts is not counted twice)."""
    area_rank = expanded["area_level"].map(_AREA_RANK)
    eligible = np.where(expanded["area_level"] == "poa_area", expanded["_poa_ok"], expanded["_rank"] <= area_rank)
    used = expanded[eligible].copy()
    group = ["_source", "round_id", "population_type", "area_level", "area_id"]
    coarsest = used.groupby(group, sort=False)["_rank"].transform("max")
    return used[used["_rank"] == coarsest]


def displacement_by_area(
    displacement: pd.DataFrame, camp_household_size: int = 5, household_size: int = 6
) -> pd.DataFrame:
    """IDP and returnee figures per round x area (governorate, district, POA area) x population type.

    Families are summed over the DTM locations of the area; ``individuals`` is the sum of the DTM's own
    estimate; individuals per shelter type are recomputed from families (camp families x
    ``camp_household_size``, other families x ``household_size``), as DTM Iraq estimates them. Families and
    the shelter figures of an area are empty (not 0) when any row summed into it gives individuals only.
    Rows of admin-level data (``admin_level`` subdistrict, district or governorate) feed their own level and the
    levels above, never below (see ``_rows_used_at_each_level``); the rows of one unit and round (one per
    displacement reason, origin or assessment type) are summed here.
    ``locations`` counts distinct places reporting: DTM location ids, or admin units for admin-level rows;
    ``reporting_date`` is the round's latest reporting date.
    """
    if displacement.empty:
        return empty_table(DISPLACEMENT_BY_AREA_COLUMNS)
    frame = _with_levels(displacement)
    expanded = expand_to_area_levels(
        frame, DISPLACEMENT_LEVELS,
        ["round_id", "population_type", "_place", "_rank", "_source", "_poa_ok", *FAMILY_COLUMNS],
    )
    expanded = _rows_used_at_each_level(expanded)
    if expanded.empty:
        return empty_table(DISPLACEMENT_BY_AREA_COLUMNS)
    keys = ["round_id", "area_level", "area_id", "population_type"]
    grouped = expanded.groupby(keys, sort=False)
    table = grouped[list(FAMILY_COLUMNS)].sum()
    missing = expanded[list(FAMILY_COLUMNS)].isna().groupby([expanded[k] for k in keys], sort=False).any()
    table = table.mask(missing)
    table["locations"] = grouped["_place"].nunique()
    table = table.reset_index().merge(area_lookup(expanded), on=["area_level", "area_id"], how="left")

    round_dates = displacement.groupby("round_id")["reporting_date"].max()
    table["reporting_date"] = table["round_id"].map(round_dates)
    table["individuals_in_camp"] = table["families_in_camp"] * camp_household_size
    for shelter in ("critical_shelter", "private", "unknown_shelter"):
        table[f"individuals_in_{shelter}"] = table[f"families_in_{shelter}"] * household_size
    return finalise(table, DISPLACEMENT_BY_AREA_COLUMNS, DISPLACEMENT_BY_AREA_KEYS)
