"""The source registry: one YAML file per source naming its kind, files, format and column map."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS

FORMATS = ("csv", "xlsx", "hxl_csv")
ROUND_PLACEHOLDER = "{round}"


class RegistryError(ValueError):
    """A registry entry is malformed; the message names the file."""


@dataclass(frozen=True)
class SourceFile:
    """One data file of a source, as found in the sources folder."""

    source_id: str
    relative_path: str  # posix path relative to the sources folder
    round_id: str  # "R131" for round-based sources, "" otherwise


@dataclass(frozen=True)
class SourceEntry:
    """A parsed registry entry."""

    source_id: str
    kind: str
    title: str
    provider: str
    files: str
    format: str
    encoding: str = "utf-8-sig"
    sheet: str | None = None
    header_row: int = 1
    constants: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    personal_data: tuple[str, ...] = ()

    @property
    def round_based(self) -> bool:
        return ROUND_PLACEHOLDER in self.files

    def provider_column(self, canonical: str) -> str:
        """The provider's name for a canonical column (header text or HXL tag), or the canonical name."""
        if canonical in self.columns:
            return self.columns[canonical]
        if canonical in self.constants:
            return f"(constant {canonical})"
        return canonical

    def _file_regex(self) -> re.Pattern[str]:
        parts = [re.escape(p) for p in self.files.split(ROUND_PLACEHOLDER)]
        pattern = r"(?P<round>\d+)".join(parts)
        pattern = pattern.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        return re.compile(f"^{pattern}$")

    def round_of(self, relative_path: str) -> str | None:
        """Round key of a file of this source ("" if not round-based), or None if the path is not this source's."""
        match = self._file_regex().match(relative_path)
        if not match:
            return None
        return f"R{int(match.group('round'))}" if self.round_based else ""

    def discover(self, sources_dir: Path) -> list[SourceFile]:
        """Files of this source in the folder, sorted by round number then path."""
        root = Path(sources_dir)
        glob = self.files.replace(ROUND_PLACEHOLDER, "*")
        regex = self._file_regex()
        found: list[tuple[int, str, SourceFile]] = []
        for path in root.glob(glob):
            if not path.is_file() or path.name.startswith(("~$", ".")):
                continue
            rel = path.relative_to(root).as_posix()
            match = regex.match(rel)
            if not match:
                continue
            round_id = f"R{int(match.group('round'))}" if self.round_based else ""
            number = int(match.group("round")) if self.round_based else 0
            found.append((number, rel, SourceFile(self.source_id, rel, round_id)))
        return [f for _, _, f in sorted(found, key=lambda t: (t[0], t[1]))]


def _entry_from_yaml(path: Path) -> SourceEntry:
    try:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML ({exc})") from exc
    where = f"registry/{path.name}"
    for key in ("source", "kind", "files", "format"):
        if not data.get(key):
            raise RegistryError(f"{where}: '{key}' is required")
    if data["source"] != path.stem:
        raise RegistryError(f"{where}: 'source' is {data['source']!r} but must equal the file name {path.stem!r}")
    kind = data["kind"]
    if kind not in CANONICAL_COLUMNS:
        raise RegistryError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(CANONICAL_COLUMNS)}")
    if data["format"] not in FORMATS:
        raise RegistryError(f"{where}: unknown format {data['format']!r}; expected one of {', '.join(FORMATS)}")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items()}
    header_row = int(data.get("header_row", 1))
    if header_row < 1:
        raise RegistryError(f"{where}: header_row must be 1 or more")
    return SourceEntry(
        source_id=data["source"],
        kind=kind,
        title=str(data.get("title", data["source"])),
        provider=str(data.get("provider", "")),
        files=str(data["files"]),
        format=data["format"],
        encoding=str(data.get("encoding", "utf-8-sig")),
        sheet=data.get("sheet"),
        header_row=header_row,
        constants=constants,
        columns=columns,
        personal_data=tuple(str(c) for c in (data.get("personal_data") or [])),
    )


def load_registry(sources_dir: Path) -> list[SourceEntry]:
    """All registry entries of a sources folder, sorted by source id."""
    registry_dir = Path(sources_dir) / "registry"
    if not registry_dir.is_dir():
        raise RegistryError(f"no registry/ folder in the sources folder {sources_dir}")
    entries = [_entry_from_yaml(p) for p in sorted(registry_dir.glob("*.yaml"))]
    if not entries:
        raise RegistryError(f"registry/ in {sources_dir} holds no source entries")
    return entries


def entries_of_kind(registry: list[SourceEntry], kind: str) -> list[SourceEntry]:
    return [e for e in registry if e.kind == kind]


def round_number(round_id: str) -> int:
    """Integer of a round key: "R131" -> 131."""
    return int(round_id.lstrip("Rr"))


def discover_rounds(sources_dir: Path, registry: list[SourceEntry]) -> list[str]:
    """Round keys present in any round-based source, sorted by number."""
    rounds = {f.round_id for e in registry if e.round_based for f in e.discover(sources_dir)}
    return sorted(rounds, key=round_number)
