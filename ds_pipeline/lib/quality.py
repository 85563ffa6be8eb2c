"""Source inventory and quarantine log: rows read, accepted and quarantined per file, and data as-of dates."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.canonical import QUARANTINE_COLUMNS
from ds_pipeline.lib.registry import SourceEntry

# Columns of a raw table the inventory reads, and the column giving each kind's data as-of date.
FILE_COLUMNS = ["source_id", "source_file", "file_sha256", "round_id", "source_row"]
DATE_COLUMN_OF_KIND = {
    "gazetteer": "valid_from",
    "displacement": "reporting_date",
    "return_index": "reporting_date",
    "service_mapping": "period_end",
    "poa_submission": "report_month",
    "household_survey": "interview_date",
}

INVENTORY_COLUMNS = [
    "source_id", "kind", "title", "provider", "source_file", "file_sha256", "round_id", "data_as_of",
    "rows_read", "rows_accepted", "rows_quarantined",
]


def _data_as_of(raw: pd.DataFrame, kind: str) -> pd.Series:
    """Latest date the rows of each file speak for, by source_file."""
    if raw.empty:
        return pd.Series(dtype="datetime64[ns]")
    column = DATE_COLUMN_OF_KIND[kind]
    if kind == "poa_submission":
        months = pd.to_datetime(raw[column] + "-01", format="%Y-%m-%d", errors="coerce")
        dates = months + pd.offsets.MonthEnd(0)
    elif kind == "service_mapping":  # a 3W without periods speaks for the day it was received (presence_period)
        from ds_pipeline.lib.metrics.services import presence_period

        dates = presence_period(raw)[1]
    else:
        dates = pd.to_datetime(raw[column], format="%Y-%m-%d", errors="coerce")
    return dates.groupby(raw["source_file"]).max()


def source_inventory(
    raw: dict[str, pd.DataFrame],
    conformed: dict[str, pd.DataFrame],
    quarantine: pd.DataFrame,
    registry: list[SourceEntry],
) -> pd.DataFrame:
    """One row per source file. rows_accepted counts conformed rows, so rows_read = accepted + quarantined holds
    only if no stage lost or duplicated a row (checked before publication)."""
    entry_of = {e.source_id: e for e in registry}
    quarantined = quarantine.groupby("source_file").size() if not quarantine.empty else pd.Series(dtype="int64")
    rows = []
    for kind, frame in raw.items():
        if frame.empty:
            continue
        as_of = _data_as_of(frame, kind)
        accepted = conformed[kind].groupby("source_file").size() if not conformed[kind].empty else {}
        files = frame.groupby(["source_id", "source_file"], sort=True).agg(
            file_sha256=("file_sha256", "first"), round_id=("round_id", "first"), rows_read=("source_row", "size")
        )
        for (source_id, source_file), info in files.iterrows():
            entry = entry_of.get(source_id)
            rows.append(
                {
                    "source_id": source_id,
                    "kind": kind,
                    "title": entry.title if entry else source_id,
                    "provider": entry.provider if entry else "",
                    "source_file": source_file,
                    "file_sha256": info["file_sha256"],
                    "round_id": info["round_id"] or "",
                    "data_as_of": as_of.get(source_file, pd.NaT),
                    "rows_read": int(info["rows_read"]),
                    "rows_accepted": int(accepted.get(source_file, 0)),
                    "rows_quarantined": int(quarantined.get(source_file, 0)),
                }
            )
    inventory = pd.DataFrame(rows, columns=INVENTORY_COLUMNS)
    inventory["data_as_of"] = pd.to_datetime(inventory["data_as_of"])
    return inventory.sort_values(["source_id", "source_file"], kind="stable").reset_index(drop=True)


def quarantine_log(rejected: list[pd.DataFrame]) -> pd.DataFrame:
    """All quarantined rows of every source and stage, in file and row order."""
    frames = [f for f in rejected if not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    log = pd.concat(frames, ignore_index=True)[list(QUARANTINE_COLUMNS)]
    log["_row"] = pd.to_numeric(log["source_row"], errors="coerce")
    log = log.sort_values(["source_id", "source_file", "_row", "stage"], kind="stable")
    return log.drop(columns="_row").reset_index(drop=True)


def unreconciled_files(inventory: pd.DataFrame) -> pd.DataFrame:
    """Files whose rows read differ from rows accepted plus rows quarantined."""
    balance = inventory["rows_read"] - inventory["rows_accepted"] - inventory["rows_quarantined"]
    return inventory.loc[balance != 0, ["source_id", "source_file", "rows_read", "rows_accepted", "rows_quarantined"]]
