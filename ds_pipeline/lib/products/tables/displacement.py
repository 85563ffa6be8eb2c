"""The displacement table (IDPs and returnees by area and shelter, DTM Master List): its fields, HXL tags,
disclosure spec and builder."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import DisclosureParameters, DisclosureSpec, protect_table
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.formatting import iso
from ds_pipeline.lib.products.tables.common import FLAG_FIELD, area_fields, column_relations, finish, poa_members
from ds_pipeline.lib.settings import household_sizes

NAME = "displacement"
SHELTER = ["camp", "critical_shelter", "private", "unknown_shelter"]


def displacement_fields(params: DisclosureParameters) -> list[Field]:
    return [
        Field("round_id", "string", "DTM Master List round", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *area_fields(),
        Field("population_type", "string", "idp or returnee", "#population+type"),
        Field("locations", "integer", "Locations hosting the population", "#indicator+num+locations"),
        Field("individuals", "integer", f"Individuals (rounded to {params.round_individuals_to})", "#affected+ind"),
        Field("individuals_in_camp", "integer", "Individuals in camps", "#affected+ind+camp"),
        Field("individuals_in_critical_shelter", "integer", "Individuals in critical shelter",
              "#affected+ind+critical_shelter"),
        Field("individuals_in_private", "integer", "Individuals in private settings", "#affected+ind+private"),
        Field("individuals_in_unknown_shelter", "integer", "Individuals whose shelter is unknown",
              "#affected+ind+unknown_shelter"),
        Field("previous_round_id", "string", "Previous round the changes are measured against",
              "#meta+round+previous"),
        Field("individuals_change", "integer", "Change in individuals since the previous round",
              "#affected+ind+change"),
        Field("individuals_in_camp_change", "integer", "Change in individuals in camps since the previous round",
              "#affected+ind+camp+change"),
        FLAG_FIELD,
    ]


def displacement_spec(data: pd.DataFrame, settings: dict[str, Any]) -> DisclosureSpec:
    """Individuals are protected on the families they are estimated from (as households), on individuals where a
    source gives no families."""
    counts = {"individuals": ("families", "households")}
    counts.update({f"individuals_in_{s}": (f"families_in_{s}", "households") for s in SHELTER})
    return DisclosureSpec(
        key_columns=["population_type", "area_level", "area_id"],
        counts=counts,
        row_relations=[("individuals", [f"individuals_in_{s}" for s in SHELTER])],
        column_relations=column_relations(data, poa_members(settings), ["population_type"]),
        derived={
            "individuals_change": ["individuals"],
            "individuals_in_camp_change": ["individuals_in_camp"],
        },
        changes=["individuals_change", "individuals_in_camp_change"],
        previous={
            change: (f"{basis}_previous", "households")
            for change, basis in (
                ("individuals_change", "families"), ("individuals_in_camp_change", "families_in_camp")
            )
            if f"{basis}_previous" in data.columns
        },
        rounded=list(counts) + ["individuals_change", "individuals_in_camp_change"],
        # rows of individuals-only data (no families) are protected on individuals
        fallbacks={
            **{basis: published for published, (basis, _unit) in counts.items()},
            "families_previous": "individuals_previous", "families_in_camp_previous": "individuals_in_camp_previous",
        },
    )


def displacement_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = displacement_fields(params)
    data = part.displacement
    if data.empty:
        return finish(NAME, "Displacement and returns", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    data["_level"] = data["area_level"].map({"governorate": 0, "district": 1, "poa_area": 2})
    data = data.sort_values(["population_type", "_level", "admin1_pcode", "area_id"], kind="mergesort")
    data = data.reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(iso)
    data["individuals_change"] = data["individuals"] - data["individuals_previous"]
    data["individuals_in_camp_change"] = data["individuals_in_camp"] - data["individuals_in_camp_previous"]
    protected, suppressions = protect_table(NAME, data, displacement_spec(data, settings), params)
    sizes = household_sizes(settings)
    return finish(
        NAME,
        "IDPs and returnees by area and shelter",
        "DTM Master List figures for the latest round on or before the as-of date; individuals are DTM "
        f"estimates (families x {sizes.household_size}, x {sizes.camp_household_size} in camps) where families are "
        "given; shelter figures are empty where a source gives individuals only. Disclosure control is applied on "
        "families, on individuals where no families are given.",
        fields,
        protected,
        suppressions,
    )
