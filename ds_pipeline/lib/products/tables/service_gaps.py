"""The service gaps table (districts in need on a criterion with no organisation active on it in the 4W month):
its fields, HXL tags, need text and builder; returnees are taken from the protected area severity table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.metrics.services import gap_threshold_of
from ds_pipeline.lib.products.disclosure import SUPPRESSED_FLAG_COLUMN
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.formatting import group_label, number_text
from ds_pipeline.lib.products.tables.common import (
    FLAG_FIELD,
    copy_published,
    finish,
    published_district_values,
    rounded,
    with_reasons,
)

NAME = "service_gaps"


def service_gap_fields() -> list[Field]:
    return [
        Field("admin1_pcode", "string", "Governorate p-code", "#adm1+code"),
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("iasc_criterion", "integer", "IASC criterion in need", "#indicator+code"),
        Field("criterion_name", "string", "IASC criterion", "#indicator+name"),
        Field("need_reason", "string", "Why the district is in need on the criterion", "#inneed+reason"),
        Field("returnee_individuals", "integer",
              "Returnees in the district as published in area severity (Return Index, rounded)",
              "#affected+returnees+ind"),
        Field("active_orgs", "integer", "Organisations active on the criterion in the month", "#org+num"),
        Field("sectors_active_elsewhere_in_governorate", "string",
              "Sectors active on the criterion in other districts of the governorate", "#sector+code+elsewhere"),
        FLAG_FIELD,
    ]


def gap_reason(
    row: pd.Series, severity: PublicationTable, criteria: PublicationTable, gap_threshold: float,
    raw_criteria: pd.DataFrame,
) -> str:
    """Readable need of a service gap, built from the protected tables (no unrounded or small counts)."""
    reasons = []
    sev = severity.frame
    if not sev.empty:
        match = sev[(sev["area_level"] == "district") & (sev["area_id"] == row["area_id"])]
        if not match.empty and int(row["iasc_criterion"]) <= 4:
            flags = []
            if match.iloc[0]["severity"] == "high":
                flags.append("high severity")
            if bool(match.iloc[0]["hotspot"]):
                flags.append("hotspot")
            if flags:
                reasons.append(f"Return Index {' and '.join(flags)}")
    if not raw_criteria.empty:
        raw = raw_criteria[
            (raw_criteria["area_level"] == "district") & (raw_criteria["area_id"] == row["area_id"])
            & (raw_criteria["criterion"] == row["iasc_criterion"]) & raw_criteria["assessed"].astype(bool)
            & (raw_criteria["gap"] <= gap_threshold)
        ]
        published = criteria.frame
        parts = []
        for group in sorted(raw["population_group"].astype(str)):
            cell = published[
                (published["area_level"] == "district") & (published["area_id"] == row["area_id"])
                & (published["criterion"] == row["iasc_criterion"]) & (published["population_group"] == group)
            ]
            gap = cell.iloc[0]["gap_pp"] if not cell.empty else pd.NA
            label = group_label(group)
            text = number_text(gap, signed=True) if not pd.isna(gap) else ""
            parts.append(f"{label} {text} pp" if text else f"{label} (small sample)")
        if parts:
            reasons.append("gap to non-displaced: " + ", ".join(parts))
    return "; ".join(reasons)


def service_gaps_table(
    part: AsOfSlice, settings: dict[str, Any], severity: PublicationTable, criteria: PublicationTable
) -> PublicationTable:
    fields = service_gap_fields()
    gaps = part.service_gaps.copy()
    gap_threshold = gap_threshold_of(settings)
    if gaps.empty:
        return finish(NAME, "Service gaps", "", fields, pd.DataFrame())
    gaps = gaps.sort_values(["iasc_criterion", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
    gaps["need_reason"] = [
        gap_reason(row, severity, criteria, gap_threshold, part.criteria) for _i, row in gaps.iterrows()
    ]
    # the district's returnees as published in area severity (blank where it suppresses them)
    reasons = copy_published(
        gaps, "returnee_individuals", published_district_values(severity, ["returnee_individuals"]), "area_severity",
    )
    gaps["returnee_individuals"] = rounded(gaps["returnee_individuals"], 0).astype("Int64")
    protected, suppressions = with_reasons(
        NAME, gaps, ["area_id", "iasc_criterion"], reasons,
        [f.name for f in fields if f.name != SUPPRESSED_FLAG_COLUMN],
    )
    return finish(
        NAME,
        "Service gaps: need without an active service",
        f"Districts in need on a criterion with no organisation active on it in {part.coverage_month}.",
        fields,
        protected,
        suppressions,
    )
