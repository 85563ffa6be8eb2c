"""Before a publish: a sources folder must hold files of every registered source, and a stored round is withdrawn
only when its own files are gone while other files of the same source are present."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ds_pipeline.lib.readers import file_rounds
from ds_pipeline.lib.registry import RegistryError, SourceEntry, SourceFile, round_number

UNTOUCHED = "nothing was run and the warehouse is untouched"


class SourcesFolderError(RegistryError):
    """The sources folder cannot be published from (files/ missing, empty or unreadable, or a registered source
    without any file); the message names the folder."""


@dataclass(frozen=True)
class Withdrawal:
    """A stored round whose files are gone from some sources while other files of those sources are present."""

    round_id: str
    sources: tuple[str, ...]  # titles of the sources whose files of this round are gone
    whole_round: bool  # no source has files of this round any more: the round leaves the warehouse

    def render(self) -> str:
        titles = ", ".join(self.sources)
        if self.whole_round:
            return f"withdrawn: {self.round_id} (its files are gone; other files of {titles} present)"
        return (
            f"withdrawn: {self.round_id} of {titles} (its files are gone; other files of {titles} present; "
            "the round stays with its other sources)"
        )


LATE_ROUND_CHECK = "round_not_below_latest_stored"


@dataclass(frozen=True)
class LateRound:
    """A round new to the warehouse whose number is below the latest round stored of its source: a back-filled
    round, or a mistyped round number. Reported with the run, and loaded (a missed round may be delivered late)."""

    source: str  # the source's title
    round_id: str
    latest: str  # the latest round the warehouse holds of the source
    files: tuple[str, ...]

    def render(self) -> str:
        return (
            f"warning ({LATE_ROUND_CHECK}): {self.source}: new round {self.round_id} ({', '.join(self.files)}) is "
            f"below the latest stored round {self.latest}; loaded as a late round: check its number if it is not one"
        )


def late_rounds(
    registry: list[SourceEntry], present: dict[str, list[SourceFile]], stored: dict[str, set[str]]
) -> list[LateRound]:
    """Rounds of files present now that the warehouse never held for their source, numbered below the latest round
    it holds of that source (`stored`: source id -> stored rounds, as for `withdrawn_rounds`)."""
    found: list[LateRound] = []
    for entry in registry:
        held = {r for r in stored.get(entry.source_id, set()) if r[1:].isdigit()}
        if not entry.round_based or not held:
            continue
        latest = max(held, key=round_number)
        files: dict[str, list[str]] = {}
        for source_file in present.get(entry.source_id, []):
            round_id = source_file.round_id
            if round_id[1:].isdigit() and round_id not in held and round_number(round_id) < round_number(latest):
                files.setdefault(round_id, []).append(source_file.relative_path)
        found += [LateRound(entry.title, r, latest, tuple(sorted(files[r]))) for r in sorted(files, key=round_number)]
    return found


def _raise_unreadable(error: OSError) -> None:
    raise SourcesFolderError(f"{error.filename}: cannot be read ({error.strerror}); {UNTOUCHED}") from error


def present_files(sources_dir: Path, registry: list[SourceEntry]) -> dict[str, list[SourceFile]]:
    """The files of every registered source, by source id; a file of a `round_column` source is listed once per
    round its rows name. Raises SourcesFolderError naming the folder when `files/` is missing, not a folder,
    unreadable or empty, when a registered source has no file at all, or when no round can be read from the
    files of a `round_column` source: a publish never reads absent files as "every round withdrawn"."""
    sources_dir = Path(sources_dir)
    files_dir = sources_dir / "files"
    if not files_dir.exists():
        raise SourcesFolderError(f"the sources folder {sources_dir} has no files/ folder ({files_dir}); {UNTOUCHED}")
    if not files_dir.is_dir():
        raise SourcesFolderError(f"{files_dir} is not a folder (sources folder {sources_dir}); {UNTOUCHED}")
    visible = 0
    for _, _, names in os.walk(files_dir, onerror=_raise_unreadable):
        visible += sum(1 for name in names if not name.startswith((".", "~$")))
    if not visible:
        raise SourcesFolderError(f"the files/ folder {files_dir} is empty; {UNTOUCHED}")
    found = {entry.source_id: entry.discover(sources_dir) for entry in registry}
    missing = [entry for entry in registry if not found[entry.source_id]]
    if missing:
        listed = "; ".join(f"{e.source_id} ({e.kind}, {e.files})" for e in missing)
        raise SourcesFolderError(
            f"no file of registered source(s) {listed} in {files_dir}: restore the files or remove the registry "
            f"entry; {UNTOUCHED}"
        )
    unreadable = [f.relative_path for files in found.values() for f in files
                  if not os.access(sources_dir / f.relative_path, os.R_OK)]
    if unreadable:
        raise SourcesFolderError(f"cannot read {', '.join(unreadable)} in {sources_dir}; {UNTOUCHED}")
    for entry in registry:
        if entry.round_column:
            found[entry.source_id] = file_rounds(sources_dir, entry)
            if not found[entry.source_id]:
                raise SourcesFolderError(
                    f"no round could be read from the round column '{entry.round_column}' of the files of "
                    f"{entry.source_id} ({entry.files}) in {sources_dir}: check them with `ds-pipeline check`; "
                    f"{UNTOUCHED}"
                )
    return found


def rounds_present(registry: list[SourceEntry], present: dict[str, list[SourceFile]]) -> list[str]:
    """Round keys with files in any round-based source, sorted by number."""
    rounds = {f.round_id for e in registry if e.round_based for f in present.get(e.source_id, [])}
    return sorted(rounds, key=round_number)


def withdrawn_rounds(
    registry: list[SourceEntry], present: dict[str, list[SourceFile]], stored: dict[str, set[str]]
) -> list[Withdrawal]:
    """Stored rounds to withdraw. `stored` maps a source id to the rounds the warehouse holds rows of (seen
    before). A round is withdrawn from a source only when none of that source's files of the round exist now
    while other files of the source are present; a source with no file at all withdraws nothing, and a round
    the warehouse never held is never withdrawn."""
    gone: dict[str, list[str]] = {}
    for entry in registry:
        if not entry.round_based:
            continue
        now = {f.round_id for f in present.get(entry.source_id, [])}
        if not now:
            continue
        for round_id in stored.get(entry.source_id, set()) - now:
            gone.setdefault(round_id, []).append(entry.title)
    current = set(rounds_present(registry, present))
    return [
        Withdrawal(round_id, tuple(gone[round_id]), round_id not in current)
        for round_id in sorted(gone, key=round_number)
    ]
