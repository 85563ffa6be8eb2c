"""Read a source's files as received (CSV, XLSX, HXL-tagged CSV) into canonical text columns with provenance."""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import charset_normalizer
import pandas as pd
import yaml

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, PROVENANCE_COLUMNS, ROUND_COLUMN
from ds_pipeline.lib.file_rows import ROW_NUMBER, file_rows_table
from ds_pipeline.lib.registry import SourceEntry, SourceFile, round_number
from ds_pipeline.lib.settings import FileLimits, file_limits

# Raw rows carry this column: "" when the row was read cleanly, else why the file or row could not be read.
READ_PROBLEM = "read_problem"
# Delimiters a CSV is sniffed for (unless the registry sets `delimiter:`), and how far down the header is sought.
SNIFFED_DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 50
# A round number as partners write it in a round column: 131, 131.0, R131, Round 131.
_ROUND_VALUE = re.compile(r"^(?:r(?:ound)?[\s_-]*)?(\d+)(?:\.0*)?$", re.IGNORECASE)
_HXL_TAG = re.compile(r"^#[^\W\d_][\w]*(\s*\+\s*[^\W\d_][\w]*)*$")
# The encodings a spreadsheet saved as CSV on a Windows computer in Iraq takes when it is not UTF-8: Arabic and
# Western (Latin-1 text reads the same in Windows-1252). Tried first: a short file fits many code pages equally
# well, and charset-normalizer alone may name an unlikely one (Vietnamese for French accents).
LOCAL_ENCODINGS = ("cp1256", "cp1252")
MAX_LOCAL_CHAOS = 0.1  # charset-normalizer's "mess" ratio above which a local encoding does not fit the bytes
# Bytes given to charset-normalizer when a file's encoding is not registered and the file is not UTF-8.
DETECTION_SAMPLE_BYTES = 1 << 20
# A text file may hold a few stray NUL bytes (dropped); more than this share of its characters: not text.
MAX_NUL_SHARE = 0.01
# Workbook members smaller than this are not held to limits.max_compression_ratio (tiny XML packs very well).
COMPRESSION_RATIO_FROM = 10_000_000
# Declarations that let an XML document expand entities (billion laughs, external entities): never in an XLSX.
_XML_DECLARATIONS = tuple(
    word.encode(codec) for word in ("<!doctype", "<!entity") for codec in ("ascii", "utf-16-le", "utf-16-be")
)


_BYTE_ORDER_MARKS = (
    codecs.BOM_UTF8, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE
)


class UnreadableFile(ValueError):
    """A file cannot be read at all: empty, not a spreadsheet, encoding not recognised, over a size limit.
    `reason` is one line for the person who sent the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    trimmed = [row[:_filled_width(row)] if row and not row[-1] else row for row in grid]
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def _filled_width(row: list[str]) -> int:
    """How many cells of `row` are left without its trailing empty cells."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return end


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


def folder_limits(sources_dir: Path) -> FileLimits:
    """The `limits` of the folder's settings.yaml, or the defaults (the file itself is checked when loaded)."""
    path = Path(sources_dir) / "settings.yaml"
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        data = None
    return _settings_limits(data)


@functools.lru_cache(maxsize=16)
def _settings_limits(data: bytes | None) -> FileLimits:
    """`folder_limits` of the bytes of a settings.yaml (None: no file), parsed once for each content."""
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read() if data is not None else None
        settings = yaml.safe_load(text) if text is not None else None
    except (UnicodeDecodeError, yaml.YAMLError):
        settings = None
    return file_limits(settings if isinstance(settings, dict) else None)


def detect_encoding(data: bytes) -> str:
    """The text encoding of a file's bytes: a byte-order mark (UTF-8, UTF-16 either byte order, UTF-32), else
    UTF-8 when every byte sequence is valid UTF-8, else charset-normalizer's best guess (Windows-1256 Arabic,
    Latin-1, ...). UnreadableFile when nothing fits."""
    if not data:
        raise UnreadableFile("the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:DETECTION_SAMPLE_BYTES]
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(LOCAL_ENCODINGS)).best()
    if best is None or best.chaos > MAX_LOCAL_CHAOS:
        best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise UnreadableFile("encoding not recognised: the file is not text in a known encoding")
    return codecs.lookup(best.encoding).name


