"""Encodings, number formats and hostile files: read right, or refused fast with one clear reason."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import xlsxwriter

from ds_pipeline.lib.cell_parsing import parse_column
from ds_pipeline.lib.readers import (
    READ_PROBLEM,
    UnreadableFile,
    check_workbook,
    decode_text,
    detect_encoding,
    file_encoding,
    folder_limits,
    read_source_file,
)
from ds_pipeline.lib.registry import RegistryError, SourceEntry, SourceFile, load_registry
from ds_pipeline.lib.settings import FileLimits, check_settings
from ds_pipeline.lib.validation import validate_raw
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table

ROOT = Path(__file__).resolve().parents[1]

GAZETTEER_COLUMNS = {"admin_level": "Admin Level", "pcode": "P-Code", "name_en": "Name (English)",
                     "name_ar": "Name (Arabic)", "parent_pcode": "Parent P-Code"}
ARABIC = (
    "Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code\n"
    "1,IQG09,Duhok,دهوك,\n1,IQG15,Ninewa,نينوى,\n2,IQG15Q05,Al-Mosul,الموصل,IQG15\n"
)
LATIN = (
    "Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code\n"
    "1,IQG09,Duhòk Café,,\n1,IQG15,Nìnewa Façade,,\n2,IQG15Q05,Al-Mosul Zürich,,IQG15\n"
)


def _entry(files: str, fmt: str = "csv", **kwargs: object) -> SourceEntry:
    return SourceEntry(source_id="gaz", kind="gazetteer", title="gaz", provider="", files=files, format=fmt,
                       columns=GAZETTEER_COLUMNS, find_header=True, **kwargs)


def _read(folder: Path, name: str, data: bytes, limits: FileLimits | None = None, fmt: str = "csv") -> pd.DataFrame:
    (folder / name).write_bytes(data)
    entry = _entry(name, fmt)
    return read_source_file(folder, entry, SourceFile("gaz", name, ""), limits)


# ---------------------------------------------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize(
    ("text", "codec", "named"),
    [
        (ARABIC, "utf-8", {"utf-8"}),
        (ARABIC, "utf-8-sig", {"utf-8-sig"}),
        (ARABIC, "utf-16", {"utf-16"}),  # BOM in the machine's byte order
        (ARABIC, "utf-16-le", {"utf-16"}),
        (ARABIC, "utf-16-be", {"utf-16"}),
        (ARABIC, "utf-32", {"utf-32"}),
        (ARABIC, "cp1256", {"cp1256"}),
        (LATIN, "latin-1", {"cp1252", "latin-1", "iso8859-1"}),
    ],
)
def test_each_encoding_is_read_with_the_right_text_and_named(
    tmp_path: Path, text: str, codec: str, named: set[str]
) -> None:
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):  # the byte-order mark written by the program that saved the file
        data = "\ufeff".encode(codec) + data
    raw = _read(tmp_path, "gaz.csv", data)
    assert (raw[READ_PROBLEM] == "").all()
    lines = [line.split(",") for line in text.splitlines()[1:]]
    assert raw["name_en"].tolist() == [cells[2] for cells in lines]
    assert raw["name_ar"].tolist() == [cells[3] for cells in lines]
    assert raw["pcode"].tolist() == ["IQG09", "IQG15", "IQG15Q05"]
    assert raw.attrs["encoding"] in named
    assert file_encoding(tmp_path / "gaz.csv", _entry("gaz.csv")) in named


def test_a_registered_encoding_is_used_as_given(tmp_path: Path) -> None:
    (tmp_path / "gaz.csv").write_bytes(LATIN.encode("latin-1"))
    entry = _entry("gaz.csv", encoding="latin-1")
    raw = read_source_file(tmp_path, entry, SourceFile("gaz", "gaz.csv", ""))
    assert raw.loc[0, "name_en"] == "Duhòk Café" and raw.attrs["encoding"] == "latin-1"
    assert file_encoding(tmp_path / "gaz.csv", entry) == "latin-1"


def test_bytes_of_no_known_encoding_are_refused_with_a_reader_error(tmp_path: Path) -> None:
    binary = bytes(range(256)) * 40
    with pytest.raises(UnreadableFile, match="encoding not recognised|binary data"):
        decode_text(binary, None)
    with pytest.raises(UnreadableFile, match="the file is empty"):
        detect_encoding(b"")
    raw = _read(tmp_path, "gaz.csv", binary)
    rejected = validate_raw(raw, "gazetteer", {"gaz": _entry("gaz.csv")})[1]
    assert rejected["check"].tolist() == ["file_readable"]
    assert "file could not be read: " in rejected.loc[0, "reason"]


# ---------------------------------------------------------------------------------------------------------------
# Numbers


def _numbers(values: list[str], dtype: str = "float") -> tuple[list[object], list[bool]]:
    parsed, bad, _ = parse_column(pd.Series(values), dtype)
    return [None if pd.isna(v) else v for v in parsed], bad.tolist()


def test_commas_are_thousands_or_decimal_as_the_column_decides() -> None:
    assert _numbers(["1,234", "12,345,678", "5"]) == ([1234, 12345678, 5], [False] * 3)
    assert _numbers(["0,85", "1,5", "2"]) == ([0.85, 1.5, 2], [False] * 3)
    assert _numbers(["1.234,56", "0,5"]) == ([1234.56, 0.5], [False, False])
    assert _numbers(["1,234"]) == ([1234], [False])  # three digits after the only comma: thousands
    assert _numbers(["1,234", "0,5"]) == ([1.234, 0.5], [False, False])  # a decimal comma elsewhere decides
    # conflicting commas: a value that does not fit the column's reading is quarantined, never 85
    assert _numbers(["0,85", "12,345,678"]) == ([None, 12345678], [True, False])
    assert _numbers(["12,34,5", "1,2345"], "int")[1] == [True, True]


def test_an_exponent_beyond_any_number_is_quarantined_not_a_crash() -> None:
    # pandas' number parser kills the process on a 20-digit exponent; such a cell is not a number
    assert _numbers(["1e39999999999999999999", "2.5E3", "1e-5", "5"]) == ([None, 2500, 0.00001, 5],
                                                                          [True, False, False, False])
    assert _numbers(["1E+99999", "7"], "int") == ([None, 7], [True, False])


def test_the_decision_is_taken_within_each_file() -> None:
    values = pd.Series(["0,85", "1,234", "12,345"])
    parsed, bad, _ = parse_column(values, "float", pd.Series(["a.csv", "b.csv", "b.csv"]))
    assert parsed.tolist() == [0.85, 1234, 12345] and not bad.any()


def test_arabic_indic_digits_and_separators_are_numbers() -> None:
    assert _numbers(["٣٬٤٥٦", "٠٫٥", "۱۲"]) == ([3456, 0.5, 12], [False] * 3)


def test_missing_markers_are_missing_and_infinities_are_invalid() -> None:
    values, bad = _numbers(["-", "#N/A", "N/A", "nan", "NaN", "", "inf", "-inf", "Infinity", "#VALUE!", "7"])
    assert values == [None] * 10 + [7]
    assert bad == [False] * 6 + [True] * 4 + [False]


def test_inf_is_quarantined_and_a_dash_stays_missing_in_the_pipeline(tmp_path: Path) -> None:
    header = "Org,Sector,Governorate code,District,Targeted,Reached\n"
    rows = "NRC,PRO,IQG15,Sinjar,\"1,500\",-\nIOM,SHL,IQG15,Sinjar,inf,#N/A\nWFP,FSC,IQG15,Sinjar,-,0\n"
    (tmp_path / "4w.csv").write_text(header + rows, encoding="utf-8")
    entry = SourceEntry(source_id="w", kind="service_mapping", title="w", provider="", files="4w.csv", format="csv",
                        columns={"org_acronym": "Org", "sector_code": "Sector", "admin1_pcode": "Governorate code",
                                 "admin2_name": "District", "people_targeted": "Targeted", "people_reached": "Reached"})
    raw = read_source_file(tmp_path, entry, SourceFile("w", "4w.csv", ""))
    validated, rejected = validate_raw(raw, "service_mapping", {"w": entry})
    assert rejected["source_row"].tolist() == ["3"]
    assert rejected.loc[0, "check"] == "parse_int" and "got 'inf'" in rejected.loc[0, "reason"]
    assert validated["people_targeted"].tolist()[0] == 1500
    assert validated["people_reached"].isna().tolist() == [True, False]
    assert validated["people_targeted"].isna().tolist() == [False, True]


# ---------------------------------------------------------------------------------------------------------------
# Hostile workbooks


def _bomb(path: Path, unpacked_mb: int) -> None:
    """An XLSX-shaped zip whose sheet unpacks to `unpacked_mb` MB of repeated bytes, written in a streaming loop."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"<row>" + b"A" * (1 << 20) + b"</row>"
            for _ in range(unpacked_mb):
                member.write(block)


