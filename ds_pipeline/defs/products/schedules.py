"""Schedules (off by default): the DSTWG brief every Monday, the RWG pack on the first of each month."""

from datetime import date

import dagster as dg

from ds_pipeline.defs.partitions import weeks

dstwg_weekly_job = dg.define_asset_job(
    name="dstwg_weekly_brief", selection=["weekly_edition", "dstwg_brief"], partitions_def=weeks,
    description="Build this week's edition and its DSTWG brief.",
)
rwg_pack_job = dg.define_asset_job(
    name="rwg_dissemination_pack", selection=["weekly_edition", "dstwg_brief", "rwg_pack"], partitions_def=weeks,
    description="Build this week's edition, brief and RWG dissemination pack.",
)


def week_key(day: date) -> str:
    """Weekly partition key (the Monday) of the ISO week containing `day`."""
    year, week, _ = day.isocalendar()
    return date.fromisocalendar(year, week, 1).isoformat()


@dg.schedule(job=dstwg_weekly_job, cron_schedule="0 6 * * 1", execution_timezone="Asia/Baghdad",
             default_status=dg.DefaultScheduleStatus.STOPPED, description="Monday 06:00 Baghdad: this week's brief.")
def dstwg_weekly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(partition_key=week_key(context.scheduled_execution_time.date()))


@dg.schedule(job=rwg_pack_job, cron_schedule="0 7 1 * *", execution_timezone="Asia/Baghdad",
             default_status=dg.DefaultScheduleStatus.STOPPED, description="1st of the month 07:00: the RWG pack.")
def rwg_monthly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(partition_key=week_key(context.scheduled_execution_time.date()))
