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


def need_reasons(
    gaps: pd.DataFrame, severity: PublicationTable, criteria: PublicationTable, gap_threshold: float,
    raw_criteria: pd.DataFrame,
) -> list[str]:
    """Readable need of each service gap, built from the protected tables (no unrounded or small counts): the
    district's Return Index severity and hotspot flags (criteria 1-4), and the published gap to non-displaced of
    each population group in need on the criterion. Each table is indexed once, not searched for every gap."""
    district_flags: dict[Any, tuple[Any, Any]] = {}  # area_id -> (severity, hotspot) of its first district row
    sev = severity.frame
    if not sev.empty:
        districts = sev[sev["area_level"] == "district"]
        for area_id, category, hotspot in zip(districts["area_id"], districts["severity"], districts["hotspot"],
                                              strict=True):
            district_flags.setdefault(area_id, (category, hotspot))
    groups_in_need: dict[tuple[Any, Any], list[str]] = {}  # (area_id, criterion) -> groups whose gap is a need
    if not raw_criteria.empty:
        raw = raw_criteria[
            (raw_criteria["area_level"] == "district") & raw_criteria["assessed"].astype(bool)
            & (raw_criteria["gap"] <= gap_threshold)
        ]
        for area_id, criterion, group in zip(raw["area_id"], raw["criterion"], raw["population_group"].astype(str),
                                             strict=True):
            groups_in_need.setdefault((area_id, criterion), []).append(group)
    published_gaps: dict[tuple[Any, Any, Any], Any] = {}  # (area_id, criterion, group) -> published gap_pp
    published = criteria.frame
    if groups_in_need and not published.empty:
        cells = published[published["area_level"] == "district"]
        for key, gap in zip(zip(cells["area_id"], cells["criterion"], cells["population_group"], strict=True),
                            cells["gap_pp"], strict=True):
            published_gaps.setdefault(key, gap)  # the first cell, as a search would find it
    texts = []
    for area_id, criterion in zip(gaps["area_id"], gaps["iasc_criterion"], strict=True):
        reasons = []
        flags_of_district = district_flags.get(area_id)
        if flags_of_district is not None and int(criterion) <= 4:
            flags = []
            if flags_of_district[0] == "high":
                flags.append("high severity")
            if bool(flags_of_district[1]):
                flags.append("hotspot")
            if flags:
                reasons.append(f"Return Index {' and '.join(flags)}")
        parts = []
        for group in sorted(groups_in_need.get((area_id, criterion), [])):
            gap = published_gaps.get((area_id, criterion, group), pd.NA)
            label = group_label(group)
            text = number_text(gap, signed=True) if not pd.isna(gap) else ""
            parts.append(f"{label} {text} pp" if text else f"{label} (small sample)")
        if parts:
            reasons.append("gap to non-displaced: " + ", ".join(parts))
        texts.append("; ".join(reasons))
    return texts


def service_gaps_table(
    part: AsOfSlice, settings: dict[str, Any], severity: PublicationTable, criteria: PublicationTable
) -> PublicationTable:
    fields = service_gap_fields()
    gaps = part.service_gaps.copy()
    gap_threshold = gap_threshold_of(settings)
    if gaps.empty:
        return finish(NAME, "Service gaps", "", fields, pd.DataFrame())
    gaps = gaps.sort_values(["iasc_criterion", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
    gaps["need_reason"] = need_reasons(gaps, severity, criteria, gap_threshold, part.criteria)
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
