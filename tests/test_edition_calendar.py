"""One calendar: ISO weeks, partition keys, as-of dates, report months; the schedules and the CLI default use it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ds_pipeline.lib.edition_calendar import (
    CalendarError,
    edition_of,
    last_complete_week,
    month_end,
    month_of,
    next_month_start,
    parse_report_month,
    parse_week,
    previous_week,
    week_as_of,
    week_of,
    week_of_partition_key,
    week_partition_key,
)

BAGHDAD = ZoneInfo("Asia/Baghdad")


def test_weeks_partition_keys_and_as_of_dates() -> None:
    assert parse_week(" 2026-w48 ") == "2026-W48"
    assert week_partition_key("2026-W48") == "2026-11-23"
    assert week_of_partition_key("2026-11-23") == "2026-W48"
    assert week_as_of("2026-W48") == dt.date(2026, 11, 29)
    assert week_as_of("2026-W01") == dt.date(2026, 1, 4)
    assert week_of(dt.date(2026, 11, 29)) == "2026-W48"
    assert edition_of(dt.date(2026, 11, 23)) == edition_of(dt.date(2026, 11, 29)) == "2026-W48"
    assert previous_week("2026-W01") == "2025-W52"
    assert previous_week("2027-W01") == "2026-W53"  # 2026 has 53 ISO weeks
    for bad in ("2026-47", "2026-W54", "2025-W53", "W47", ""):
        with pytest.raises(CalendarError):
            parse_week(bad)
    for bad in ("2026-W48", "2026-11-24", "20261123"):  # not a date, not a Monday, not written YYYY-MM-DD
        with pytest.raises(CalendarError):
            week_of_partition_key(bad)


def test_the_last_complete_week_is_the_same_on_every_day_of_the_next_week() -> None:
    for offset in range(7):  # Monday 2026-11-30 .. Sunday 2026-12-06
        assert last_complete_week(dt.date(2026, 11, 30) + dt.timedelta(days=offset)) == "2026-W48"
    assert last_complete_week(dt.date(2026, 11, 29)) == "2026-W47"  # on its Sunday, W48 has not ended yet
    assert week_as_of(last_complete_week(dt.date(2026, 11, 30))) == dt.date(2026, 11, 29)
    assert last_complete_week(dt.date(2027, 1, 2)) == "2026-W52"


def test_report_months() -> None:
    assert parse_report_month("2026-11") == "2026-11"
    assert month_end("2026-02") == dt.date(2026, 2, 28)
    assert month_end("2028-02") == dt.date(2028, 2, 29)
    assert month_end("2026-12") == dt.date(2026, 12, 31)
    assert next_month_start("2026-12") == dt.date(2027, 1, 1)
    assert month_of(dt.date(2026, 3, 9)) == "2026-03"
    for bad in ("2026-13", "2026-1", "26-11", " 2026-11", None):
        with pytest.raises(CalendarError):
            parse_report_month(bad)  # type: ignore[arg-type]


def _requested(defs: dg.Definitions, name: str, when: dt.datetime) -> str:
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    [request] = schedule.evaluate_tick(context).run_requests
    return request.partition_key


def test_monday_schedule_publishes_the_week_that_ended_on_sunday(defs: dg.Definitions) -> None:
    tick = dt.datetime(2026, 11, 30, 6, tzinfo=BAGHDAD)  # Monday 06:00 Baghdad (03:00 UTC)
    key = _requested(defs, "dstwg_weekly_schedule", tick)
    assert key == "2026-11-23"
    assert week_of_partition_key(key) == "2026-W48"
    assert week_as_of(week_of_partition_key(key)) == dt.date(2026, 11, 29)
    # the partition exists at the time of the tick
    weeks = defs.resolve_assets_def(dg.AssetKey("dstwg_brief")).partitions_def
    assert key in weeks.get_partition_keys(current_time=tick)
    # any day of the week gives the same partition; so does the same tick written in UTC
    for offset in range(7):
        assert _requested(defs, "dstwg_weekly_schedule", tick + dt.timedelta(days=offset)) == "2026-11-23"
    assert _requested(defs, "dstwg_weekly_schedule", tick.astimezone(dt.UTC)) == "2026-11-23"


def test_monthly_schedule_publishes_the_last_complete_week(defs: dg.Definitions) -> None:
    tick = dt.datetime(2026, 12, 1, 7, tzinfo=BAGHDAD)
    assert _requested(defs, "rwg_monthly_schedule", tick) == "2026-11-23"


def test_publish_defaults_to_the_last_complete_week(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ds_pipeline.run as run

    class Wednesday(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return dt.date(2026, 12, 2)

    class Resolved(Exception):
        pass

    def resolved(week: str) -> str:  # the week run_pipeline settled on, before anything runs
        raise Resolved(week)

    monkeypatch.setattr(run, "date", Wednesday)
    monkeypatch.setattr(run, "week_partition_key", resolved)
    with pytest.raises(Resolved) as default:
        run.run_pipeline(tmp_path, tmp_path / "out")
    assert default.value.args == ("2026-W48",)
    with pytest.raises(Resolved) as given:
        run.run_pipeline(tmp_path, tmp_path / "out", week="2026-w47")
    assert given.value.args == ("2026-W47",)
