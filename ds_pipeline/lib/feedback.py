"""Submission feedback: check one file against its registry entry, as the pipeline would, before it is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.readers import read_kind, read_source_file
from ds_pipeline.lib.registry import SourceEntry, SourceFile, load_registry
from ds_pipeline.lib.settings import load_settings, poa_area_of_pcode
from ds_pipeline.lib.validation import validate_raw


@dataclass
class FileCheck:
    source: SourceEntry
    relative_path: str
    rows_read: int
    rows_accepted: int
    quarantine: pd.DataFrame

    def render(self) -> str:
        lines = [
            f"{self.relative_path}: source {self.source.source_id} ({self.source.kind}, {self.source.format})",
            f"  rows read {self.rows_read}, accepted {self.rows_accepted}, rejected {len(self.quarantine)}",
        ]
        for row in self.quarantine.itertuples():
            lines.append(f"  - {row.reason}")
        if self.quarantine.empty:
            lines.append("  no problems found: the file can be dropped")
        return "\n".join(lines)


def find_source(sources_dir: Path, registry: list[SourceEntry], path: Path) -> tuple[SourceEntry, SourceFile]:
    """The registry entry whose file pattern covers `path` (a file inside the sources folder)."""
    relative = Path(path).resolve().relative_to(Path(sources_dir).resolve()).as_posix()
    for entry in registry:
        for source_file in entry.discover(sources_dir):
            if source_file.relative_path == relative:
                return entry, source_file
    patterns = ", ".join(f"{e.source_id}: {e.files}" for e in registry)
    raise LookupError(f"{relative} matches no registered source ({patterns})")


def check_file(sources_dir: Path, path: Path) -> FileCheck:
    """Read, validate and conform one file exactly as the pipeline does; nothing is written."""
    registry = load_registry(sources_dir)
    settings = load_settings(sources_dir)
    entry_of = {e.source_id: e for e in registry}
    entry, source_file = find_source(sources_dir, registry, path)
    indicators = list(settings["survey"]["indicators"]) if entry.kind == "household_survey" else []
    raw = read_source_file(sources_dir, entry, source_file)
    validated, rejected_validation = validate_raw(raw, entry.kind, entry_of, indicators)
    gazetteer_raw = read_kind(sources_dir, registry, "gazetteer")
    gazetteer_units, _ = validate_raw(gazetteer_raw, "gazetteer", entry_of)
    conformed, rejected_conforming = conform(
        validated,
        entry.kind,
        Gazetteer(gazetteer_units),
        poa_area_of_pcode(settings),
        [a["name"] for a in settings["poa_areas"]],
        entry_of,
    )
    quarantine = pd.concat([rejected_validation, rejected_conforming], ignore_index=True)
    quarantine = quarantine.assign(_row=pd.to_numeric(quarantine["source_row"], errors="coerce"))
    quarantine = quarantine.sort_values("_row", kind="stable").drop(columns="_row").reset_index(drop=True)
    return FileCheck(entry, source_file.relative_path, len(raw), len(conformed), quarantine)
