"""`ds-pipeline check`: files anywhere on disk, JSON report with every rule, exit codes, never a traceback."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ds_pipeline.cli import main

REPO_SETTINGS = Path(__file__).resolve().parents[1] / "sources" / "demo" / "settings.yaml"
SERVICE_HEADER = ["org_acronym", "sector_code", "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name",
                  "people_targeted", "people_reached", "period_start", "period_end", "status"]
GOOD = ["UNICEF", "WSH", "IQG15", "Ninewa", "IQG15Q05", "Al-Mosul", "100", "80", "2026-01-01", "2026-02-01",
        "completed"]
DISPLACEMENT_HEADER = ["reporting_date", "population_type", "location_id", "admin1_pcode", "admin2_pcode",
                       "individuals"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    """A sources folder: a 4W entry, a DTM entry by round and a gazetteer in the HDX p-codes layout."""
    root = tmp_path / "sources"
    (root / "registry").mkdir(parents=True)
    shutil.copy(REPO_SETTINGS, root / "settings.yaml")
    (root / "registry" / "partner_4w.yaml").write_text(
        "source: partner_4w\nkind: service_mapping\nfiles: files/4w/*_4w.csv\ncolumns:\n"
        + "".join(f"  {c}: {c}\n" for c in SERVICE_HEADER), encoding="utf-8")
    (root / "registry" / "dtm.yaml").write_text(
        "source: dtm\nkind: displacement\nfiles: files/dtm/dtm_R{round}.csv\nadmin_level: district\ncolumns:\n"
        + "".join(f"  {c}: {c}\n" for c in DISPLACEMENT_HEADER), encoding="utf-8")
    (root / "registry" / "gaz.yaml").write_text(
        "source: gaz\nkind: gazetteer\nfiles: files/gaz/pcodes.csv\nlayout: hdx_global_pcodes\n", encoding="utf-8")
    write_hdx_gazetteer(root / "files" / "gaz" / "pcodes.csv")
    return root


def write_hdx_gazetteer(path: Path) -> Path:
    return write_csv(path, [
        ["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"],
        ["IRQ", "0", "IRQ", "Iraq", "", "2019-06-03"],
        ["IRQ", "1", "IQG15", "Ninewa", "IRQ", "2019-06-03"],
        ["IRQ", "2", "IQG15Q05", "Al-Mosul", "IQG15", "2019-06-03"],
        ["IRQ", "2", "IQG15Q07", "Sinjar", "IQG15", "2019-06-03"],
    ])


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    code = main(["check", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_file_outside_the_sources_folder_is_checked_and_nothing_is_written(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "outside" / "ngo_4w.csv", [SERVICE_HEADER, GOOD, [*GOOD[:6], "abc", *GOOD[7:]]])
    before = sorted(p for p in sources.rglob("*"))
    assert main(["check", str(path), "--sources", str(sources)]) == 1
    out = capsys.readouterr().out
    assert "registry:partner_4w" in out and "people_targeted" in out and "row 3," in out
    assert "subpath" not in out
    assert sorted(p for p in sources.rglob("*")) == before


def test_json_has_the_documented_keys_counts_that_reconcile_and_every_rule_of_a_row(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_rules = [*GOOD[:1], "XX", *GOOD[2:6], "abc", *GOOD[7:]]  # unknown sector and a non-number
    path = write_csv(tmp_path / "ngo_4w.csv", [SERVICE_HEADER, GOOD, two_rules, GOOD])
    code, report = run_json([str(path), "--sources", str(sources)], capsys)
    assert code == 1 and len(report) == 1
    result = report[0]
    for key in ("file", "kind", "source", "layout", "encoding", "rows_read", "rows_accepted", "rows_quarantined",
                "issues"):
        assert key in result
    assert result["kind"] == "service_mapping" and result["source"] == "partner_4w"
    assert result["rows_read"] == 3 == result["rows_accepted"] + result["rows_quarantined"]
    assert result["rows_quarantined"] == 1
    row3 = [i for i in result["issues"] if i["row"] == 3]
    assert {i["column"] for i in row3} >= {"sector_code", "people_targeted"}
    assert len({i["rule"] for i in row3}) >= 2
    for issue in result["issues"]:
        assert set(issue) >= {"row", "sheet", "column", "value", "rule", "message"}
    assert {i["value"] for i in row3} >= {"XX", "abc"}


def test_text_report_never_merges_different_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [SERVICE_HEADER, *[[*GOOD[:6], "abc", *GOOD[7:]] for _ in range(3)],
            *[[*GOOD[:7], "abc", *GOOD[8:]] for _ in range(3)]]
    path = write_csv(tmp_path / "x.csv", rows)
    assert main(["check", str(path), "--kind", "service_mapping"]) == 1
    out = capsys.readouterr().out
    assert "rows 2-4, column 'people_targeted'" in out and "rows 5-7, column 'people_reached'" in out


def test_kind_without_registry_picks_the_dtm_api_v3_preset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ["id", "operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode", "admin2Name",
              "admin2Pcode", "numPresentIdpInd", "reportingDate", "roundNumber", "adminLevel",
              "displacementReason", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode", "assessmentType"]
    row = ["1", "Iraq", "Iraq", "IRQ", "Ninewa", "IQG15", "", "", "1200", "2025-06-30", "137", "1",
           "Conflict", "Ninewa", "IQG15", "BA"]
    path = write_csv(tmp_path / "dtm_export.csv", [header, row])
    code, report = run_json([str(path), "--kind", "displacement"], capsys)
    assert report[0]["layout"] == "dtm_api_v3" and report[0]["kind"] == "displacement"
    assert code in (0, 1) and report[0]["rows_read"] == 1


def test_gazetteer_option_with_an_hdx_pcodes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gazetteer = write_hdx_gazetteer(tmp_path / "global_pcodes.csv")
    sinjar = [*GOOD[:4], "IQG15Q07", "Sinjar", *GOOD[6:]]
    tikrit = [*GOOD[:2], "IQG16", "Salah Al-Din", "IQG16Q06", "Tikrit", *GOOD[6:]]
    path = write_csv(tmp_path / "x.csv", [SERVICE_HEADER, sinjar, tikrit])
    code, report = run_json([str(path), "--kind", "service_mapping", "--gazetteer", str(gazetteer)], capsys)
    assert code == 1 and report[0]["rows_accepted"] == 1 and report[0]["rows_quarantined"] == 1
    assert "global_pcodes.csv" in report[0]["gazetteer"]
    assert {i["row"] for i in report[0]["issues"]} == {3}
    # the bundled gazetteer knows Tikrit
    code, report = run_json([str(path), "--kind", "service_mapping"], capsys)
    assert code == 0 and report[0]["rows_accepted"] == 2


def test_accepted_out_writes_canonical_rows_with_resolved_pcodes_formula_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_name = ["=HYPERLINK(1)", "WSH", "", "Ninewa", "", "Mosul", *GOOD[6:]]
    path = write_csv(tmp_path / "x.csv", [SERVICE_HEADER, by_name])
    out = tmp_path / "accepted.csv"
    assert main(["check", str(path), "--kind", "service_mapping", "--accepted-out", str(out)]) == 0
    capsys.readouterr()
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert row["admin1_pcode"] == "IQG15" and row["admin2_pcode"] == "IQG15Q05"
    assert row["admin2_name"] == "Mosul" and row["admin2_name_en"] == "Al-Mosul"
    assert row["org_acronym"].startswith("'")  # a formula is written as text


REASONS = ("the file is empty", "encoding not recognised", "not a spreadsheet", "required columns missing")


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (bytes(range(256)) * 4, "")])
def test_empty_and_binary_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    path = tmp_path / "partner.csv"
    path.write_bytes(content)
    assert main(["check", str(path), "--kind", "service_mapping"]) == 2
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1 and reason in out and "Traceback" not in out
    assert any(f"partner.csv: {r}" in out for r in REASONS), out
    xlsx = tmp_path / "partner.xlsx"
    xlsx.write_bytes(content or b"not a zip")
    assert main(["check", str(xlsx), "--kind", "service_mapping"]) == 2
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1 and ("not a spreadsheet" in out or "empty" in out)


def test_an_unexpected_error_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ds_pipeline.lib.check_report as check_report

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(check_report, "validate_and_conform", boom)
    good = write_csv(tmp_path / "x.csv", [SERVICE_HEADER, GOOD])
    code, report = run_json([str(good), "--kind", "service_mapping"], capsys)
    assert code == 2 and report[0]["error"] == "could not check: RuntimeError: boom second line"
    assert report[0]["issues"] == [] and report[0]["rows_accepted"] == 0


def test_several_files_exit_with_the_worst(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_csv(tmp_path / "good.csv", [SERVICE_HEADER, GOOD])
    bad = write_csv(tmp_path / "bad.csv", [SERVICE_HEADER, [*GOOD[:6], "abc", *GOOD[7:]]])
    code, report = run_json([str(good), str(bad), "--kind", "service_mapping"], capsys)
    assert code == 1 and [r["exit_code"] for r in report] == [0, 1]
    (tmp_path / "empty.csv").write_bytes(b"")
    code, report = run_json([str(good), str(tmp_path / "empty.csv")], capsys)
    assert code == 2 and report[1]["error"] == "the file is empty"
    assert "give --kind or --source" in report[0]["error"]  # no registry entry and no --kind


def test_missing_required_columns_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "x.csv", [["org_acronym", "activity"], ["UNICEF", "wells"]])
    code, report = run_json([str(path), "--kind", "service_mapping"], capsys)
    assert code == 2 and "sector_code" in report[0]["error"] and "admin1_pcode" in report[0]["error"]


def test_a_duplicate_of_a_row_of_a_registered_file_is_reported(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = ["2026-06-30", "idp", "", "IQG15", "IQG15Q05", "1200"]
    other = ["2026-06-30", "idp", "", "IQG15", "IQG15Q07", "300"]
    write_csv(sources / "files" / "dtm" / "dtm_R140.csv", [DISPLACEMENT_HEADER, row])
    path = write_csv(tmp_path / "dtm_R140.csv", [DISPLACEMENT_HEADER, other, row])
    code, report = run_json([str(path), "--sources", str(sources)], capsys)
    assert report[0]["source"] == "dtm"
    assert code == 1 and report[0]["rows_quarantined"] == 1
    assert [i["row"] for i in report[0]["issues"]] == [3]
    assert "duplicate" in report[0]["issues"][0]["message"]


CSV_CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(CSV_CELLS, min_size=1, max_size=6), max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in [SERVICE_HEADER[:5], *rows]).encode("utf-8")),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
))
def test_any_bytes_give_exit_0_1_or_2_valid_json_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    code = main(["check", str(path), "--format", "json", "--kind", "service_mapping"])
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    report = json.loads(captured.out)
    assert isinstance(report, list) and len(report) == 1
    assert "Traceback" not in captured.out + captured.err


def test_source_option_names_the_entry_and_an_unknown_one_is_refused(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "received_from_partner.csv", [SERVICE_HEADER, GOOD])
    code, report = run_json([str(path), "--sources", str(sources), "--source", "partner_4w"], capsys)
    assert code == 0 and report[0]["layout"] == "registry:partner_4w" and report[0]["rows_accepted"] == 1
    code, report = run_json([str(path), "--sources", str(sources), "--source", "nope"], capsys)
    assert code == 2 and "no registered source 'nope'" in report[0]["error"]


def test_accepted_out_that_cannot_be_written_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "x.csv", [SERVICE_HEADER, GOOD])
    out = tmp_path / "no_such_folder" / "accepted.csv"
    assert main(["check", str(path), "--kind", "service_mapping", "--accepted-out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("error: could not write")
