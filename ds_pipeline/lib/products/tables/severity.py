"""The area severity table (Return Index by governorate, district and POA area): its fields, HXL tags, disclosure
spec and builder."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import DisclosureParameters, DisclosureSpec, protect_table
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.formatting import iso
from ds_pipeline.lib.products.tables.common import (
    FLAG_FIELD,
    area_fields,
    column_relations,
    finish,
    pct,
    poa_members,
    rounded,
)

NAME = "area_severity"
COUNTS = ["returnee_individuals", "returnees_low", "returnees_medium", "returnees_high"]


def severity_fields(params: DisclosureParameters) -> list[Field]:
    return [
        Field("round_id", "string", "DTM round of the Return Index data", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *area_fields(),
        Field("locations_assessed", "integer", "Locations of return assessed", "#indicator+num+locations"),
        Field("returnee_individuals", "integer",
              f"Returnees (individuals, rounded to {params.round_individuals_to})", "#affected+returnees+ind"),
        Field("returnees_low", "integer", "Returnees in low-severity locations", "#affected+returnees+ind+low"),
        Field("returnees_medium", "integer", "Returnees in medium-severity locations",
              "#affected+returnees+ind+medium"),
        Field("returnees_high", "integer", "Returnees in high-severity locations", "#affected+returnees+ind+high"),
        Field("returnees_in_high_severity_pct", "integer", "Share of returnees in high-severity locations (%)",
              "#affected+returnees+pct+high"),
        Field("mean_overall_score", "number", "Returnee-weighted mean overall score (0 good .. 100 worst)",
              "#severity+num", 1),
        Field("mean_scale1_score", "number", "Mean score, scale 1: livelihoods and basic services",
              "#severity+num+livelihoods", 1),
        Field("mean_scale2_score", "number", "Mean score, scale 2: safety and social cohesion",
              "#severity+num+safety", 1),
        Field("severity", "string", "Severity category of the mean overall score (low, medium, high)",
              "#severity+type"),
        Field("hotspot", "boolean", "Hotspot: high on either scale, or medium with many returnees",
              "#indicator+hotspot"),
        Field("previous_round_id", "string", "Previous round the change is measured against", "#meta+round+previous"),
        Field("returnees_in_high_severity_change", "integer",
              "Change in returnees in high-severity locations since the previous round",
              "#affected+returnees+ind+high+change"),
        FLAG_FIELD,
    ]


def severity_spec(data: pd.DataFrame, settings: dict[str, Any]) -> DisclosureSpec:
    """Returnees are protected as individuals; the share and the change in high severity derive from them."""
    return DisclosureSpec(
        key_columns=["area_level", "area_id"],
        counts={c: (c, "individuals") for c in COUNTS},
        row_relations=[("returnee_individuals", ["returnees_low", "returnees_medium", "returnees_high"])],
        column_relations=column_relations(data, poa_members(settings), []),
        derived={
            "returnees_in_high_severity_pct": ["returnees_high", "returnee_individuals"],
            "returnees_in_high_severity_change": ["returnees_high"],
        },
        denominators={"returnees_in_high_severity_pct": "returnee_individuals"},
        changes=["returnees_in_high_severity_change"],
        previous={"returnees_in_high_severity_change": ("returnees_high_previous", "individuals")},
        rounded=COUNTS + ["returnees_in_high_severity_change"],
    )


def severity_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = severity_fields(params)
    data = part.severity
    if data.empty:
        return finish(NAME, "Area severity", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    level_order = {"governorate": 0, "district": 1, "poa_area": 2}
    data["_level"] = data["area_level"].map(level_order)
    data = data.sort_values(["_level", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(iso)
    data["returnees_in_high_severity_change"] = data["returnees_high"] - data["returnees_high_previous"]
    data["returnees_in_high_severity_pct"] = pct(data["returnees_in_high_severity_share"])
    for column in ("mean_overall_score", "mean_scale1_score", "mean_scale2_score"):
        data[column] = rounded(data[column], 1)
    data["hotspot"] = data["hotspot"].astype(bool)
    protected, suppressions = protect_table(NAME, data, severity_spec(data, settings), params)
    return finish(
        NAME,
        "Severity of conditions in areas of return",
        "Return Index by governorate, district and POA area for the latest round on or before the as-of date.",
        fields,
        protected,
        suppressions,
    )
