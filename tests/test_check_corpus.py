"""A corpus of awkward and hostile files through `ds-pipeline check --format json`: for each, the exit code, the
counts and the rule names (encodings, delimiters and layouts, numbers, validation rules, limits, broken bytes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_check_command import GOOD, SERVICE_HEADER
from test_hostile_input import _billion_laughs, _bomb

from ds_pipeline.cli import main

OK = ",".join(GOOD)
HEAD = ",".join(SERVICE_HEADER)


def _row(**values: str) -> str:
    """A 4W row: GOOD with some canonical columns replaced."""
    cells = dict(zip(SERVICE_HEADER, GOOD, strict=True))
    cells.update(values)
    return ",".join(f'"{v}"' if "," in v else v for v in cells.values())


def _text(*rows: str, encoding: str = "utf-8", newline: str = "\n", delimiter: str = ",") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        text = newline.join(r.replace(",", delimiter) if delimiter != "," else r for r in rows) + newline
        path.write_bytes(text.encode(encoding))

    return write


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], None]
    exit_code: int
    counts: tuple[int, int, int] | None = None  # rows read, accepted, quarantined
    rules: frozenset[str] = frozenset()  # rule names the issues must include
    suffix: str = ".csv"
    kind: str = "service_mapping"


ARABIC_ORG = "منظمة الأمل"
CASES = [
    # encodings, all read as they are and named in the report
    Case("utf8", _text(HEAD, OK, OK), 0, (2, 2, 0)),
    Case("utf8_bom", _text(HEAD, OK, encoding="utf-8-sig"), 0, (1, 1, 0)),
    Case("utf16_le", _text(HEAD, OK, encoding="utf-16"), 0, (1, 1, 0)),
    Case("utf16_be", lambda p: p.write_bytes(b"\xfe\xff" + (HEAD + "\n" + OK + "\n").encode("utf-16-be")), 0,
         (1, 1, 0)),
    Case("windows_1256_arabic", _text(HEAD, _row(org_acronym=ARABIC_ORG), encoding="cp1256"), 0, (1, 1, 0)),
    Case("latin_1", _text(HEAD, _row(org_acronym="Médecins du Monde"), encoding="latin-1"), 0, (1, 1, 0)),
    # delimiters, layout around the table, line endings
    Case("semicolon", _text(HEAD, OK, delimiter=";"), 0, (1, 1, 0)),
    Case("tab", _text(HEAD, OK, delimiter="\t"), 0, (1, 1, 0)),
    Case("title_rows", _text("Iraq 4W, October 2026", "Prepared by the cluster", HEAD, OK), 0, (1, 1, 0)),
    Case("trailing_empty_rows_and_columns", _text(HEAD + ",,", OK + ",,", ",,,,,,,,,,,,", ""), 0, (1, 1, 0)),
    Case("crlf", _text(HEAD, OK, OK, newline="\r\n"), 0, (2, 2, 0)),
    Case("mixed_line_endings", _bytes((HEAD + "\r\n" + OK + "\n" + OK + "\r" + OK + "\r\n").encode()), 0,
         (3, 3, 0)),
    Case("stray_nul_bytes", _bytes((HEAD + "\n" + OK + "\x00\n").encode()), 0, (1, 1, 0)),
    Case("hxl_row_under_header", _text(HEAD, "#org+acronym,#sector+cluster,#adm1+code,#adm1+name,#adm2+code,"
                                       "#adm2+name,#targeted,#reached,#date+start,#date+end,#status", OK), 0,
         (1, 1, 0)),
    # numbers
    Case("thousands_separator", _text(HEAD, _row(people_targeted="1,200", people_reached="1,100")), 0, (1, 1, 0)),
    Case("decimal_comma_is_not_a_count", _text(HEAD, _row(people_targeted="0,85")), 1, (1, 0, 1),
         frozenset({"parse_int"})),
    Case("infinity", _text(HEAD, _row(people_targeted="inf")), 1, (1, 0, 1), frozenset({"parse_int"})),
    Case("nan_text_is_missing", _text(HEAD, _row(people_targeted="nan", people_reached="#N/A")), 0, (1, 1, 0)),
    Case("dash_is_missing", _text(HEAD, _row(people_reached="-")), 0, (1, 1, 0)),
    Case("arabic_indic_digits", _text(HEAD, _row(people_targeted="١٢٠", people_reached="٨٠")), 0, (1, 1, 0)),
    Case("negative_count", _text(HEAD, _row(people_reached="-5")), 1, (1, 0, 1)),
    Case("not_a_number", _text(HEAD, _row(people_targeted="about 100")), 1, (1, 0, 1), frozenset({"parse_int"})),
    # values, dates, places
    Case("free_text_sector_labels", _text(HEAD, _row(sector_code="WASH"), _row(sector_code="Food Security"),
                                          _row(sector_code="PROTECTION_OP")), 0, (3, 3, 0)),
    Case("unknown_sector", _text(HEAD, OK, _row(sector_code="Helth")), 1, (2, 1, 1), frozenset({"value_known"})),
    Case("status_variants", _text(HEAD, _row(status="Completed"), _row(status="On-going")), 0, (2, 2, 0)),
    Case("unknown_status", _text(HEAD, _row(status="kind of done")), 1, (1, 0, 1), frozenset({"value_known"})),
    Case("period_end_before_start", _text(HEAD, _row(period_start="2026-03-01", period_end="2026-02-01")), 1,
         (1, 0, 1), frozenset({"period_end_not_before_start"})),
    Case("date_in_the_future", _text(HEAD, _row(period_start="2099-01-01", period_end="2099-02-01")), 1,
         (1, 0, 1), frozenset({"date_not_in_future"})),
    Case("impossible_date", _text(HEAD, _row(period_end="2026-13-45")), 1, (1, 0, 1), frozenset({"parse_date"})),
    Case("unknown_pcode", _text(HEAD, _row(admin2_pcode="IQG15Q99", admin2_name="")), 1, (1, 0, 1),
         frozenset({"pcode_in_gazetteer"})),
    Case("legacy_pcode", _text(HEAD, _row(admin1_pcode="IQ-G15", admin1_name="")), 1, (1, 0, 1)),
    Case("name_disagrees_with_pcode", _text(HEAD, _row(admin2_name="Sinjar")), 1, (1, 0, 1),
         frozenset({"name_matches_pcode"})),
    Case("names_only_legacy_spellings", _text(HEAD, _row(admin1_pcode="", admin1_name="Dahuk", admin2_pcode="",
                                                         admin2_name="Sumel")), 0, (1, 1, 0)),
    Case("missing_organisation", _text(HEAD, _row(org_acronym="")), 1, (1, 0, 1), frozenset({"required"})),
    Case("formula_in_a_name", _text(HEAD, _row(org_acronym="=HYPERLINK(1)")), 0, (1, 1, 0)),
    # files that cannot be read at all: exit 2 with a reason, no counts
    Case("empty_file", _bytes(b""), 2),
    Case("header_only", _text(HEAD), 2),
    Case("binary_png", _bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8), 2),
    Case("mostly_nul_bytes", _bytes(b"\x00" * 4096 + b"a,b\n"), 2),
    Case("ten_megabyte_field", _text(HEAD, _row(org_acronym="x" * 10_000_000)), 2),
    Case("required_columns_missing", _text("organisation,cluster", "NRC,PRO"), 2),
    Case("decompression_bomb", lambda p: _bomb(p, 30), 2, suffix=".xlsx"),
    Case("billion_laughs", _billion_laughs, 2, suffix=".xlsx"),
    Case("not_a_workbook", _bytes(b"this is plain text, not a zip"), 2, suffix=".xlsx"),
]


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_answers_each_file_of_the_corpus(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{case.name}{case.suffix}"
    case.write(path)
    code = main(["check", str(path), "--kind", case.kind, "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    report = json.loads(captured.out)
    assert len(report) == 1
    result = report[0]
    assert code == case.exit_code, result
    if case.exit_code == 2:
        assert result["error"] and "\n" not in result["error"]
        return
    counts = (result["rows_read"], result["rows_accepted"], result["rows_quarantined"])
    assert counts == case.counts, result["issues"]
    rules = {issue["rule"] for issue in result["issues"]}
    assert case.rules <= rules, rules
    assert (code == 0) == (not result["issues"])
