"""The service coverage table (4W activities active in the month by district, criterion and sector): its fields,
HXL tags, disclosure spec and builder."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.products.disclosure import DisclosureParameters, DisclosureSpec, protect_table
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.tables.common import FLAG_FIELD, finish

NAME = "service_coverage"
COUNTS = ["people_targeted", "people_reached"]


def service_coverage_fields(params: DisclosureParameters) -> list[Field]:
    return [
        Field("month", "string", "4W month (YYYY-MM)", "#date+month"),
        Field("admin1_pcode", "string", "Governorate p-code", "#adm1+code"),
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("iasc_criterion", "integer", "IASC criterion served", "#indicator+code"),
        Field("sector_code", "string", "Global cluster code", "#sector+code"),
        Field("active_orgs", "integer", "Organisations active", "#org+num"),
        Field("active_activities", "integer", "Activities active", "#activity+num"),
        Field("people_targeted", "integer", f"People targeted (rounded to {params.round_individuals_to})",
              "#targeted+ind"),
        Field("people_reached", "integer", f"People reached (rounded to {params.round_individuals_to})",
              "#reached+ind"),
        Field("activities_reach_not_reported", "integer", "Active activities that report no people reached",
              "#activity+num+unreported"),
        Field("criterion_inferred", "boolean", "The criterion was inferred from the sector (the 3W gives none)",
              "#indicator+inferred"),
        FLAG_FIELD,
    ]


def service_coverage_spec() -> DisclosureSpec:
    """People targeted and reached are protected as individuals and rounded."""
    return DisclosureSpec(
        key_columns=["area_id", "iasc_criterion", "sector_code"],
        counts={c: (c, "individuals") for c in COUNTS},
        rounded=COUNTS,
    )


def service_coverage_table(part: AsOfSlice, params: DisclosureParameters) -> PublicationTable:
    fields = service_coverage_fields(params)
    coverage = part.coverage.copy()
    if coverage.empty:
        return finish(NAME, "Service coverage", "", fields, pd.DataFrame())
    coverage = coverage.sort_values(
        ["admin1_pcode", "area_id", "iasc_criterion", "sector_code"], kind="mergesort"
    ).reset_index(drop=True)
    protected, suppressions = protect_table(NAME, coverage, service_coverage_spec(), params)
    return finish(
        NAME,
        "Active services by district, criterion and sector",
        f"4W activities ongoing or completed in {part.coverage_month}.",
        fields,
        protected,
        suppressions,
    )
