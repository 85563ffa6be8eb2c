"""Plan-of-Action implementation: action status by criterion, overdue actions and reporting timeliness."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib import edition_calendar
from ds_pipeline.lib.metrics import criterion_names, empty_table, finalise, safe_divide

EFFECTIVE_STATUSES: tuple[str, ...] = ("completed", "on_track", "delayed", "overdue", "not_started")

POA_STATUS_BY_CRITERION_COLUMNS: dict[str, str] = {
    "report_month": "str",
    "area": "str",
    "iasc_criterion": "int",
    "criterion_name": "str",
    "actions": "int",
    "completed": "int",
    "on_track": "int",
    "delayed": "int",
    "overdue": "int",
    "not_started": "int",
    "target": "float",
    "achieved": "float",
    "achieved_share": "float",
}
POA_STATUS_BY_CRITERION_KEYS = ("report_month", "area", "iasc_criterion")

POA_OVERDUE_ACTIONS_COLUMNS: dict[str, str] = {
    "report_month": "str",
    "area": "str",
    "action_id": "str",
    "action": "str",
    "iasc_criterion": "int",
    "lead_org": "str",
    "due_date": "date",
    "days_overdue": "int",
    "status": "str",
}
POA_OVERDUE_ACTIONS_KEYS = ("report_month", "area", "action_id")

POA_TIMELINESS_COLUMNS: dict[str, str] = {
    "report_month": "str",
    "area": "str",
    "submitted_on": "date",
    "deadline": "date",
    "on_time": "bool",
    "actions_reported": "int",
}
POA_TIMELINESS_KEYS = ("report_month", "area")


def reporting_deadline(report_month: str, deadline_day: int) -> pd.Timestamp:
    """Day ``deadline_day`` of the month after ``report_month`` (the month's last day if it is shorter)."""
    following = edition_calendar.next_month_start(report_month)
    last_day = edition_calendar.month_end(edition_calendar.month_of(following)).day
    return pd.Timestamp(following.year, following.month, min(deadline_day, last_day))


def latest_actions(poa: pd.DataFrame, report_month: str) -> pd.DataFrame:
    """The latest submission of each (area, action_id) reported in ``report_month`` or earlier.

    Among several rows of the same action and month, the one submitted last wins (then the later file and
    row, so the choice does not depend on input order).
    """
    rows = poa[poa["report_month"] <= report_month]
    order = [
        c
        for c in ("area", "action_id", "report_month", "submitted_on", "source_file", "source_row")
        if c in rows.columns
    ]
    rows = rows.sort_values(order, kind="mergesort", na_position="first")
    return rows.drop_duplicates(["area", "action_id"], keep="last")


def effective_status(actions: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """completed if reported completed; overdue if due before ``as_of``; otherwise the reported status."""
    status = actions["status"].fillna("").astype(str)
    # due_date is required by validation; an action without one could not be past it
    due_before = (actions["due_date"] < as_of).fillna(False).to_numpy(dtype=bool)
    values = np.select([status.to_numpy() == "completed", due_before], ["completed", "overdue"], default=status)
    return pd.Series(values, index=actions.index, dtype=object)


def poa_status(poa: pd.DataFrame, deadline_day: int = 10) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """POA implementation per report month: (status by criterion, overdue actions, reporting timeliness).

    For each report month M present, every action's latest submission with report_month <= M is assessed as
    of the last day of M. Timeliness has one row per area and month actually reported: the first
    submission date against day ``deadline_day`` of the following month.
    """
    if not 1 <= deadline_day <= 31:
        raise ValueError(f"deadline_day must be between 1 and 31, got {deadline_day}")
    if poa.empty:
        return (
            empty_table(POA_STATUS_BY_CRITERION_COLUMNS),
            empty_table(POA_OVERDUE_ACTIONS_COLUMNS),
            empty_table(POA_TIMELINESS_COLUMNS),
        )
    frame = poa.copy()
    frame["report_month"] = frame["report_month"].astype(str)
    by_criterion_parts = []
    overdue_parts = []
    for month in sorted(frame["report_month"].unique()):
        as_of = pd.Timestamp(edition_calendar.month_end(month))  # a month's report is assessed as of its last day
        actions = latest_actions(frame, month).copy()
        actions["effective_status"] = effective_status(actions, as_of)
        actions["report_month"] = month

        counts = (
            actions.groupby(["area", "iasc_criterion", "effective_status"], sort=True).size()
            .unstack("effective_status", fill_value=0)  # a status no action of the group has: a true count of 0
            .reindex(columns=list(EFFECTIVE_STATUSES), fill_value=0)  # no action with that status: a true count of 0
        )
        totals = actions.groupby(["area", "iasc_criterion"], sort=True).agg(
            actions=("action_id", "size"), target=("target", "sum"), achieved=("achieved", "sum")
        )
        table = totals.join(counts).reset_index()
        table["report_month"] = month
        by_criterion_parts.append(table)

        overdue = actions[actions["effective_status"] == "overdue"].copy()
        overdue["days_overdue"] = (as_of - overdue["due_date"]).dt.days
        overdue_parts.append(overdue)

    by_criterion = pd.concat(by_criterion_parts, ignore_index=True)
    by_criterion["criterion_name"] = criterion_names(by_criterion["iasc_criterion"])
    by_criterion["achieved_share"] = safe_divide(by_criterion["achieved"], by_criterion["target"])

    overdue_actions = pd.concat(overdue_parts, ignore_index=True)

    reports = (
        frame.groupby(["area", "report_month"], sort=True)
        .agg(submitted_on=("submitted_on", "min"), actions_reported=("action_id", "nunique"))
        .reset_index()
    )
    reports["deadline"] = [reporting_deadline(m, deadline_day) for m in reports["report_month"]]
    reports["deadline"] = pd.to_datetime(reports["deadline"])
    # submitted_on is required by validation, so every report has a date to compare
    reports["on_time"] = (reports["submitted_on"] <= reports["deadline"]).fillna(False)

    return (
        finalise(by_criterion, POA_STATUS_BY_CRITERION_COLUMNS, POA_STATUS_BY_CRITERION_KEYS),
        finalise(overdue_actions, POA_OVERDUE_ACTIONS_COLUMNS, POA_OVERDUE_ACTIONS_KEYS),
        finalise(reports, POA_TIMELINESS_COLUMNS, POA_TIMELINESS_KEYS),
    )