def _billion_laughs(path: Path) -> None:
    """A real workbook whose sheet XML declares nested entities (each expands to ten of the one below)."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Sheet1").write_row(0, 0, ["Admin Level", "P-Code"])
    workbook.close()
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    sheet = sheet.replace("?>", f"?><!DOCTYPE lolz [{entities}]>", 1)
    sheet = sheet.replace("</sheetData>", '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                          "</sheetData>", 1)
    members["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


MEASURE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path

    def peak_mb():  # this process's own high-water mark (ru_maxrss may still count the forked test runner)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

    start = time.monotonic()
    from ds_pipeline.lib.readers import read_source_file
    from ds_pipeline.lib.registry import SourceEntry, SourceFile
    from ds_pipeline.lib.validation import validate_raw
    folder, name = Path(sys.argv[1]), sys.argv[2]
    entry = SourceEntry(source_id="gaz", kind="gazetteer", title="gaz", provider="", files=name, format="xlsx",
                        columns={"admin_level": "Admin Level", "pcode": "P-Code"}, find_header=True)
    raw = read_source_file(folder, entry, SourceFile("gaz", name, ""))
    rejected = validate_raw(raw, "gazetteer", {"gaz": entry})[1]
    print(json.dumps({"seconds": time.monotonic() - start, "reason": rejected["reason"].tolist(),
                      "checks": rejected["check"].tolist(),
                      "peak_mb": peak_mb()}))
    """
)