def decode_text(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with (`encoding`, or detected when None). Line
    endings are kept as they are (the csv module reads \\n, \\r\\n and \\r alike); a few stray NUL bytes
    are dropped. UnreadableFile for an empty file, undecodable bytes or binary data."""
    if not data:
        raise UnreadableFile("the file is empty")
    text = None
    if not encoding and not data.startswith(_BYTE_ORDER_MARKS):  # UTF-8 as `detect_encoding` finds it, decoded once
        try:
            text, used = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if text is None:
        used = encoding or detect_encoding(data)
        try:
            text = data.decode(used)
        except (UnicodeDecodeError, LookupError) as exc:
            raise UnreadableFile(f"encoding not recognised: the file is not {used} text ({exc})") from None
    if "\x00" in text:
        if text.count("\x00") > MAX_NUL_SHARE * len(text):
            raise UnreadableFile("not a spreadsheet: the file holds binary data (NUL bytes), not CSV text")
        text = text.replace("\x00", "")
    if not text.strip():
        raise UnreadableFile("the file is empty")
    return text, used


def file_encoding(path: Path, entry: SourceEntry) -> str:
    """The encoding a CSV file of this source is read with: the registered `encoding:` or the detected one
    ("" for a workbook)."""
    if entry.format == "xlsx":
        return ""
    return entry.encoding or detect_encoding(Path(path).read_bytes()[:DETECTION_SAMPLE_BYTES])


def _member_declares_entities(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML member holds a DOCTYPE or ENTITY declaration (read in blocks, never whole)."""
    tail = b""
    with archive.open(info) as member:
        for block in iter(lambda: member.read(1 << 20), b""):
            window = (tail + block).lower()
            if any(word in window for word in _XML_DECLARATIONS):
                return True
            tail = window[-32:]
    return False


def check_workbook(path: Path, limits: FileLimits) -> None:
    """Refuse a workbook before opening it: not a zip, unpacking beyond limits.max_xlsx_uncompressed_bytes
    (sizes from the zip directory; zipfile never unpacks a member past its listed size), a large member packed
    more than limits.max_compression_ratio to one (a decompression bomb), or XML declaring entities."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile("not a spreadsheet: the file is not an XLSX workbook") from None
    with archive:
        members = archive.infolist()
        unpacked = sum(info.file_size for info in members)
        if unpacked > limits.max_xlsx_uncompressed_bytes:
            raise UnreadableFile(
                f"over a size limit: the workbook unpacks to {unpacked:,} bytes, more than "
                f"limits.max_xlsx_uncompressed_bytes ({limits.max_xlsx_uncompressed_bytes:,})"
            )
        for info in members:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > COMPRESSION_RATIO_FROM and ratio > limits.max_compression_ratio:
                raise UnreadableFile(
                    f"over a size limit: {info.filename} is packed {ratio:,.0f} to 1, more than "
                    f"limits.max_compression_ratio ({limits.max_compression_ratio:g})"
                )
        for info in members:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                declares = _member_declares_entities(archive, info)
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
                raise UnreadableFile(f"not a spreadsheet: {info.filename} cannot be unpacked ({exc})") from None
            if declares:
                raise UnreadableFile(f"not a spreadsheet: {info.filename} declares XML entities (DOCTYPE/ENTITY)")


def _bounded_grid(rows: Iterable[list[str]], limits: FileLimits) -> list[list[str]]:
    """The rows, refused as soon as they pass limits.max_rows or limits.max_cells."""
    grid: list[list[str]] = []
    cells = 0
    for row in rows:
        grid.append(row)
        cells += len(row)
        if len(grid) > limits.max_rows:
            raise UnreadableFile(f"over a size limit: more than limits.max_rows ({limits.max_rows:,}) rows")
        if cells > limits.max_cells:
            raise UnreadableFile(f"over a size limit: more than limits.max_cells ({limits.max_cells:,}) cells")
    return grid


def _read_csv_grid(path: Path, entry: SourceEntry, limits: FileLimits) -> tuple[list[list[str]], str]:
    text, encoding = decode_text(path.read_bytes(), entry.encoding)
    previous = csv.field_size_limit(limits.max_field_bytes)
    try:
        delimiter = entry.delimiter or sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        grid = _bounded_grid((list(map(str.strip, row)) for row in reader), limits)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise UnreadableFile(
                f"over a size limit: a cell is longer than limits.max_field_bytes ({limits.max_field_bytes:,})"
            ) from None
        raise UnreadableFile(f"not a spreadsheet: the CSV cannot be parsed ({exc})") from None
    finally:
        csv.field_size_limit(previous)
    return grid, encoding


def _read_xlsx_grid(path: Path, entry: SourceEntry, limits: FileLimits) -> tuple[list[list[str]], str]:
    from openpyxl import load_workbook

    check_workbook(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"not a spreadsheet: the workbook cannot be opened ({exc})") from None
    try:
        if entry.sheet:
            if entry.sheet not in workbook.sheetnames:
                raise ValueError(f"sheet {entry.sheet!r} not found (sheets: {', '.join(workbook.sheetnames)})")
            sheet = workbook[entry.sheet]
        else:
            sheet = workbook[workbook.sheetnames[0]]
        sheet.reset_dimensions()  # the stored dimensions may claim any width: rows are read as they are
        grid = _bounded_grid(([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)), limits)
        return grid, sheet.title
    finally:
        workbook.close()


def _read_grid(
    path: Path, entry: SourceEntry, limits: FileLimits | None = None
) -> tuple[list[str], list[str] | None, list[list[str]], str, int]:
    """Header, HXL tag row (or None), data rows (text), sheet name, and the row number of the first data row."""
    return _read_grid_and_encoding(path, entry, limits)[:5]


def _read_grid_and_encoding(
    path: Path, entry: SourceEntry, limits: FileLimits | None = None
) -> tuple[list[str], list[str] | None, list[list[str]], str, int, str]:
    """Header, HXL tag row (or None), data rows (text), sheet name, the row number of the first data row, and
    the encoding the file was read with ("" for a workbook). Limits are checked before the file is read whole."""
    limits = limits or FileLimits()
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("the file is empty")
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"over a size limit: the file has {size:,} bytes, more than limits.max_file_bytes "
            f"({limits.max_file_bytes:,})"
        )
    encoding = ""
    if entry.format == "xlsx":
        grid, sheet_name = _read_xlsx_grid(path, entry, limits)
    else:
        grid, encoding = _read_csv_grid(path, entry, limits)
        sheet_name = ""
    grid = _trim(grid)
    if not grid:
        raise UnreadableFile("the file is empty")
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
    return header, tags, rows, sheet_name, first_data + 1, encoding


def read_source_file(
    sources_dir: Path, entry: SourceEntry, source_file: SourceFile, limits: FileLimits | None = None
) -> pd.DataFrame:
    """Read one file into the raw table of its kind. Never raises for bad content: an unreadable file gives one
    row whose read_problem says why, and a missing mapped column marks every row of the file. `limits`: default
    the folder's settings `limits`. The table's attrs["encoding"] names the encoding a CSV was read with."""
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
        header, tags, rows, sheet_name, first_row_number, encoding = _read_grid_and_encoding(
            path, entry, limits or folder_limits(sources_dir)
        )
    except UnreadableFile as exc:
        record = {c: "" for c in columns} | provenance
        record[READ_PROBLEM] = f"file could not be read: {exc.reason}"
        return pd.DataFrame([record], columns=columns)
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

    values: dict[str, object] = {**provenance, "source_row": ROW_NUMBER}  # as each row's record is filled
    cells: dict[str, int] = {}
    for canonical, index in positions.items():
        values.pop(canonical, None)
        if index is None:
            values[canonical] = ""
        else:
            cells[canonical] = index
    for canonical, value in [*entry.constants.items(), (READ_PROBLEM, problem)]:
        cells.pop(canonical, None)
        values[canonical] = value
    frame = file_rows_table(rows, first_row_number, columns, values, cells)
    frame = _rounds_from_column(frame, entry) if entry.round_column else frame
    frame.attrs["encoding"] = encoding
    return frame


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
