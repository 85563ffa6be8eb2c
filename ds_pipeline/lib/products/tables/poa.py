"""The Plan of Action tables (status by area and criterion, overdue actions by lead organisation, reporting
timeliness) of the latest report month: their fields, HXL tags and builder (they count actions, not people, so no
disclosure control applies)."""

from __future__ import annotations

from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.formatting import iso
from ds_pipeline.lib.products.tables.common import finish, pct

STATUS_FIELDS = (
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
)
OVERDUE_FIELDS = (
    Field("report_month", "string", "POA report month", "#date+month"),
    Field("lead_org", "string", "Lead organisation", "#org+lead"),
    Field("area", "string", "POA area", "#loc+name+poa"),
    Field("action_id", "string", "Action id in the plan", "#activity+code"),
    Field("action", "string", "Action", "#activity+name"),
    Field("iasc_criterion", "integer", "IASC criterion", "#indicator+code"),
    Field("due_date", "date", "Due date", "#date+end"),
    Field("days_overdue", "integer", "Days past the due date at the end of the month", "#indicator+num+overdue"),
    Field("status", "string", "Status as reported", "#status"),
)
TIMELINESS_FIELDS = (
    Field("report_month", "string", "POA report month", "#date+month"),
    Field("area", "string", "POA area", "#loc+name+poa"),
    Field("submitted_on", "date", "Date the report was submitted", "#date+reported"),
    Field("deadline", "date", "Reporting deadline", "#date+deadline"),
    Field("on_time", "boolean", "Submitted by the deadline", "#indicator+on_time"),
    Field("actions_reported", "integer", "Actions reported", "#activity+num"),
)


def poa_tables(part: AsOfSlice) -> list[PublicationTable]:
    status = part.poa_by_criterion.copy()
    if not status.empty:
        status = status.sort_values(["area", "iasc_criterion"], kind="mergesort").reset_index(drop=True)
        status["achieved_pct"] = pct(status["achieved_share"])
    overdue = part.poa_overdue.copy()
    if not overdue.empty:
        overdue["due_date"] = overdue["due_date"].map(iso)
        overdue = overdue.sort_values(
            ["lead_org", "days_overdue", "area", "action_id"], ascending=[True, False, True, True], kind="mergesort"
        ).reset_index(drop=True)
    timeliness = part.poa_timeliness.copy()
    if not timeliness.empty:
        timeliness["submitted_on"] = timeliness["submitted_on"].map(iso)
        timeliness["deadline"] = timeliness["deadline"].map(iso)
        timeliness["on_time"] = timeliness["on_time"].astype(bool)
        timeliness = timeliness.sort_values("area", kind="mergesort").reset_index(drop=True)
    return [
        finish("poa_status", "Plan of Action status by area and criterion",
               "Latest submission per action, assessed as of the end of the report month.", list(STATUS_FIELDS),
               status),
        finish("poa_overdue_actions", "Overdue POA actions by lead organisation",
               "Actions past their due date and not completed.", list(OVERDUE_FIELDS), overdue),
        finish("poa_timeliness", "POA reporting timeliness", "Submission date against the deadline.",
               list(TIMELINESS_FIELDS), timeliness),
    ]
