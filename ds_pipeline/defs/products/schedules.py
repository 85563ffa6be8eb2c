"""Schedules (off by default): the DSTWG brief every Monday, the RWG pack on the first of each month.

Both publish the last complete ISO week on the day of their tick (as of the Sunday before it), like
`ds-pipeline publish` without `--week`.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from ds_pipeline.defs.jobs import dstwg_weekly_job, weekly_products_job
from ds_pipeline.lib.edition_calendar import last_complete_week, week_partition_key

TIMEZONE = "Asia/Baghdad"


def week_key(day: date) -> str:
    """Weekly partition key (the Monday) of the last complete ISO week on `day` (the day of the tick, local)."""
    return week_partition_key(last_complete_week(day))


def tick_day(context: dg.ScheduleEvaluationContext) -> date:
    """The day of the tick in Baghdad (a time without a zone is taken as Baghdad time)."""
    when = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
    return (when.astimezone(ZoneInfo(TIMEZONE)) if when.tzinfo else when).date()


@dg.schedule(job=dstwg_weekly_job, cron_schedule="0 6 * * 1", execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Monday 06:00 Baghdad: the brief of the week that ended on Sunday.")
def dstwg_weekly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(partition_key=week_key(tick_day(context)))


@dg.schedule(job=weekly_products_job, cron_schedule="0 7 1 * *", execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="1st of the month 07:00 Baghdad: the RWG pack of the last complete week.")
def rwg_monthly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(partition_key=week_key(tick_day(context)))
