"""The source registry: one YAML file per source naming its kind, files, format and column map."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, DISPLACEMENT_ADMIN_LEVELS, ROUND_COLUMN
from ds_pipeline.lib.freshness import cadence_days
from ds_pipeline.lib.layouts import LAYOUTS
from ds_pipeline.lib.rounds import round_number
from ds_pipeline.lib.yaml_text import safe_values

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "hxl_csv")
ROUND_PLACEHOLDER = "{round}"
# Values of `delimiter:` (YAML "\t" is a tab; '\t' the two characters) and the delimiter each names.
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}
# Canonical column a registry's `date_column` maps: the date each round's rows speak for.
DATE_COLUMN = "reporting_date"


class RegistryError(ValueError):
    """A registry entry is malformed; the message names the file."""


# Keys a registry entry may hold (sources/README.md, "Registry format").
ENTRY_KEYS = (
    "source", "kind", "title", "provider", "files", "format", "encoding", "delimiter", "sheet", "header_row",
    "round_column", "date_column", "layout", "admin_level", "constants", "columns", "personal_data", "values",
    "cadence",
)


def _suggestion(name: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(known)}"


def check_entry_keys(data: Any, kind: str | None, where: str) -> None:
    """Refuse an entry that is not a mapping, an unknown key (with the closest known one) and, for a known kind, a
    `columns:` or `constants:` key that is not a canonical column of the kind (the survey's indicators, named in
    settings `survey.indicators`, are columns of their own)."""
    if not isinstance(data, dict):
        found = type(data).__name__
        raise RegistryError(f"{where}: expected a mapping of keys (source, kind, files, ...), got a {found}")
    for key in data:
        if str(key) not in ENTRY_KEYS:
            raise RegistryError(f"{where}: unknown key {str(key)!r}{_suggestion(str(key), ENTRY_KEYS)}")
    if kind not in CANONICAL_COLUMNS or kind == "household_survey":  # the survey also maps its indicator columns
        return
    canonical = list(CANONICAL_COLUMNS[kind])
    for section in ("columns", "constants"):
        mapping = data.get(section) or {}
        if not isinstance(mapping, dict):
            raise RegistryError(f"{where}: '{section}' must map canonical columns to values")
        for column in mapping:
            if str(column) not in canonical:
                raise RegistryError(f"{where}: {section}: {str(column)!r} is not a canonical column of kind "
                                    f"{kind!r}{_suggestion(str(column), canonical)}")


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
    encoding: str | None = None  # None: detected from the file's bytes (readers.detect_encoding)
    sheet: str | None = None
    header_row: int = 1
    constants: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    personal_data: tuple[str, ...] = ()
    find_header: bool = False  # header_row not given: the header is the first row holding the mapped names
    delimiter: str | None = None  # CSV delimiter; None: sniffed among comma, semicolon and tab
    round_column: str | None = None  # provider column holding each row's round number (instead of {round})
    layout: str | None = None  # name of the published layout the column map came from
    admin_level: str = "location"  # displacement: level of the figures (DISPLACEMENT_ADMIN_LEVELS)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> provider value -> code
    cadence_days: int | None = None  # expected days between deliveries (lib.freshness); None: no expectation

    @property
    def rounds_from_name(self) -> bool:
        return ROUND_PLACEHOLDER in self.files

    @property
    def round_based(self) -> bool:
        return self.rounds_from_name or self.round_column is not None

    def provider_column(self, canonical: str) -> str:
        """The provider's name for a canonical column (header text or HXL tag), or the canonical name."""
        if canonical == ROUND_COLUMN and self.round_column:
            return self.round_column
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
        """Round key of a file of this source ("" unless its name holds the round), or None if the path is not
        this source's. Files of a `round_column` source may hold several rounds: see readers.file_rounds."""
        match = self._file_regex().match(relative_path)
        if not match:
            return None
        return f"R{int(match.group('round'))}" if self.rounds_from_name else ""

    def discover(self, sources_dir: Path) -> list[SourceFile]:
        """Files of this source in the folder, sorted by round number then path."""
        root = Path(sources_dir)
        check_pattern(self.files, f"registry/{self.source_id}.yaml")
        glob = self.files.replace(ROUND_PLACEHOLDER, "*")
        regex = self._file_regex()
        inside = root.resolve()
        found: list[tuple[int, str, SourceFile]] = []
        for path in root.glob(glob):
            if not path.is_file() or path.name.startswith(("~$", ".")):
                continue
            if not path.resolve().is_relative_to(inside):  # a symlink (file or folder) leading out of the folder
                logger.warning("%s: %s leads outside the sources folder; not read", self.source_id, path)
                continue
            rel = path.relative_to(root).as_posix()
            match = regex.match(rel)
            if not match:
                continue
            round_id = f"R{int(match.group('round'))}" if self.rounds_from_name else ""
            number = int(match.group("round")) if self.rounds_from_name else 0
            found.append((number, rel, SourceFile(self.source_id, rel, round_id)))
        return [f for _, _, f in sorted(found, key=lambda t: (t[0], t[1]))]


