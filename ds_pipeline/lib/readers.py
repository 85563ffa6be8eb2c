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
from ds_pipeline.lib.registry import SourceEntry, SourceFile, round_number

# Raw rows carry this column: "" when the row was read cleanly, else why the file or row could not be read.
READ_PROBLEM = "read_problem"
# Delimiters a CSV is sniffed for (unless the registry sets `delimiter:`), and how far down the header is sought.
SNIFFED_DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 50
# A round number as partners write it in a round column: 131, 131.0, R131, Round 131.
_ROUND_VALUE = re.compile(r"^(?:r(?:ound)?[\s_-]*)?(\d+)(?:\.0*)?$", re.IGNORECASE)
_HXL_TAG = re.compile(r"^#[^\W\d_][\w]*(\s*\+\s*[^\W\d_][\w]*)*$")


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


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon or tab) that splits the most rows of the sample into the same number of
    cells (more than one); title rows of one cell do not count. Comma when nothing splits."""
    lines = [line for line in text[:1 << 18].splitlines()[:HEADER_SEARCH_ROWS * 2] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in SNIFFED_DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        if not widths:
            continue
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def is_hxl_row(row: list[str]) -> bool:
    """An HXL hashtag row: at least one cell, and every non-empty cell a hashtag with attributes (#adm1 +code)."""
    cells = [cell for cell in row if cell]
    return bool(cells) and all(_HXL_TAG.match(cell) for cell in cells)


def _trim(grid: list[list[str]]) -> list[list[str]]:
    """Trailing empty cells of each row and trailing empty rows dropped (row numbers of the rest unchanged)."""
    trimmed = []
    for row in grid:
        end = len(row)
        while end and not row[end - 1]:
            end -= 1
        trimmed.append(row[:end])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def _header_names(entry: SourceEntry) -> set[str]:
    names = {_normalise_header(v) for v in entry.columns.values() if not str(v).strip().startswith("#")}
    if entry.round_column and not entry.round_column.strip().startswith("#"):
        names.add(_normalise_header(entry.round_column))
    return names - {""}


def _find_header(grid: list[list[str]], entry: SourceEntry) -> int:
    """Index of the header row: `header_row` when the registry sets it; else the first row holding the most
    mapped header names (title rows above it are skipped); for a map of HXL hashtags only, the row above the
    first hashtag row."""
    if not entry.find_header:
        return entry.header_row - 1
    names = _header_names(entry)
    search = grid[:HEADER_SEARCH_ROWS]
    if names:
        hits = [len(names & {_normalise_header(c) for c in row}) for row in search]
        if hits and max(hits) > 0:
            return hits.index(max(hits))
        return 0
    for index, row in enumerate(search):
        if is_hxl_row(row):
            return max(index - 1, 0)
    return 0


def _read_grid(path: Path, entry: SourceEntry) -> tuple[list[str], list[str] | None, list[list[str]], str, int]:
    """Header, HXL tag row (or None), data rows (text), sheet name, and the row number of the first data row."""
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
        delimiter = entry.delimiter or sniff_delimiter(text)
        grid = [[cell.strip() for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        sheet_name = ""
    grid = _trim(grid)
    header_index = _find_header(grid, entry)
    if len(grid) <= header_index:
        raise ValueError(f"the file has no header on row {header_index + 1}")
    header = grid[header_index]
    first_data = header_index + 1
    tags = None
    if is_hxl_row(header):  # hashtags only, no header text: the hashtags are the header
        tags = header
    elif len(grid) > first_data and is_hxl_row(grid[first_data]):  # an HXL row under the header: not data
        tags = grid[first_data]
        first_data += 1
    elif entry.format == "hxl_csv":
        raise ValueError(f"the HXL hashtag row is missing under the header (row {header_index + 1})")
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

    by_header = {_normalise_header(h): i for i, h in reversed(list(enumerate(header))) if str(h).strip()}
    by_tag = {_normalise_hxl(t): i for i, t in reversed(list(enumerate(tags or []))) if _normalise_hxl(t)}

    def position(provider: str) -> int | None:
        if provider.strip().startswith("#"):
            return by_tag.get(_normalise_hxl(provider))
        return by_header.get(_normalise_header(provider))

    positions: dict[str, int | None] = {}
    missing: list[str] = []
    wanted = [(c, entry.columns.get(c)) for c in [*CANONICAL_COLUMNS[entry.kind], *extra_columns(entry)]
              if c != ROUND_COLUMN and c not in entry.constants]
    if entry.round_column:
        wanted.append((ROUND_COLUMN, entry.round_column))
    for canonical, provider in wanted:
        index = position(provider) if provider is not None else None
        if provider is not None and index is None:
            missing.append(("HXL hashtag" if provider.strip().startswith("#") else "column") + f" '{provider}'")
        positions[canonical] = index
    problem = "missing " + ", ".join(missing) if missing else ""

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
    frame = pd.DataFrame(records, columns=columns).fillna("")
    return _rounds_from_column(frame, entry) if entry.round_column else frame


def _rounds_from_column(frame: pd.DataFrame, entry: SourceEntry) -> pd.DataFrame:
    """Each row's round key from the value of its round column ("131", "131.0", "R131", "Round 131" -> "R131").
    A row whose round cannot be read goes to the file's latest round with a read problem naming the value, so
    it is quarantined there and still counted."""
    values = frame[ROUND_COLUMN].astype(str).str.strip()
    matched = values.str.extract(_ROUND_VALUE, expand=False)
    keys = matched.map(lambda n: f"R{int(n)}" if isinstance(n, str) else "")
    frame = frame.assign(**{ROUND_COLUMN: keys})
    bad = keys == ""
    if bad.any():
        readable = [k for k in keys if k]
        frame.loc[bad, ROUND_COLUMN] = max(readable, key=round_number) if readable else ""
        clean = bad & (frame[READ_PROBLEM] == "")
        what = values[clean].map(lambda v: f"got '{v}'" if v else "the cell is empty")
        frame.loc[clean, READ_PROBLEM] = f"round column '{entry.round_column}': expected a round number, " + what
    return frame


def _read_round_column_source(sources_dir: Path, entry: SourceEntry) -> list[pd.DataFrame]:
    """Every file of a `round_column` source, each row keyed by its round. Rows of a file without any readable
    round (unreadable file, round column missing) go to the source's latest round, where they are quarantined."""
    frames = [read_source_file(sources_dir, entry, f) for f in entry.discover(sources_dir)]
    rounds = {r for frame in frames for r in frame[ROUND_COLUMN] if r}
    if rounds:
        latest = max(rounds, key=round_number)
        for frame in frames:
            frame.loc[frame[ROUND_COLUMN] == "", ROUND_COLUMN] = latest
    return frames


def file_rounds(sources_dir: Path, entry: SourceEntry) -> list[SourceFile]:
    """The files of a source, one per round each feeds: a file named by round feeds that round; a file of a
    `round_column` source feeds every round its rows name (read from its contents). Sorted by round, then path."""
    if not entry.round_column:
        return entry.discover(sources_dir)
    found = {
        SourceFile(entry.source_id, path, round_id)
        for frame in _read_round_column_source(sources_dir, entry)
        for path, round_id in zip(frame["source_file"], frame[ROUND_COLUMN], strict=True)
        if round_id
    }
    return sorted(found, key=lambda f: (round_number(f.round_id), f.relative_path))


def read_source(sources_dir: Path, entry: SourceEntry, round_id: str | None = None) -> pd.DataFrame:
    """All files of one source (only the rows of `round_id` when given), concatenated."""
    if entry.round_column:
        frames = _read_round_column_source(sources_dir, entry)
        if round_id is not None:
            frames = [f[f[ROUND_COLUMN] == round_id] for f in frames]
    else:
        files = [f for f in entry.discover(sources_dir) if round_id is None or f.round_id == round_id]
        frames = [read_source_file(sources_dir, entry, f) for f in files]
    frames = [f for f in frames if not f.empty]
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
