"""The referral directory table (who provides what where in the 4W month): its fields, HXL tags and builder
(organisations and activities, no counts of people, so no disclosure control applies)."""

from __future__ import annotations

from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.tables.common import finish

FIELDS = (
    Field("area_id", "string", "District p-code", "#adm2+code"),
    Field("area_name", "string", "District", "#adm2+name"),
    Field("sector_code", "string", "Global cluster code", "#sector+code"),
    Field("org_acronym", "string", "Organisation acronym", "#org+acronym"),
    Field("org_name", "string", "Organisation", "#org+name"),
    Field("org_type", "string", "Organisation type", "#org+type"),
    Field("activity", "string", "Activity", "#activity+name"),
    Field("iasc_criterion", "integer", "IASC criterion served", "#indicator+code"),
    Field("status", "string", "Activity status", "#status"),
)


def referral_directory_table(part: AsOfSlice) -> PublicationTable:
    directory = part.referral_directory.copy()
    if not directory.empty:
        directory = directory.sort_values(
            ["area_id", "sector_code", "org_acronym", "activity"], kind="mergesort"
        ).reset_index(drop=True)
    return finish("referral_directory", "Referral directory: who provides what where",
                  f"Organisations active in {part.coverage_month} by district and sector.", list(FIELDS), directory)
