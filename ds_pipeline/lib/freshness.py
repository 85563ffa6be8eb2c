"""Source freshness: each source's expected cadence (registry `cadence:`) and which sources are stale at a date.

A source is stale when its latest data (the newest `data_as_of` of its files in the source inventory) is older
than its cadence plus a grace of half a cadence, or when it has no data at all. A source without a cadence is
never stale.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ds_pipeline.lib.registry import SourceEntry

# Named cadences and their length in days (a month and a quarter at their longest).
CADENCES: dict[str, int] = {
    "weekly": 7,
    "monthly": 31,
    "bimonthly": 62,
    "quarterly": 92,
    "half-yearly": 183,
    "yearly": 366,
}
# How a cadence reads in a sentence: "expected every quarter".
CADENCE_WORDS: dict[int, str] = {
    7: "every week",
    31: "every month",
    62: "every two months",
    92: "every quarter",
    183: "every half year",
    366: "every year",
}
# A source is late after its cadence, and stale after its cadence plus this share of it.
GRACE = 0.5


def cadence_days(value: Any) -> int:
    """Days of a registry `cadence:` value: a named cadence (CADENCES, any case) or a whole number of days (1 or
    more, also as text). Raises ValueError with what is accepted otherwise."""
    if isinstance(value, bool):  # YAML `yes` / `no`
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)} or a number of days, got {value!r}")
    if isinstance(value, int):
        days = value
    else:
        text = str(value).strip().casefold()
        if text in CADENCES:
            return CADENCES[text]
        if not text.isdigit():
            raise ValueError(f"cadence must be one of {', '.join(CADENCES)} or a number of days, got {value!r}")
        days = int(text)
    if days < 1:
        raise ValueError(f"cadence must be at least 1 day, got {value!r}")
    return days


def cadence_words(days: int) -> str:
    """"every quarter" for 92 days, "every 45 days" for 45."""
    return CADENCE_WORDS.get(days, f"every {days} days" if days != 1 else "every day")


def stale_after_days(days: int) -> int:
    """Age in days after which data of a source with this cadence is stale: the cadence plus the grace."""
    return days + math.ceil(days * GRACE)


@dataclass(frozen=True)
class StaleSource:
    """A source whose latest data is older than its cadence allows (or that has no data)."""

    source_id: str
    title: str
    cadence_days: int
    latest: dt.date | None  # None: no data on or before the date

    def message(self) -> str:
        """"Return Index: latest data 2026-06-30, expected every quarter — stale"."""
        latest = f"latest data {self.latest.isoformat()}" if self.latest else "no data"
        return f"{self.title}: {latest}, expected {cadence_words(self.cadence_days)} — stale"


def latest_data_by_source(inventory: pd.DataFrame) -> dict[str, dt.date]:
    """Newest `data_as_of` of each source of a source inventory (sources without a date are left out)."""
    if inventory.empty or "data_as_of" not in inventory.columns:
        return {}
    dates = pd.to_datetime(inventory["data_as_of"], errors="coerce")
    latest = dates.groupby(inventory["source_id"].astype(str)).max().dropna()
    return {str(source): stamp.date() for source, stamp in latest.items()}


def stale_sources(inventory: pd.DataFrame, registry: Iterable[SourceEntry], as_of: dt.date) -> list[StaleSource]:
    """Sources with a cadence whose latest data in `inventory` (source_id, data_as_of, ...) is more than
    `stale_after_days` before `as_of`, or that have none; in registry order. The inventory's `title` names a
    source when it has one, else the registry's title."""
    latest = latest_data_by_source(inventory)
    titles: dict[str, str] = {}
    if not inventory.empty and "title" in inventory.columns:
        titles = dict(zip(inventory["source_id"].astype(str), inventory["title"].astype(str), strict=True))
    stale = []
    for entry in registry:
        if entry.cadence_days is None:
            continue
        date = latest.get(entry.source_id)
        if date is None or (as_of - date).days > stale_after_days(entry.cadence_days):
            title = titles.get(entry.source_id) or entry.title
            stale.append(StaleSource(entry.source_id, title, entry.cadence_days, date))
    return stale
