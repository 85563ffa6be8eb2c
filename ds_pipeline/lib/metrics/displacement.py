"""Displacement figures by area: IDP and returnee families, individuals and shelter per DTM round."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.metrics import area_lookup, empty_table, expand_to_area_levels, finalise

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
    "round_id": "str",
    "reporting_date": "date",
    "area_level": "str",
    "area_id": "str",
    "area_name": "str",
    "admin1_pcode": "str",
    "population_type": "str",
    "locations": "int",
    "families": "int",
    "individuals": "int",
    "families_in_camp": "int",
    "families_in_critical_shelter": "int",
    "families_in_private": "int",
    "families_in_unknown_shelter": "int",
    "individuals_in_camp": "int",
    "individuals_in_critical_shelter": "int",
    "individuals_in_private": "int",
    "individuals_in_unknown_shelter": "int",
}
DISPLACEMENT_BY_AREA_KEYS = ("round_id", "area_level", "area_id", "population_type")


def displacement_by_area(
    displacement: pd.DataFrame, camp_household_size: int = 5, household_size: int = 6
) -> pd.DataFrame:
    """IDP and returnee figures per round x area (governorate, district, POA area) x population type.

    Families are summed over the DTM locations of the area; ``individuals`` is the sum of the DTM's own
    estimate; individuals per shelter type are recomputed from families (camp families x
    ``camp_household_size``, other families x ``household_size``), as DTM Iraq estimates them.
    ``locations`` counts distinct DTM location ids; ``reporting_date`` is the round's latest reporting date.
    """
    if displacement.empty:
        return empty_table(DISPLACEMENT_BY_AREA_COLUMNS)
    expanded = expand_to_area_levels(
        displacement, DISPLACEMENT_LEVELS, ["round_id", "population_type", "location_id", *FAMILY_COLUMNS]
    )
    keys = ["round_id", "area_level", "area_id", "population_type"]
    grouped = expanded.groupby(keys, sort=False)
    table = grouped[list(FAMILY_COLUMNS)].sum()
    table["locations"] = grouped["location_id"].nunique()
    table = table.reset_index().merge(area_lookup(expanded), on=["area_level", "area_id"], how="left")

    round_dates = displacement.groupby("round_id")["reporting_date"].max()
    table["reporting_date"] = table["round_id"].map(round_dates)
    table["individuals_in_camp"] = table["families_in_camp"] * camp_household_size
    for shelter in ("critical_shelter", "private", "unknown_shelter"):
        table[f"individuals_in_{shelter}"] = table[f"families_in_{shelter}"] * household_size
    return finalise(table, DISPLACEMENT_BY_AREA_COLUMNS, DISPLACEMENT_BY_AREA_KEYS)
