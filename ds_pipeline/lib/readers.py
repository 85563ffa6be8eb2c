"""Read a source's files as received (CSV, XLSX, HXL-tagged CSV) into canonical text columns with provenance."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, PROVENANCE_COLUMNS, ROUND_COLUMN
from ds_pipeline.lib.registry import SourceEntry, SourceFile

# Raw rows carry this column: "" when the row was read cleanly, else why the file or row could not be read.
READ_PROBLEM = "read_problem"


def extra_columns(entry: SourceEntry) -> list[str]:
    """Mapped columns beyond the kind's canonical set (the household survey's indicators), in registry order."""
    return [c for c in entry.columns if c not in CANONICAL_COLUMNS[entry.kind]]


def raw_columns(kind: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Columns of a raw table of this kind: provenance, canonical columns, extra mapped columns, read problem."""
    canonical = [c for c in CANONICAL_COLUMNS[kind] if c != ROUND_COLUMN]
    return [*PROVENANCE_COLUMNS, ROUND_COLUMN, *canonical, *extra, READ_PROBLEM]


def _normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _normalise_hxl(tag: str) -> str:
    """'#org +acronym' and '#org+Acronym' -> '#org+acronym'; attribute order does not matter."""
    parts = re.sub(r"\s+", "", str(tag)).casefold().split("+")
    if not parts[0].startswith("#"):
        return ""
    return "+".join([parts[0], *sorted(p for p in parts[1:] if p)])


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a data officer sees."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _received_at(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_grid(path: Path, entry: SourceEntry) -> tuple[list[str], list[str] | None, list[list[str]], str, int]:
    """Header, HXL tag row (or None), data rows (text), sheet name, and the row number of the first data row."""
    header_index = entry.header_row - 1
    if entry.format == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            if entry.sheet:
                if entry.sheet not in workbook.sheetnames:
                    raise ValueError(f"sheet {entry.sheet!r} not found (sheets: {', '.join(workbook.sheetnames)})")
                sheet = workbook[entry.sheet]
            else:
                sheet = workbook[workbook.sheetnames[0]]
            grid = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            sheet_name = sheet.title
        finally:
            workbook.close()
    else:
        text = path.read_text(encoding=entry.encoding)
        grid = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
        sheet_name = ""
    if len(grid) <= header_index:
        raise ValueError(f"the file has no header on row {entry.header_row}")
    header = grid[header_index]
    first_data = header_index + 1
    tags = None
    if entry.format == "hxl_csv":
        if len(grid) <= first_data:
            raise ValueError("the HXL hashtag row is missing under the header")
        tags = grid[first_data]
        first_data += 1
    rows = grid[first_data:]  # blank rows are skipped later, but row numbers follow the file
    return header, tags, rows, sheet_name, first_data + 1


def read_source_file(sources_dir: Path, entry: SourceEntry, source_file: SourceFile) -> pd.DataFrame:
    """Read one file into the raw table of its kind. Never raises for bad content: an unreadable file gives one
    row whose read_problem says why, and a missing mapped column marks every row of the file."""
    path = Path(sources_dir) / source_file.relative_path
    provenance = {
        "source_id": entry.source_id,
        "source_file": source_file.relative_path,
        "file_sha256": file_sha256(path),
        "received_at": _received_at(path),
        "sheet": entry.sheet or "",
        "source_row": "",
        ROUND_COLUMN: source_file.round_id,
    }
    columns = raw_columns(entry.kind, extra_columns(entry))
    try:
        header, tags, rows, sheet_name, first_row_number = _read_grid(path, entry)
    except Exception as exc:  # unreadable workbook, bad encoding, missing sheet: the file is quarantined whole
        record = {c: "" for c in columns} | provenance
        record[READ_PROBLEM] = f"file could not be read: {exc}"
        return pd.DataFrame([record], columns=columns)
    provenance["sheet"] = sheet_name

    if tags is not None:
        lookup = {_normalise_hxl(t): i for i, t in reversed(list(enumerate(tags))) if _normalise_hxl(t)}
        key = _normalise_hxl
    else:
        lookup = {_normalise_header(h): i for i, h in reversed(list(enumerate(header))) if str(h).strip()}
        key = _normalise_header

    positions: dict[str, int | None] = {}
    missing: list[str] = []
    for canonical in [*CANONICAL_COLUMNS[entry.kind], *extra_columns(entry)]:
        if canonical == ROUND_COLUMN or canonical in entry.constants:
            continue
        provider = entry.columns.get(canonical)
        if provider is None:
            positions[canonical] = None
            continue
        index = lookup.get(key(provider))
        if index is None:
            missing.append(provider)
        positions[canonical] = index
    problem = ""
    if missing:
        where = "HXL hashtag" if tags is not None else "column"
        problem = "missing " + ", ".join(f"{where} '{m}'" for m in missing)

    records = []
    for offset, row in enumerate(rows):
        if not any(cell for cell in row):
            continue
        record = dict(provenance)
        record["source_row"] = str(first_row_number + offset)
        for canonical, index in positions.items():
            record[canonical] = row[index] if index is not None and index < len(row) else ""
        for canonical, value in entry.constants.items():
            record[canonical] = value
        record[READ_PROBLEM] = problem
        records.append(record)
    frame = pd.DataFrame(records, columns=columns)
    return frame.fillna("")


def read_source(sources_dir: Path, entry: SourceEntry, round_id: str | None = None) -> pd.DataFrame:
    """All files of one source (only those of `round_id` when given), concatenated."""
    files = [f for f in entry.discover(sources_dir) if round_id is None or f.round_id == round_id]
    frames = [read_source_file(sources_dir, entry, f) for f in files]
    if not frames:
        return pd.DataFrame(columns=raw_columns(entry.kind, extra_columns(entry)))
    return pd.concat(frames, ignore_index=True)


def read_kind(
    sources_dir: Path, registry: list[SourceEntry], kind: str, round_id: str | None = None
) -> pd.DataFrame:
    """All sources of one kind (only files of `round_id` when given) as one raw table, sources in id order."""
    entries = [e for e in registry if e.kind == kind]
    extra: list[str] = []
    for entry in entries:
        extra += [c for c in extra_columns(entry) if c not in extra]
    columns = raw_columns(kind, extra)
    frames = [read_source(sources_dir, e, round_id) for e in entries]
    frames = [f.reindex(columns=columns, fill_value="") for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)