def _measure(folder: Path, name: str) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(folder), name], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def test_a_decompression_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    _bomb(tmp_path / "bomb.xlsx", 300)
    assert (tmp_path / "bomb.xlsx").stat().st_size < 1_000_000
    with pytest.raises(UnreadableFile, match="limits.max_compression_ratio"):
        check_workbook(tmp_path / "bomb.xlsx", FileLimits())
    measured = _measure(tmp_path, "bomb.xlsx")
    assert measured["checks"] == ["file_readable"]
    assert "over a size limit" in measured["reason"][0] and "to 1" in measured["reason"][0]
    assert measured["seconds"] < 5 and measured["peak_mb"] < 300


def test_a_workbook_unpacking_past_the_limit_is_refused_from_its_zip_directory(tmp_path: Path) -> None:
    _bomb(tmp_path / "big.xlsx", 2)
    with pytest.raises(UnreadableFile, match="limits.max_xlsx_uncompressed_bytes"):
        check_workbook(tmp_path / "big.xlsx", FileLimits(max_xlsx_uncompressed_bytes=1_000_000))
    check_workbook(tmp_path / "big.xlsx", FileLimits())  # 2 MB members are not held to the ratio


def test_a_billion_laughs_workbook_is_refused_fast_and_small(tmp_path: Path) -> None:
    _billion_laughs(tmp_path / "laughs.xlsx")
    measured = _measure(tmp_path, "laughs.xlsx")
    assert measured["checks"] == ["file_readable"]
    assert "declares XML entities" in measured["reason"][0]
    assert measured["seconds"] < 5 and measured["peak_mb"] < 300


