"""The rule `date_not_in_future`: a date later than the day its file was received, plus a tolerance, is a typo."""

from __future__ import annotations

import pandas as pd

FUTURE_DATE_CHECK = "date_not_in_future"

# Dates that cannot lie after the day their file was received (plus settings `validation.future_date_tolerance_days`):
# the round's or report's date, an interview, a submission; for 3W/4W the start of an activity that is not planned
# and the end of a completed one (a deadline, `due_date`, or the planned end of an ongoing activity may lie ahead).
FUTURE_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "displacement": ("reporting_date",),
    "return_index": ("reporting_date",),
    "service_mapping": ("period_start", "period_end"),
    "poa_submission": ("report_month", "submitted_on"),
    "household_survey": ("interview_date",),
}


def future_dates(raw: pd.DataFrame, typed: pd.DataFrame, kind: str, tolerance_days: int) -> list[tuple[int, str, str]]:
    """(row index, column, message) of each date of `FUTURE_DATE_COLUMNS` later than its file's `received_at` day
    plus `tolerance_days`; a row whose file has no receipt time, or whose date is empty or unreadable, is not
    judged here."""
    if "received_at" not in raw.columns:
        return []
    received = pd.to_datetime(raw["received_at"], utc=True, errors="coerce").dt.tz_localize(None).dt.normalize()
    latest = received + pd.Timedelta(days=tolerance_days)
    found: list[tuple[int, str, str]] = []
    for column in FUTURE_DATE_COLUMNS.get(kind, ()):
        if column not in typed.columns:
            continue
        dates = typed[column]
        if column == "report_month":  # YYYY-MM: its first day
            dates = pd.to_datetime(dates, format="%Y-%m", errors="coerce")
        judged = pd.Series(True, index=typed.index)
        if column == "period_start":
            judged = typed["status"] != "planned"
        elif column == "period_end":
            judged = typed["status"] == "completed"
        future = judged & (dates > latest).fillna(False).astype(bool)
        for index in typed.index[future.to_numpy()]:
            shown = dates[index].strftime("%Y-%m" if column == "report_month" else "%Y-%m-%d")
            message = (
                f"{shown} is in the future: more than {tolerance_days} days after the file was received "
                f"({received[index]:%Y-%m-%d})"
            )
            found.append((int(index), column, message))
    return found
