"""Source inventory and quarantine log: rows read, accepted and quarantined per file (and round), data as-of dates.

A file holding several rounds (a source with a round column) has one inventory row per round it holds, each
with its own counts and as-of date, so an edition dated between two rounds counts the rounds it may use."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.canonical import QUARANTINE_COLUMNS
from ds_pipeline.lib.registry import SourceEntry
from ds_pipeline.lib.warehouse import ROWS_COLUMN

# Columns of a raw table the inventory counts rows by, and the column giving each kind's data as-of date.
FILE_COLUMNS = ["source_id", "source_file", "file_sha256", "round_id"]
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


# A 3W/4W row's data as-of date is its period end, else its start, else the day its file was received
# (services.presence_period): the inventory reads all three.
EXTRA_DATE_COLUMNS_OF_KIND = {"service_mapping": ["period_start", "received_at"]}


def raw_count_columns(kind: str) -> list[str]:
    """The columns a raw table's rows are counted by for the inventory: file, round and what dates the rows."""
    return [*FILE_COLUMNS, DATE_COLUMN_OF_KIND[kind], *EXTRA_DATE_COLUMNS_OF_KIND.get(kind, [])]


def conformed_count_columns(by_round: bool) -> list[str]:
    """The columns a conformed table's rows are counted by: file, and round for a source split by round."""
    return ["source_file", "round_id"] if by_round else ["source_file"]


def _rows(frame: pd.DataFrame) -> pd.Series:
    """How many rows each row of `frame` stands for: its count in a counted read (`warehouse.count_rows`), else 1."""
    if ROWS_COLUMN in frame.columns:
        return frame[ROWS_COLUMN].astype("int64")
    return pd.Series(1, index=frame.index, dtype="int64")


def _file_round(frame: pd.DataFrame) -> list[pd.Series]:
    """Group keys of rows by file and round ("" for a source not split by round)."""
    rounds = (frame["round_id"].fillna("").astype(str) if "round_id" in frame.columns
              else pd.Series("", index=frame.index, dtype=object))
    return [frame["source_file"].astype(str).rename("source_file"), rounds.rename("round_id")]


def _data_as_of(raw: pd.DataFrame, kind: str) -> pd.Series:
    """Latest date the rows of each file and round speak for, by (source_file, round_id)."""
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
    return dates.groupby(_file_round(raw)).max()


def source_inventory(
    raw: dict[str, pd.DataFrame],
    conformed: dict[str, pd.DataFrame],
    quarantine: pd.DataFrame,
    registry: list[SourceEntry],
) -> pd.DataFrame:
    """One row per source file and round it holds. rows_accepted counts conformed rows, so rows_read = accepted +
    quarantined holds only if no stage lost or duplicated a row (checked before publication). Raw and conformed
    frames may be rows, or counts of rows by their columns (`raw_count_columns`, `conformed_count_columns`)."""
    entry_of = {e.source_id: e for e in registry}
    quarantined = quarantine.groupby(_file_round(quarantine)).size() if not quarantine.empty else {}
    rows = []
    for kind, frame in raw.items():
        if frame.empty:
            continue
        as_of = _data_as_of(frame, kind)
        kept = conformed[kind]
        accepted = _rows(kept).groupby(_file_round(kept)).sum() if not kept.empty else {}
        source_file, round_id = _file_round(frame)
        files = frame.assign(source_file=source_file, round_id=round_id, rows_read=_rows(frame)).groupby(
            ["source_id", "source_file", "round_id"], sort=True
        ).agg(file_sha256=("file_sha256", "first"), rows_read=("rows_read", "sum"))
        for (source_id, source_file, round_id), info in files.iterrows():
            entry = entry_of.get(source_id)
            key = (source_file, round_id)
            rows.append(
                {
                    "source_id": source_id,
                    "kind": kind,
                    "title": entry.title if entry else source_id,
                    "provider": entry.provider if entry else "",
                    "source_file": source_file,
                    "file_sha256": info["file_sha256"],
                    "round_id": round_id,
                    "data_as_of": as_of.get(key, pd.NaT),
                    "rows_read": int(info["rows_read"]),
                    "rows_accepted": int(accepted.get(key, 0)),  # no row of it accepted: a true count
                    "rows_quarantined": int(quarantined.get(key, 0)),  # no row of it quarantined: a true count
                }
            )
    inventory = pd.DataFrame(rows, columns=INVENTORY_COLUMNS)
    inventory["data_as_of"] = pd.to_datetime(inventory["data_as_of"])
    number = inventory["round_id"].str.extract(r"(\d+)", expand=False).astype(float).fillna(-1)
    inventory = inventory.assign(_round=number).sort_values(["source_id", "source_file", "_round"], kind="stable")
    return inventory.drop(columns="_round").reset_index(drop=True)


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