def test_not_a_workbook_and_too_many_rows_or_bytes_are_refused(tmp_path: Path) -> None:
    raw = _read(tmp_path, "fake.xlsx", b"Admin Level,P-Code\n1,IQG09\n", fmt="xlsx")
    assert "not a spreadsheet" in raw.loc[0, READ_PROBLEM]
    _bomb(tmp_path / "cut.xlsx", 1)
    data = bytearray((tmp_path / "cut.xlsx").read_bytes())
    data[200:260] = b"\xff" * 60  # the packed sheet damaged, the zip directory intact
    raw = _read(tmp_path, "cut.xlsx", bytes(data), fmt="xlsx")
    assert "not a spreadsheet: xl/worksheets/sheet1.xml cannot be unpacked" in raw.loc[0, READ_PROBLEM]
    text = ARABIC.encode("utf-8")
    assert "limits.max_rows" in _read(tmp_path, "g.csv", text, FileLimits(max_rows=3)).loc[0, READ_PROBLEM]
    assert "limits.max_cells" in _read(tmp_path, "g.csv", text, FileLimits(max_cells=12)).loc[0, READ_PROBLEM]
    assert "limits.max_file_bytes" in _read(tmp_path, "g.csv", text, FileLimits(max_file_bytes=50)).loc[0, READ_PROBLEM]
    assert len(_read(tmp_path, "g.csv", text, FileLimits(max_rows=4, max_cells=20))) == 3


def test_a_workbook_claiming_a_huge_sheet_size_is_read_as_its_rows_are(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Sheet1")
    for number, row in enumerate([["Admin Level", "P-Code"], [1, "IQG09"], [1, "IQG15"]]):
        sheet.write_row(number, 0, row)
    workbook.close()
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    members["xl/worksheets/sheet1.xml"] = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD3"', xml).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    entry = SourceEntry(source_id="gaz", kind="gazetteer", title="gaz", provider="", files="wide.xlsx", format="xlsx",
                        columns={"admin_level": "Admin Level", "pcode": "P-Code"}, find_header=True)
    raw = read_source_file(tmp_path, entry, SourceFile("gaz", "wide.xlsx", ""), FileLimits(max_cells=100))
    assert raw["pcode"].tolist() == ["IQG09", "IQG15"] and (raw[READ_PROBLEM] == "").all()


def test_limits_come_from_the_folder_settings(tmp_path: Path) -> None:
    assert folder_limits(tmp_path) == FileLimits()
    (tmp_path / "settings.yaml").write_text("limits: {max_rows: 10, max_field_bytes: 2000}\n", encoding="utf-8")
    assert folder_limits(tmp_path) == FileLimits(max_rows=10, max_field_bytes=2000)
    (tmp_path / "settings.yaml").write_text("limits: {max_rows: many}\n", encoding="utf-8")
    assert folder_limits(tmp_path) == FileLimits()  # reported when the settings are loaded, never used
    with pytest.raises(ValueError, match="max_rowz"):
        check_settings({"limits": {"max_rowz": 10}})


# ---------------------------------------------------------------------------------------------------------------
# Awkward CSV


def test_a_10_mb_field_is_refused_cleanly_or_read_under_a_higher_limit(tmp_path: Path) -> None:
    data = ("Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code\n1,IQG09," + "x" * 10_000_000
            + ",,\n").encode("utf-8")
    refused = _read(tmp_path, "g.csv", data)
    assert "limits.max_field_bytes" in refused.loc[0, READ_PROBLEM]
    read = _read(tmp_path, "g.csv", data, FileLimits(max_field_bytes=20_000_000))
    assert len(read.loc[0, "name_en"]) == 10_000_000 and read.loc[0, READ_PROBLEM] == ""


