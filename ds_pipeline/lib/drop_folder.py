"""What changed in a sources folder since the last look: new or changed files, by round and for whole sources."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ds_pipeline.lib.readers import file_rounds, file_sha256
from ds_pipeline.lib.registry import SourceEntry, round_number


@dataclass(frozen=True)
class FolderChanges:
    """Files new or changed since `previous` (path -> sha256), grouped by what has to run again."""

    files: dict[str, str]  # every registered file now, path -> sha256 ("path#R129" per round of a multi-round file)
    rounds: dict[str, str] = field(default_factory=dict)  # round id -> fingerprint of that round's files
    unpartitioned: str = ""  # fingerprint of all unpartitioned files, "" if none of them changed
    removed_rounds: tuple[str, ...] = ()  # rounds whose every file has gone

    @property
    def any(self) -> bool:
        return bool(self.rounds or self.unpartitioned or self.removed_rounds)


def _fingerprint(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path]}\n".encode())
    return digest.hexdigest()[:16]


def folder_changes(sources_dir: Path, registry: list[SourceEntry], previous: dict[str, str]) -> FolderChanges:
    """Compare the registered files of a sources folder with the hashes seen last time. A file of a
    `round_column` source is keyed once per round its rows name ("files/dtm.csv#R129"), so a change to it re-runs
    each of its rounds, and a round that leaves its contents counts as a removed file of that round."""
    now: dict[str, str] = {}
    round_of: dict[str, str] = {}
    for entry in registry:
        for source_file in file_rounds(sources_dir, entry):
            key = source_file.relative_path + (f"#{source_file.round_id}" if entry.round_column else "")
            now[key] = file_sha256(Path(sources_dir) / source_file.relative_path)
            round_of[key] = source_file.round_id
    changed = {p: round_of[p] for p, sha in now.items() if previous.get(p) != sha}
    for key in previous.keys() - now.keys():  # a removed file changes what its round or source holds
        path, _, round_id = key.rpartition("#")
        if not re.fullmatch(r"R\d+", round_id):
            path, round_id = key, ""
        found = [round_id] if round_id else [r for r in (e.round_of(path) for e in registry) if r is not None]
        if found:
            changed[key] = found[0]
    present = set(round_of.values())
    rounds: dict[str, str] = {}
    for round_id in sorted({r for r in changed.values() if r and r in present}, key=round_number):
        rounds[round_id] = _fingerprint({p: s for p, s in now.items() if round_of[p] == round_id})
    removed = tuple(sorted({r for r in changed.values() if r and r not in present}, key=round_number))
    unpartitioned_changed = any(not r for r in changed.values())
    unpartitioned = _fingerprint({p: s for p, s in now.items() if not round_of[p]}) if unpartitioned_changed else ""
    return FolderChanges(files=now, rounds=rounds, unpartitioned=unpartitioned, removed_rounds=removed)
