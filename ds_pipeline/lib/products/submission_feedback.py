"""Submission feedback reports: for every received file with rejected rows, which sheet, row and column, and why."""

from __future__ import annotations

import re

import pandas as pd

from ds_pipeline.lib.feedback import FileCheck
from ds_pipeline.lib.registry import SourceEntry

FOOTER = (
    "Fix the rows listed above in the provider's file and drop it again, or check it first with\n"
    "  ds-pipeline check <file> --sources <sources folder>\n"
    "Rows not listed were accepted. Nothing in this report is published."
)


def report_name(source_file: str) -> str:
    """File name of the report of one received file: files/poa/balad/POA_balad_2026-07.xlsx ->
    poa__balad__POA_balad_2026-07.xlsx.txt"""
    relative = re.sub(r"^files/", "", source_file)
    return relative.replace("/", "__") + ".txt"


def feedback_reports(
    inventory: pd.DataFrame, quarantine: pd.DataFrame, registry: list[SourceEntry]
) -> dict[str, str]:
    """One readable report per file that had rejected rows, keyed by report file name, in file order."""
    entry_of = {e.source_id: e for e in registry}
    reports: dict[str, str] = {}
    if quarantine.empty:
        return reports
    counts = inventory.groupby("source_file").agg(  # a file of several rounds has a row per round
        rows_read=("rows_read", "sum"), rows_accepted=("rows_accepted", "sum"), file_sha256=("file_sha256", "first")
    )
    for source_file, rejected in quarantine.groupby("source_file", sort=True):
        source_id = str(rejected["source_id"].iloc[0])
        entry = entry_of.get(source_id)
        if entry is None or source_file not in counts.index:
            continue
        info = counts.loc[source_file]
        ordered = rejected.assign(_row=pd.to_numeric(rejected["source_row"], errors="coerce"))
        ordered = ordered.sort_values(["_row", "stage"], kind="stable").drop(columns="_row")
        check = FileCheck(entry, source_file, int(info["rows_read"]), int(info["rows_accepted"]), ordered)
        provider = f" ({entry.provider})" if entry.provider else ""
        header = [
            f"Submission feedback: {entry.title}{provider}",
            f"File: {source_file} (SHA-256 {info['file_sha256'][:12]}...)",
            "",
        ]
        reports[report_name(source_file)] = "\n".join([*header, check.render(), "", FOOTER]) + "\n"
    return reports