def test_nul_bytes_are_dropped_or_the_file_refused_as_binary(tmp_path: Path) -> None:
    raw = _read(tmp_path, "g.csv", ARABIC.encode("utf-8").replace(b"Duhok", b"Du\x00hok"))
    assert raw.loc[0, "name_en"] == "Duhok" and (raw[READ_PROBLEM] == "").all()
    raw = _read(tmp_path, "g.csv", b"Admin Level,P-Code\n" + b"\x00" * 500)
    assert "binary data" in raw.loc[0, READ_PROBLEM]


def test_mixed_line_endings_are_read_row_by_row(tmp_path: Path) -> None:
    data = (b"Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code\r\n1,IQG09,Duhok,,\n"
            b'1,IQG15,"Nine\r\nwa",,\r2,IQG15Q05,Al-Mosul,,IQG15\r\n')
    raw = _read(tmp_path, "g.csv", data)
    assert raw["pcode"].tolist() == ["IQG09", "IQG15", "IQG15Q05"]
    assert raw["name_en"].tolist() == ["Duhok", "Nine\r\nwa", "Al-Mosul"]
    assert raw["source_row"].tolist() == ["2", "3", "4"]


# ---------------------------------------------------------------------------------------------------------------
# File patterns and SQL identifiers


@pytest.mark.parametrize("pattern", ["../outside/*.csv", "files/../../x.csv", "/etc/*.csv", "C:/data/*.csv"])
def test_a_pattern_leaving_the_sources_folder_is_refused(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "gaz.yaml").write_text(
        f"source: gaz\nkind: gazetteer\nfiles: '{pattern}'\nformat: csv\ncolumns: {{pcode: P-Code}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match="inside the sources folder"):
        load_registry(tmp_path)
    with pytest.raises(RegistryError, match="inside the sources folder"):
        _entry(pattern).discover(tmp_path)


def test_a_symlink_leading_out_of_the_folder_is_not_read(tmp_path: Path) -> None:
    outside, sources = tmp_path / "outside", tmp_path / "sources"
    (outside / "deep").mkdir(parents=True)
    (sources / "files").mkdir(parents=True)
    (outside / "secret.csv").write_text(ARABIC, encoding="utf-8")
    (outside / "deep" / "other.csv").write_text(ARABIC, encoding="utf-8")
    (sources / "files" / "inside.csv").write_text(ARABIC, encoding="utf-8")
    os.symlink(outside / "secret.csv", sources / "files" / "linked.csv")
    os.symlink(outside / "deep", sources / "files" / "linked_dir")
    os.symlink(sources / "files" / "inside.csv", sources / "files" / "alias.csv")  # stays inside: read
    assert [f.relative_path for f in _entry("files/*.csv").discover(sources)] == ["files/alias.csv",
                                                                                  "files/inside.csv"]
    assert _entry("files/*/*.csv").discover(sources) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_identifiers_with_quotes_are_quoted_by_the_dialect(tmp_path: Path, request: pytest.FixtureRequest,
                                                           backend: str) -> None:
    url = f"sqlite:///{tmp_path}/w.db" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    table = 'odd "table"'
    frame = pd.DataFrame({'say "hi"': ["a", "b"], "ratio:x": [1.0, 2.0], "round": ["R1", "R1"]})
    try:
        write_table(engine, table, frame)
        assert read_table(engine, table).equals(frame)
        write_table(engine, table, frame, partition_column="round", partition_keys=["R1"])
        grown = frame.assign(**{'new "col:x"': [3, 4]})
        write_table(engine, table, grown, partition_column="round", partition_keys=["R1"])
        assert read_table(engine, table)['new "col:x"'].tolist() == [3, 4]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text('DROP TABLE IF EXISTS "odd ""table"""'))
        engine.dispose()