def check_pattern(files: str, where: str) -> None:
    """A `files:` pattern must name files inside the sources folder: relative, without `..`."""
    if files.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", files) or PurePosixPath(files).is_absolute():
        raise RegistryError(f"{where}: 'files' must be a path inside the sources folder, got the absolute {files!r}")
    if ".." in re.split(r"[/\\]", files):
        raise RegistryError(f"{where}: 'files' must stay inside the sources folder; '..' is not allowed ({files!r})")


def _entry_from_yaml(path: Path) -> SourceEntry:
    try:
        data: dict[str, Any] = safe_values(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML ({exc})") from exc
    where = f"registry/{path.name}"
    check_entry_keys(data, data.get("kind") if isinstance(data, dict) else None, where)
    layout = _layout(data, where)
    for key in ("source", "kind", "files"):
        if not data.get(key):
            raise RegistryError(f"{where}: '{key}' is required")
    check_pattern(str(data["files"]), where)
    if not data.get("format"):
        data["format"] = _format_of(str(data["files"]), where)
    if data["source"] != path.stem:
        raise RegistryError(f"{where}: 'source' is {data['source']!r} but must equal the file name {path.stem!r}")
    kind = data["kind"]
    if kind not in CANONICAL_COLUMNS:
        raise RegistryError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(CANONICAL_COLUMNS)}")
    if data["format"] not in FORMATS:
        raise RegistryError(f"{where}: unknown format {data['format']!r}; expected one of {', '.join(FORMATS)}")
    columns, constants = _column_map(data, layout, kind, where)
    header_row = int(data.get("header_row", 1))
    if header_row < 1:
        raise RegistryError(f"{where}: header_row must be 1 or more")
    admin_level = str(data.get("admin_level", "location"))
    if admin_level not in DISPLACEMENT_ADMIN_LEVELS:
        levels = ", ".join(DISPLACEMENT_ADMIN_LEVELS)
        raise RegistryError(f"{where}: unknown admin_level {admin_level!r}; expected one of {levels}")
    return SourceEntry(
        source_id=data["source"],
        kind=kind,
        title=str(data.get("title", data["source"])),
        provider=str(data.get("provider", "")),
        files=str(data["files"]),
        format=data["format"],
        encoding=str(data["encoding"]) if data.get("encoding") else None,
        sheet=data.get("sheet"),
        header_row=header_row,
        constants=constants,
        columns=columns,
        personal_data=tuple(str(c) for c in (data.get("personal_data") or [])),
        admin_level=admin_level,
        find_header="header_row" not in data,
        delimiter=_delimiter(data, where),
        round_column=_round_column(data, layout, kind, where),
        layout=str(data["layout"]) if layout else None,
        values=_value_maps(data, kind, where),
        cadence_days=_cadence(data, where),
    )


def _cadence(data: dict[str, Any], where: str) -> int | None:
    """Days of `cadence:` (weekly, monthly, bimonthly, quarterly, half-yearly, yearly or a number of days)."""
    if data.get("cadence") is None:
        return None
    try:
        return cadence_days(data["cadence"])
    except ValueError as error:
        raise RegistryError(f"{where}: {error}") from None


