"""Submission feedback: check one file against its registry entry, as the pipeline would, before it is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ds_pipeline.lib.admin_names import load_crosswalk
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.readers import read_kind, read_source_file
from ds_pipeline.lib.registry import SourceEntry, SourceFile, load_registry
from ds_pipeline.lib.settings import future_date_tolerance_days, household_sizes, load_settings, poa_area_of_pcode
from ds_pipeline.lib.validation import validate_raw


@dataclass
class FileCheck:
    source: SourceEntry
    relative_path: str
    rows_read: int
    rows_accepted: int
    quarantine: pd.DataFrame

    def render(self) -> str:
        """Counts, then one line per rejected row; a problem shared by three or more rows is one line."""
        lines = [
            f"{self.relative_path}: source {self.source.source_id} ({self.source.kind}, {self.source.format})",
            f"  rows read {self.rows_read}, accepted {self.rows_accepted}, rejected {len(self.quarantine)}",
        ]
        messages = self.quarantine["reason"].str.split(": ", n=1).str[-1] if not self.quarantine.empty else []
        shared = pd.Series(list(messages), dtype=object).value_counts()
        said: set[str] = set()
        for row, message in zip(self.quarantine.itertuples(), messages, strict=True):
            if shared[message] < 3:
                lines.append(f"  - {row.reason}")
            elif message not in said:
                said.add(message)
                rows = self.quarantine.loc[self.quarantine["reason"].str.endswith(": " + message), "source_row"]
                where = f"sheet {row.sheet}, " if row.sheet else ""
                column = f", column '{row.column}'" if row.column else ""
                lines.append(f"  - {where}rows {_row_ranges(rows)}{column}: {message}")
        if self.quarantine.empty:
            lines.append("  no problems found: the file can be dropped")
        return "\n".join(lines)


def _row_ranges(rows: pd.Series) -> str:
    """'5-14, 17' for rows 5 to 14 and 17."""
    numbers = sorted({int(r) for r in rows if str(r).isdigit()})
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "(no row numbers)"


def find_source(sources_dir: Path, registry: list[SourceEntry], path: Path) -> tuple[SourceEntry, SourceFile]:
    """The registry entry whose file pattern covers `path` (a file inside the sources folder)."""
    relative = Path(path).resolve().relative_to(Path(sources_dir).resolve()).as_posix()
    for entry in registry:
        for source_file in entry.discover(sources_dir):
            if source_file.relative_path == relative:
                return entry, source_file
    patterns = ", ".join(f"{e.source_id}: {e.files}" for e in registry)
    raise LookupError(f"{relative} matches no registered source ({patterns})")


def validate_and_conform(
    sources_dir: Path | None,
    registry: list[SourceEntry],
    settings: dict[str, Any],
    kind: str,
    raw: pd.DataFrame,
    gazetteer_units: pd.DataFrame | None = None,
    collect: dict[str, object] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate and conform raw rows of one kind as the pipeline does: (conformed rows, quarantine rows).

    The quarantine holds the rows rejected at either stage, sorted by file and row. `gazetteer_units`: validated
    gazetteer rows to conform against instead of the sources folder's; `collect`: see `validation.validate_raw`.
    """
    entry_of = {e.source_id: e for e in registry}
    indicators = list(settings["survey"]["indicators"]) if kind == "household_survey" else []
    validated, rejected_validation = validate_raw(
        raw, kind, entry_of, indicators, household_sizes(settings), future_date_tolerance_days(settings),
        collect=collect,
    )
    if gazetteer_units is None:
        gazetteer_raw = read_kind(Path(sources_dir or "."), registry, "gazetteer")
        gazetteer_units, _ = validate_raw(gazetteer_raw, "gazetteer", entry_of)
    conformed, rejected_conforming = conform(
        validated,
        kind,
        Gazetteer(gazetteer_units),
        poa_area_of_pcode(settings),
        [a["name"] for a in settings["poa_areas"]],
        entry_of,
        load_crosswalk(Path(sources_dir), settings) if sources_dir is not None else {},
    )
    quarantine = pd.concat([rejected_validation, rejected_conforming], ignore_index=True)
    quarantine = quarantine.assign(_row=pd.to_numeric(quarantine["source_row"], errors="coerce"))
    quarantine = quarantine.sort_values(["source_file", "_row"], kind="stable").drop(columns="_row")
    return conformed, quarantine.reset_index(drop=True)


def check_file(sources_dir: Path, path: Path) -> FileCheck:
    """Read, validate and conform one file exactly as the pipeline does; nothing is written."""
    registry = load_registry(sources_dir)
    settings = load_settings(sources_dir)
    entry, source_file = find_source(sources_dir, registry, path)
    raw = read_source_file(sources_dir, entry, source_file)
    conformed, quarantine = validate_and_conform(sources_dir, registry, settings, entry.kind, raw)
    return FileCheck(entry, source_file.relative_path, len(raw), len(conformed), quarantine)
