"""Area updates: one per POA area and report month, in English and Arabic, HTML and PDF, published under
`areas/<YYYY-MM>/`; a monthly schedule (off by default) builds them the day after the POA reporting deadline."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from ds_pipeline.defs.jobs import area_updates_job
from ds_pipeline.defs.metadata import OWNERS
from ds_pipeline.defs.partitions import months
from ds_pipeline.defs.resources import PublishFolder, SourcesFolder
from ds_pipeline.lib.edition_calendar import latest_complete_area_month
from ds_pipeline.lib.products.area_publish import AREA_TABLES, ROUND_TABLES, AreaPublicationError, publish_area_updates

TIMEZONE = "Asia/Baghdad"


def month_of_partition_key(partition_key: str) -> str:
    """YYYY-MM of a monthly partition key (its first day, 2026-10-01)."""
    return partition_key[:7]


def month_partition_key(month: str) -> str:
    return f"{month}-01"


@dg.asset(  # files (HTML and PDF), no table: no column schema
    group_name="products",
    partitions_def=months,
    kinds={"html", "pdf"},
    owners=OWNERS,
    ins={name: dg.AssetIn(name, partition_mapping=dg.AllPartitionMapping() if name in ROUND_TABLES else None)
         for name in AREA_TABLES},
    description="Area updates of one POA report month: each POA area in English and Arabic, HTML and PDF, "
    "as of the month's last day, with the brief's disclosure control.",
)
def area_updates(
    context: dg.AssetExecutionContext, publish: PublishFolder, sources: SourcesFolder, **tables: pd.DataFrame
) -> dg.MaterializeResult:
    month = month_of_partition_key(context.partition_key)
    try:
        published = publish_area_updates(dict(tables), month, sources.settings(), publish.root)
    except AreaPublicationError as error:
        raise dg.Failure(description=f"{error}; nothing was published") from None
    for line in published.lines():
        context.log.info(line)
    return dg.MaterializeResult(metadata={
        "month": month,
        "folder": dg.MetadataValue.path(str(published.folder)),
        "files": len(published.files),
        "pages": dg.MetadataValue.json(published.pages),
        "suppressed_cells": published.suppressed_cells,
    })


def deadline_day(sources: SourcesFolder) -> int:
    return int((sources.settings().get("poa", {}) or {}).get("deadline_day", 10))


@dg.schedule(job=area_updates_job, cron_schedule="0 7 * * *", execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Daily 07:00 Baghdad: on the day after the POA reporting deadline, the area updates of the "
             "month the reports cover (other days: nothing).")
def area_updates_schedule(
    context: dg.ScheduleEvaluationContext, sources: SourcesFolder
) -> dg.RunRequest | dg.SkipReason:
    when = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
    day = (when.astimezone(ZoneInfo(TIMEZONE)) if when.tzinfo else when).date()
    deadline = deadline_day(sources)
    if day.day != deadline + 1:
        return dg.SkipReason(f"area updates are built on day {deadline + 1} of the month")
    return dg.RunRequest(partition_key=month_partition_key(latest_complete_area_month(day, deadline)))