def _value_maps(data: dict[str, Any], kind: str, where: str) -> dict[str, dict[str, str]]:
    """`values:` of an entry: canonical column -> provider value -> code, each code one the column accepts."""
    from ds_pipeline.lib.value_maps import accepted_codes

    given = data.get("values") or {}
    if not isinstance(given, dict):
        raise RegistryError(f"{where}: 'values' must map canonical columns to {{provider value: code}} mappings")
    maps: dict[str, dict[str, str]] = {}
    for column, mapping in given.items():
        if column not in CANONICAL_COLUMNS[kind]:
            raise RegistryError(f"{where}: values: {column!r} is not a canonical column of kind {kind!r}")
        if not isinstance(mapping, dict):
            raise RegistryError(f"{where}: values: {column} must map provider values to codes")
        codes = accepted_codes(kind, str(column))
        for value, code in mapping.items():
            if codes is not None and str(code) not in codes:
                raise RegistryError(
                    f"{where}: values: {column}: {value!r} maps to {code!r}, which is not one of {', '.join(codes)}"
                )
        maps[str(column)] = {str(k): str(v) for k, v in mapping.items()}
    return maps


def _layout(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The preset named by `layout:` ({} when none)."""
    name = data.get("layout")
    if name is None:
        return {}
    if name not in LAYOUTS:
        raise RegistryError(f"{where}: unknown layout {name!r}; expected one of {', '.join(LAYOUTS)}")
    return LAYOUTS[name]


def _column_map(
    data: dict[str, Any], layout: dict[str, Any], kind: str, where: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Columns and constants: the layout's, then the entry's own (which win), then `date_column`."""
    if layout and layout["kind"] != kind:
        raise RegistryError(f"{where}: layout {data['layout']!r} is for kind {layout['kind']!r}, not {kind!r}")
    own_columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    own_constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items()}
    columns = {k: v for k, v in (layout.get("columns") or {}).items() if k not in own_constants} | own_columns
    constants = {k: v for k, v in (layout.get("constants") or {}).items() if k not in own_columns} | own_constants
    if data.get("date_column"):
        if DATE_COLUMN not in CANONICAL_COLUMNS[kind]:
            raise RegistryError(f"{where}: date_column is for kinds with a {DATE_COLUMN} column, not {kind!r}")
        columns[DATE_COLUMN] = str(data["date_column"])
        constants.pop(DATE_COLUMN, None)
    return columns, constants


def _format_of(files: str, where: str) -> str:
    """Format implied by the file pattern's extension when `format:` is left out."""
    name = files.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    raise RegistryError(f"{where}: 'format' is required (the file pattern {files!r} does not tell)")


def _delimiter(data: dict[str, Any], where: str) -> str | None:
    if data.get("delimiter") is None:
        return None
    value = str(data["delimiter"])
    found = DELIMITERS.get(value, DELIMITERS.get(value.strip().casefold()))
    if found is None:
        raise RegistryError(f"{where}: delimiter must be comma (,), semicolon (;) or tab, got {value!r}")
    return found


def _round_column(data: dict[str, Any], layout: dict[str, Any], kind: str, where: str) -> str | None:
    """Provider column of each row's round, from the entry or its layout; never beside {round} in the name."""
    name = data.get("round_column", layout.get("round_column"))
    if not name:
        return None
    if ROUND_COLUMN not in CANONICAL_COLUMNS[kind]:
        raise RegistryError(f"{where}: round_column is for round-based kinds, not {kind!r}")
    if ROUND_PLACEHOLDER in str(data["files"]):
        if "round_column" in data:
            raise RegistryError(f"{where}: give the round either as {ROUND_PLACEHOLDER} in 'files' or as "
                                "'round_column', not both")
        return None  # the file name names the round: the layout's round column is not needed
    return str(name)


def load_registry(sources_dir: Path) -> list[SourceEntry]:
    """All registry entries of a sources folder, sorted by source id."""
    registry_dir = Path(sources_dir) / "registry"
    if not registry_dir.is_dir():
        raise RegistryError(f"no registry/ folder in the sources folder {sources_dir}")
    entries = [_entry_from_yaml(p) for p in sorted(registry_dir.glob("*.yaml"))]
    if not entries:
        raise RegistryError(f"registry/ in {sources_dir} holds no source entries")
    return entries


def discover_rounds(sources_dir: Path, registry: list[SourceEntry]) -> list[str]:
    """Round keys present in any round-based source (from file names, or from the round column of the files of
    a `round_column` source), sorted by number."""
    from ds_pipeline.lib.readers import file_rounds  # readers import this module

    rounds = {f.round_id for e in registry if e.round_based for f in file_rounds(sources_dir, e)}
    return sorted(rounds, key=round_number)
