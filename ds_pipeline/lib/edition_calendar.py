"""The one calendar of the pipeline: ISO weeks of editions, weekly partition keys, as-of dates and report months.

An edition is an ISO week written "2026-W47". Its weekly partition key is the week's Monday ("2026-11-16") and its
as-of date is the Sunday ending it (2026-11-22): only data dated on or before that Sunday is used. A week is
complete once its Sunday has passed, so on any day the latest edition that can be published in full is the last
complete week: the one whose Sunday is the Sunday before that day (on Monday 2026-11-30, 2026-W48 as of
2026-11-29). The schedules and `ds-pipeline publish` without `--week` publish that week.

POA report months are written "2026-11"; a month's report is assessed as of its last day.
"""

from __future__ import annotations

import datetime as dt
import re

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DAY_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CalendarError(ValueError):
    """A week or month that is not written as expected or does not exist."""


# --------------------------------------------------------------------------------------------------------------
# ISO weeks


def parse_week(text: str) -> str:
    """The ISO week `text` written canonically ("2026-w47 " -> "2026-W47"); CalendarError if it is not one."""
    cleaned = str(text).strip().upper()
    match = WEEK_PATTERN.match(cleaned)
    if not match:
        raise CalendarError(f"expected an ISO week like 2026-W47, got {text!r}")
    try:
        dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise CalendarError(f"{text!r} is not a week of that year") from exc
    return cleaned


def week_day(week: str, weekday: int) -> dt.date:
    """The day of ISO week `week` with ISO weekday `weekday` (1 = Monday .. 7 = Sunday)."""
    year, number = parse_week(week).split("-W")
    return dt.date.fromisocalendar(int(year), int(number), weekday)


def week_of(day: dt.date) -> str:
    """ISO week label of a date (2026-11-22 -> "2026-W47")."""
    year, number, _ = day.isocalendar()
    return f"{year:04d}-W{number:02d}"


def week_as_of(week: str) -> dt.date:
    """The as-of date of an edition: the Sunday ending ISO week `week` ("2026-W47" -> 2026-11-22)."""
    return week_day(week, 7)


def week_partition_key(week: str) -> str:
    """Weekly partition key of an edition: its Monday, YYYY-MM-DD ("2026-W47" -> "2026-11-16")."""
    return week_day(week, 1).isoformat()


def week_of_partition_key(partition_key: str) -> str:
    """ISO week label of a weekly partition key, a Monday written YYYY-MM-DD ("2026-11-16" -> "2026-W47")."""
    try:
        day = dt.date.fromisoformat(partition_key) if DAY_PATTERN.match(partition_key) else None
    except ValueError:
        day = None
    if day is None or day.isoweekday() != 1:
        raise CalendarError(f"expected a weekly partition key (a Monday, YYYY-MM-DD), got {partition_key!r}")
    return week_of(day)


def previous_week(week: str) -> str:
    """The ISO week before `week` ("2026-W01" -> "2025-W53" when 2025 has 53 weeks)."""
    return week_of(week_day(week, 1) - dt.timedelta(days=7))


def edition_of(day: dt.date) -> str:
    """The edition a day's data belongs to: the ISO week containing it (the first as-of Sunday on or after it)."""
    return week_of(day)


def last_complete_week(day: dt.date) -> str:
    """The latest ISO week that has ended before `day`: the week whose Sunday is the Sunday before `day`.

    Every day of a week gives the same answer (Monday 2026-11-30 .. Sunday 2026-12-06 -> "2026-W48"); on a
    Sunday the week ending that day is not complete yet.
    """
    return week_of(day - dt.timedelta(days=day.isoweekday()))


# --------------------------------------------------------------------------------------------------------------
# Report months


def parse_report_month(text: str) -> str:
    """`text` if it is a reporting month written YYYY-MM ("2026-11"), else CalendarError."""
    if not isinstance(text, str) or not MONTH_PATTERN.match(text):
        raise CalendarError(f"expected a reporting month written YYYY-MM (2026-11), got {text!r}")
    return text


def month_start(month: str) -> dt.date:
    """First day of a YYYY-MM month."""
    year, number = parse_report_month(month).split("-")
    return dt.date(int(year), int(number), 1)


def month_end(month: str) -> dt.date:
    """Last day of a YYYY-MM month: the date a month's POA report is assessed as of ("2026-02" -> 2026-02-28)."""
    return next_month_start(month) - dt.timedelta(days=1)


def next_month_start(month: str) -> dt.date:
    """First day of the month after a YYYY-MM month."""
    first = month_start(month)
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_of(day: dt.date) -> str:
    """The YYYY-MM month of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    """The YYYY-MM month before a YYYY-MM month."""
    return month_of(month_start(month) - dt.timedelta(days=1))


def latest_complete_area_month(day: dt.date, deadline_day: int) -> str:
    """The latest report month whose POA reporting deadline (day `deadline_day` of the following month) has passed
    on `day`: the month the area updates are published for (on 2026-11-30 with deadline day 10: "2026-10")."""
    month = previous_month(month_of(day))
    deadline = month_end(month) + dt.timedelta(days=deadline_day)
    return month if day > deadline else previous_month(month)
