"""Whether a stored round, or the ingestion of the sources read whole, is up to date: a fingerprint of everything
their rows depend on (their files, the gazetteer and p-code crosswalk they are conformed with, settings.yaml, the
registry and the pipeline's code), kept in the warehouse by `ds-pipeline publish` after each round or ingestion it
runs. A round (or the ingestion) whose fingerprint is unchanged is not run again; any change runs it again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ds_pipeline.lib.registry import SourceEntry, SourceFile
from ds_pipeline.lib.warehouse import read_table, table_exists, write_table

FINGERPRINT_TABLE = "round_fingerprints"
INGEST_KEY = "ingest"  # the sources read whole (gazetteer, 4W, POA workbooks, survey); round keys are R<number>
WHOLE_METRICS_KEY = "ingest metrics"  # the metrics computed from those sources alone (criteria, POA, services)
PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the package's Python and YAML files (a changed metric, rule or reader changes it)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in {".py", ".yaml"} and p.is_file()):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def configuration_fingerprint(
    sources_dir: Path, registry: list[SourceEntry], present: dict[str, list[SourceFile]], settings: dict[str, Any]
) -> str:
    """SHA-256 over settings.yaml, every registry entry, the gazetteer's files, the p-code crosswalk and the code."""
    digest = hashlib.sha256(code_fingerprint().encode())
    gazetteer = [f.relative_path for e in registry if e.kind == "gazetteer" for f in present.get(e.source_id, [])]
    crosswalk = [str(settings["pcode_crosswalk"])] if settings.get("pcode_crosswalk") else []
    paths = [sources_dir / "settings.yaml", *sorted((sources_dir / "registry").glob("*.y*ml")),
             *(sources_dir / p for p in sorted(gazetteer) + crosswalk)]
    for path in paths:
        if path.is_file():
            digest.update(path.relative_to(sources_dir).as_posix().encode())
            digest.update(_file_digest(path))
    return digest.hexdigest()


def round_fingerprints(
    sources_dir: Path, registry: list[SourceEntry], present: dict[str, list[SourceFile]], settings: dict[str, Any]
) -> dict[str, str]:
    """Round -> fingerprint of its files (paths and contents) and of what they are conformed with; under
    `INGEST_KEY`, the same over the files of the sources read whole."""
    configuration = configuration_fingerprint(sources_dir, registry, present, settings)
    files: dict[str, list[SourceFile]] = {INGEST_KEY: []}
    for source_files in present.values():
        for source_file in source_files:
            files.setdefault(source_file.round_id or INGEST_KEY, []).append(source_file)
    fingerprints = {}
    for key, key_files in files.items():
        digest = hashlib.sha256(configuration.encode())
        for source_file in sorted(key_files, key=lambda f: (f.source_id, f.relative_path)):
            digest.update(f"{source_file.source_id}:{source_file.relative_path}".encode())
            digest.update(_file_digest(sources_dir / source_file.relative_path))
        fingerprints[key] = digest.hexdigest()
    return fingerprints


def stored_fingerprints(engine: sa.Engine) -> dict[str, str]:
    """Round (or `INGEST_KEY`) -> fingerprint recorded by the last publish that ran it ({} for a new warehouse)."""
    if not table_exists(engine, FINGERPRINT_TABLE):
        return {}
    table = read_table(engine, FINGERPRINT_TABLE)
    return dict(zip(table["round_id"].astype(str), table["fingerprint"].astype(str), strict=True))


def record_fingerprints(engine: sa.Engine, fingerprints: dict[str, str], forget: Iterable[str] = ()) -> None:
    """Store the fingerprints of rounds just run (replacing theirs), dropping the rounds in `forget`."""
    current = stored_fingerprints(engine)
    current.update(fingerprints)
    for round_id in forget:
        current.pop(round_id, None)
    frame = pd.DataFrame(sorted(current.items()), columns=["round_id", "fingerprint"])
    write_table(engine, FINGERPRINT_TABLE, frame)
