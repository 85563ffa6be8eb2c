"""Publication tables of POA progress, service coverage and gaps, and the sources of an edition, with their
disclosure specs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    DisclosureSpec,
    protect_table,
)
from ds_pipeline.lib.products.edition import (
    DEFAULT_GAP_THRESHOLD,
    FLAG_FIELD,
    GROUP_LABELS_IN_TEXT,
    KIND_ORDER,
    AsOfSlice,
    Field,
    PublicationTable,
    _dates,
    iso,
)
from ds_pipeline.lib.products.tables import (
    _pct,
    _rounded,
    copy_published,
    finish,
    published_district_values,
    with_reasons,
)


def poa_tables(part: AsOfSlice) -> list[PublicationTable]:
    status_fields = [
        Field("report_month", "string", "POA report month (YYYY-MM)", "#date+month"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("iasc_criterion", "integer", "IASC criterion (1-8)", "#indicator+code"),
        Field("criterion_name", "string", "IASC criterion", "#indicator+name"),
        Field("actions", "integer", "Actions in the plan", "#activity+num"),
        Field("completed", "integer", "Actions completed", "#activity+num+completed"),
        Field("on_track", "integer", "Actions on track", "#activity+num+on_track"),
        Field("delayed", "integer", "Actions delayed", "#activity+num+delayed"),
        Field("overdue", "integer", "Actions past their due date and not completed", "#activity+num+overdue"),
        Field("not_started", "integer", "Actions not started", "#activity+num+not_started"),
        Field("target", "number", "Sum of action targets", "#targeted+num", 0),
        Field("achieved", "number", "Sum of achievements", "#reached+num", 0),
        Field("achieved_pct", "integer", "Achieved against target (%)", "#reached+pct"),
    ]
    status = part.poa_by_criterion.copy()
    if not status.empty:
        status = status.sort_values(["area", "iasc_criterion"], kind="mergesort").reset_index(drop=True)
        status["achieved_pct"] = _pct(status["achieved_share"])
    overdue_fields = [
        Field("report_month", "string", "POA report month", "#date+month"),
        Field("lead_org", "string", "Lead organisation", "#org+lead"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("action_id", "string", "Action id in the plan", "#activity+code"),
        Field("action", "string", "Action", "#activity+name"),
        Field("iasc_criterion", "integer", "IASC criterion", "#indicator+code"),
        Field("due_date", "date", "Due date", "#date+end"),
        Field("days_overdue", "integer", "Days past the due date at the end of the month", "#indicator+num+overdue"),
        Field("status", "string", "Status as reported", "#status"),
    ]
    overdue = part.poa_overdue.copy()
    if not overdue.empty:
        overdue["due_date"] = overdue["due_date"].map(iso)
        overdue = overdue.sort_values(
            ["lead_org", "days_overdue", "area", "action_id"], ascending=[True, False, True, True], kind="mergesort"
        ).reset_index(drop=True)
    timeliness_fields = [
        Field("report_month", "string", "POA report month", "#date+month"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("submitted_on", "date", "Date the report was submitted", "#date+reported"),
        Field("deadline", "date", "Reporting deadline", "#date+deadline"),
        Field("on_time", "boolean", "Submitted by the deadline", "#indicator+on_time"),
        Field("actions_reported", "integer", "Actions reported", "#activity+num"),
    ]
    timeliness = part.poa_timeliness.copy()
    if not timeliness.empty:
        timeliness["submitted_on"] = timeliness["submitted_on"].map(iso)
        timeliness["deadline"] = timeliness["deadline"].map(iso)
        timeliness["on_time"] = timeliness["on_time"].astype(bool)
        timeliness = timeliness.sort_values("area", kind="mergesort").reset_index(drop=True)
    return [
        finish("poa_status", "Plan of Action status by area and criterion",
                "Latest submission per action, assessed as of the end of the report month.", status_fields, status),
        finish("poa_overdue_actions", "Overdue POA actions by lead organisation",
                "Actions past their due date and not completed.", overdue_fields, overdue),
        finish("poa_timeliness", "POA reporting timeliness", "Submission date against the deadline.",
                timeliness_fields, timeliness),
    ]


def _gap_reason(
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
            label = GROUP_LABELS_IN_TEXT.get(group, group)
            text = f"{int(gap):+d}".replace("-", "−") if not pd.isna(gap) else ""
            parts.append(f"{label} {text} pp" if text else f"{label} (small sample)")
        if parts:
            reasons.append("gap to non-displaced: " + ", ".join(parts))
    return "; ".join(reasons)


def services_tables(
    part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any],
    severity: PublicationTable, criteria: PublicationTable,
) -> list[PublicationTable]:
    gap_fields = [
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
    gaps = part.service_gaps.copy()
    gap_threshold = float((settings.get("service_gaps", {}) or {}).get("gap_threshold", DEFAULT_GAP_THRESHOLD))
    gaps_table = finish("service_gaps", "Service gaps", "", gap_fields, pd.DataFrame())
    if not gaps.empty:
        gaps = gaps.sort_values(["iasc_criterion", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
        gaps["need_reason"] = [
            _gap_reason(row, severity, criteria, gap_threshold, part.criteria) for _i, row in gaps.iterrows()
        ]
        # the district's returnees as published in area severity (blank where it suppresses them)
        reasons = copy_published(
            gaps, "returnee_individuals", published_district_values(severity, ["returnee_individuals"]),
            "area_severity",
        )
        gaps["returnee_individuals"] = _rounded(gaps["returnee_individuals"], 0).astype("Int64")
        protected, suppressions = with_reasons(
            "service_gaps", gaps, ["area_id", "iasc_criterion"], reasons,
            [f.name for f in gap_fields if f.name != SUPPRESSED_FLAG_COLUMN],
        )
        gaps_table = finish(
            "service_gaps",
            "Service gaps: need without an active service",
            f"Districts in need on a criterion with no organisation active on it in {part.coverage_month}.",
            gap_fields,
            protected,
            suppressions,
        )
    coverage_fields = [
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
    coverage = part.coverage.copy()
    coverage_table = finish("service_coverage", "Service coverage", "", coverage_fields, pd.DataFrame())
    if not coverage.empty:
        coverage = coverage.sort_values(
            ["admin1_pcode", "area_id", "iasc_criterion", "sector_code"], kind="mergesort"
        ).reset_index(drop=True)
        counts = ["people_targeted", "people_reached"]
        spec = DisclosureSpec(
            key_columns=["area_id", "iasc_criterion", "sector_code"],
            counts={c: (c, "individuals") for c in counts},
            rounded=counts,
        )
        protected, suppressions = protect_table("service_coverage", coverage, spec, params)
        coverage_table = finish(
            "service_coverage",
            "Active services by district, criterion and sector",
            f"4W activities ongoing or completed in {part.coverage_month}.",
            coverage_fields,
            protected,
            suppressions,
        )
    directory_fields = [
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("sector_code", "string", "Global cluster code", "#sector+code"),
        Field("org_acronym", "string", "Organisation acronym", "#org+acronym"),
        Field("org_name", "string", "Organisation", "#org+name"),
        Field("org_type", "string", "Organisation type", "#org+type"),
        Field("activity", "string", "Activity", "#activity+name"),
        Field("iasc_criterion", "integer", "IASC criterion served", "#indicator+code"),
        Field("status", "string", "Activity status", "#status"),
    ]
    directory = part.referral_directory.copy()
    if not directory.empty:
        directory = directory.sort_values(
            ["area_id", "sector_code", "org_acronym", "activity"], kind="mergesort"
        ).reset_index(drop=True)
    return [
        gaps_table,
        coverage_table,
        finish("referral_directory", "Referral directory: who provides what where",
                f"Organisations active in {part.coverage_month} by district and sector.", directory_fields, directory),
    ]


def source_tables(part: AsOfSlice) -> list[PublicationTable]:
    source_fields = [
        Field("source_id", "string", "Source id in the registry", "#meta+source+id"),
        Field("kind", "string", "Source kind", "#meta+type"),
        Field("title", "string", "Source title", "#meta+source"),
        Field("provider", "string", "Data provider", "#org+provider"),
        Field("data_as_of", "date", "Latest date the source's data refer to", "#date+reported"),
        Field("files", "integer", "Files read", "#meta+num+files"),
        Field("rows_read", "integer", "Rows read", "#meta+num+read"),
        Field("rows_accepted", "integer", "Rows accepted", "#meta+num+accepted"),
        Field("rows_quarantined", "integer", "Rows quarantined", "#meta+num+quarantined"),
    ]
    inventory = part.inventory
    rows = []
    if not inventory.empty:
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        ranked = inventory.assign(_kind=inventory["kind"].map(order).fillna(len(order)))
        ranked = ranked.sort_values(["_kind", "source_id", "source_file"], kind="mergesort")
        for source_id, files in ranked.groupby("source_id", sort=False):
            first = files.iloc[0]
            rows.append(
                {
                    "source_id": source_id,
                    "kind": first["kind"],
                    "title": first["title"],
                    "provider": first["provider"],
                    "data_as_of": iso(_dates(files["data_as_of"]).max()),
                    "files": int(files["source_file"].nunique()),
                    "rows_read": int(files["rows_read"].sum()),
                    "rows_accepted": int(files["rows_accepted"].sum()),
                    "rows_quarantined": int(files["rows_quarantined"].sum()),
                }
            )
    reason_fields = [
        Field("source_id", "string", "Source id", "#meta+source+id"),
        Field("check", "string", "Failed rule", "#meta+check"),
        Field("column", "string", "Provider's column (empty: the row as a whole)", "#meta+column"),
        Field("rows", "integer", "Rows quarantined for this reason", "#meta+num"),
    ]
    quarantine = part.quarantine
    reasons = pd.DataFrame(columns=[f.name for f in reason_fields])
    if not quarantine.empty:
        reasons = (
            quarantine.assign(column=quarantine["column"].fillna("").astype(str))
            .groupby(["source_id", "check", "column"], sort=True)
            .size()
            .rename("rows")
            .reset_index()
            .sort_values(["rows", "source_id", "check", "column"], ascending=[False, True, True, True],
                         kind="mergesort")
            .reset_index(drop=True)
        )
    return [
        finish("sources", "Sources, coverage and data quality",
                "Rows read, accepted and quarantined per source, for files dated on or before the as-of date.",
                source_fields, pd.DataFrame(rows)),
        finish("quarantine_reasons", "Quarantine reasons", "Rows set aside by validation, by rule and column.",
                reason_fields, reasons),
    ]
