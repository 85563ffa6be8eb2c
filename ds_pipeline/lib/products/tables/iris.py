"""The IRIS composite table (households that overcame displacement-related vulnerabilities on criteria 1-5): its
fields, HXL tags, disclosure spec and builder."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import DisclosureParameters, DisclosureSpec, protect_table
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.tables.common import FLAG_FIELD, area_fields, column_relations, finish, pct, poa_members

NAME = "iris_composite"


def iris_fields() -> list[Field]:
    return [
        Field("survey_round", "string", "Household survey round", "#meta+round"),
        *area_fields(),
        Field("population_group", "string", "Displaced group", "#population+type"),
        Field("criteria_assessed", "integer", "Criteria 1-5 assessed", "#indicator+num"),
        Field("households", "integer", "Surveyed households of the group", "#indicator+num+hh"),
        Field("share_overcome_vulnerabilities_pct", "integer",
              "Households at or above the non-displaced benchmark on every assessed criterion 1-5 (%)",
              "#indicator+value+pct+iris"),
        FLAG_FIELD,
    ]


def iris_spec(data: pd.DataFrame, settings: dict[str, Any]) -> DisclosureSpec:
    """Households of the group are protected; the share derives from them."""
    return DisclosureSpec(
        key_columns=["area_level", "area_id", "population_group"],
        counts={"households": ("households", "households")},
        column_relations=column_relations(data, poa_members(settings), ["population_group"]),
        derived={"share_overcome_vulnerabilities_pct": ["households"]},
    )


def iris_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = iris_fields()
    data = part.iris
    if data.empty:
        return finish(NAME, "IRIS composite", "", fields, pd.DataFrame())
    data = data.copy()
    data["share_overcome_vulnerabilities_pct"] = pct(data["share_overcome_vulnerabilities"])
    data["_level"] = data["area_level"].map({"poa_area": 0, "district": 1})
    data = data.sort_values(["_level", "area_id", "population_group"], kind="mergesort").reset_index(drop=True)
    protected, suppressions = protect_table(NAME, data, iris_spec(data, settings), params)
    return finish(
        NAME,
        "Overcoming displacement-related vulnerabilities (IRIS composite)",
        "EGRISS IRIS criterion-level composite over criteria 1-5.",
        fields,
        protected,
        suppressions,
    )
