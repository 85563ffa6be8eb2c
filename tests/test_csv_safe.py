"""Formula injection: every CSV the project writes neutralises cells a spreadsheet would run, numbers excepted."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from test_ingest import GAZETTEER, GAZETTEER_ENTRY
from test_products_edition import SETTINGS, WEEK, make_tables

from ds_pipeline.lib.csv_safe import csv_writer, neutralise_cell, write_frame_csv
from ds_pipeline.lib.feedback import validate_and_conform
from ds_pipeline.lib.metrics.poa import poa_status
from ds_pipeline.lib.products import build_edition, build_pack
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import load_registry

PLANTED = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(A1)", "-2+3"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("-Sinjar", "'-Sinjar"),
        ("=1+1", "'=1+1"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("-12", "-12"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-1.5e-3", "-1.5e-3"),
        ("Sinjar", "Sinjar"),
        ("", ""),
        ("#affected+ind", "#affected+ind"),
        (-12, -12),
    ],
)
def test_a_cell_is_neutralised_unless_it_is_a_number(value: object, written: object) -> None:
    assert neutralise_cell(value) == written


def test_writer_and_frame_helpers_neutralise_text_and_leave_numbers(tmp_path: Path) -> None:
    buffer = io.StringIO()
    csv_writer(buffer, lineterminator="\n").writerows([["name", "change"], ["=cmd|' /C calc'!A0", "-120"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["name", "change"], ["'=cmd|' /C calc'!A0", "-120"]]

    frame = pd.DataFrame({"org": ["@SUM(A1)", "NRC", None], "change": [-5, 3, 0], "share": [-0.25, 0.5, 1.0]})
    path = tmp_path / "accepted.csv"
    write_frame_csv(frame, path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["org", "change", "share"], ["'@SUM(A1)", "-5", "-0.25"], ["NRC", "3", "0.5"], ["", "0", "1.0"]]
    assert frame["org"].iloc[0] == "@SUM(A1)"  # the caller's frame is not changed


# --------------------------------------------------------------------------------------------------------------
# Planted in a POA workbook and a 4W file, read back from the published pack


REGISTRY = {
    "cod_ab": GAZETTEER_ENTRY,
    "ocha_4w": """source: ocha_4w
kind: service_mapping
files: files/4w.csv
format: csv
columns: {admin1_pcode: Governorate code, admin2_pcode: District code, org_acronym: Org, org_name: Organisation,
          sector_code: Sector, activity: Activity, iasc_criterion: Criterion, status: Status,
          people_targeted: Targeted, people_reached: Reached, period_start: Start, period_end: End}
""",
    "poa": """source: poa
kind: poa_submission
files: "files/poa/*.xlsx"
format: xlsx
sheet: Actions
header_row: 1
columns: {area: Area, report_month: Reporting month, action_id: Action ID, action: Action,
          iasc_criterion: IASC criterion, lead_org: Lead organisation, target: Target, achieved: Achieved,
          status: Status, due_date: Due date, submitted_on: Submitted on}
""",
}


def _sources(folder: Path) -> Path:
    (folder / "registry").mkdir(parents=True)
    for name, text in REGISTRY.items():
        (folder / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    files = folder / "files"
    (files / "poa").mkdir(parents=True)
    (files / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Governorate code", "District code", "Org", "Organisation", "Sector", "Activity", "Criterion",
                     "Status", "Targeted", "Reached", "Start", "End"])
    for number, text in enumerate(PLANTED):
        writer.writerow(["IQG15", "IQG15Q06", text, text, "PRO", text, 1 + number, "ongoing", 100, 50,
                         "2026-10-01", "2026-11-30"])
    (files / "4w.csv").write_text(buffer.getvalue(), encoding="utf-8")
    workbook = xlsxwriter.Workbook(str(files / "poa" / "sinjar_2026-10.xlsx"))
    sheet = workbook.add_worksheet("Actions")
    sheet.write_row(0, 0, ["Area", "Reporting month", "Action ID", "Action", "IASC criterion", "Lead organisation",
                           "Target", "Achieved", "Status", "Due date", "Submitted on"])
    for number, text in enumerate(PLANTED):  # due before the end of October and not completed: overdue
        sheet.write_row(1 + number, 0, ["Sinjar", "2026-10", f"INJ-{number}", "", 1 + number, "", 10, 4,
                                        "delayed", "2026-10-15", "2026-11-05"])
        sheet.write_string(1 + number, 3, text)  # typed as text, not a formula of the workbook
        sheet.write_string(1 + number, 5, text)
    workbook.close()
    return folder


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    sources = _sources(tmp_path_factory.mktemp("sources"))
    registry = load_registry(sources)
    conformed = {}
    for kind in ("service_mapping", "poa_submission"):
        rows, quarantine = validate_and_conform(sources, registry, SETTINGS, kind, read_kind(sources, registry, kind))
        assert quarantine.empty, quarantine["reason"].tolist()
        conformed[kind] = rows
    tables = make_tables()
    status, overdue, timeliness = poa_status(conformed["poa_submission"])
    tables.update(poa_status_by_criterion=status, poa_overdue_actions=overdue, poa_timeliness=timeliness,
                  service_mapping_conformed=conformed["service_mapping"])
    edition = build_edition(tables, WEEK, SETTINGS)
    return zipfile.ZipFile(io.BytesIO(build_pack(edition, "<html></html>", b"%PDF-1.7")))


def _rows(pack: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(pack.read(f"data/{name}.csv").decode("utf-8"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[2:]]


def test_planted_poa_text_is_neutralised_in_the_published_csv(pack: zipfile.ZipFile) -> None:
    planted = [r for r in _rows(pack, "poa_overdue_actions") if r["action_id"].startswith("INJ-")]
    assert sorted(r["action"] for r in planted) == sorted("'" + text for text in PLANTED)
    assert sorted(r["lead_org"] for r in planted) == sorted("'" + text for text in PLANTED)


def test_planted_4w_text_is_neutralised_in_the_published_csv(pack: zipfile.ZipFile) -> None:
    directory = [r for r in _rows(pack, "referral_directory") if r["area_id"] == "IQG15Q06"]
    assert len(directory) == len(PLANTED)
    for column in ("org_acronym", "org_name", "activity"):
        assert sorted(r[column] for r in directory) == sorted("'" + text for text in PLANTED), column


def test_no_published_cell_starts_a_formula_and_negative_numbers_stay_numbers(pack: zipfile.ZipFile) -> None:
    negatives = 0
    for name in pack.namelist():
        if not name.endswith(".csv"):
            continue
        for row in csv.reader(io.StringIO(pack.read(name).decode("utf-8"))):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    float(cell)  # only numbers may start so
                    negatives += cell.startswith("-")
    assert negatives > 0  # gaps and changes below zero are published as numbers
    gaps = [r["gap_pp"] for r in _rows(pack, "criteria_progress") if r["gap_pp"].startswith("-")]
    assert gaps and all(float(g) < 0 for g in gaps)
