"""The POA progress template: filled in, it passes the check; layout, lists, README and pre-fill follow the config."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

from ds_pipeline.cli import main
from ds_pipeline.lib.canonical import IASC_CRITERIA, POA_STATUSES
from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.feedback import check_file
from ds_pipeline.lib.poa_template import poa_registry_entry, previous_report, write_poa_template
from ds_pipeline.lib.registry import SourceEntry, load_registry
from ds_pipeline.lib.settings import load_settings

CARRIED = ("Action ID", "Action", "IASC criterion", "Lead organisation", "Partner organisations", "Target",
           "Due date")
LEFT_FOR_THE_AREA_GROUP = ("Achieved", "Status", "Submitted on", "Barriers")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = copy_demo_config(tmp_path_factory.mktemp("poa-template") / "sources")
    manifest = generate_demo_sources(folder, scale=0.05, rounds=3)
    return folder, manifest


@pytest.fixture
def sources(generated: tuple[Path, dict], tmp_path: Path) -> Path:
    """A fresh copy of the generated sources folder, to drop files into."""
    return Path(shutil.copytree(generated[0], tmp_path / "sources"))


def entry_of(folder: Path) -> SourceEntry:
    return poa_registry_entry(load_registry(folder))


def write_template(folder: Path, area: str, month: str, path: Path, entry: SourceEntry | None = None,
                   actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write the template of `area` and `month`, pre-filled from the folder's latest earlier report of the area."""
    if actions is None:
        actions = previous_report(folder, area, month)
    write_poa_template(path, area=area, month=month, registry_entry=entry or entry_of(folder),
                       settings=load_settings(folder), actions=actions)
    return actions


def sheet_rows(path: Path, sheet: str, header_row: int) -> dict[int, dict[str, Any]]:
    """Data rows of a sheet by spreadsheet row number, keyed by header; empty cells are None."""
    workbook = openpyxl.load_workbook(path, data_only=True)
    grid = list(workbook[sheet].iter_rows(values_only=True))
    header = grid[header_row - 1]
    rows = {header_row + 1 + i: dict(zip(header, row, strict=True)) for i, row in enumerate(grid[header_row:])}
    return {number: row for number, row in rows.items() if any(v is not None for v in row.values())}


def fill_in(path: Path, sheet: str, header_row: int, values: dict[int, dict[str, Any]]) -> None:
    """Type values into the workbook as an area group would (row number -> header -> value) and save it."""
    workbook = openpyxl.load_workbook(path)
    worksheet = workbook[sheet]
    column_of = {cell.value: cell.column for cell in worksheet[header_row] if cell.value}
    for number, cells in values.items():
        for header, value in cells.items():
            worksheet.cell(row=number, column=column_of[header], value=value)
    workbook.save(path)


def progress(rows: dict[int, dict[str, Any]], status_header: str = "Status") -> dict[int, dict[str, Any]]:
    """This month's progress for every pre-filled action: each status code in turn, achieved, submitted on."""
    filled = {}
    for index, (number, row) in enumerate(sorted(rows.items())):
        status = POA_STATUSES[index % len(POA_STATUSES)]
        achieved = row["Target"] if status == "completed" else (0 if status == "not_started" else row["Target"] // 2)
        filled[number] = {status_header: status, "Achieved": achieved, "Submitted on": date(2026, 12, 4)}
    return filled


def readme_text(path: Path) -> str:
    workbook = openpyxl.load_workbook(path)
    return "\n".join(" | ".join(str(v) for v in row if v is not None)
                     for row in workbook["README"].iter_rows(values_only=True))


def test_filled_in_template_passes_the_check_with_no_rejected_rows(sources: Path) -> None:
    path = sources / "files/poa/sinjar/POA_sinjar_2026-11.xlsx"
    actions = write_template(sources, "Sinjar", "2026-11", path)
    assert len(actions) >= 12

    blank = check_file(sources, path)  # as written, progress is missing on every row
    assert blank.rows_read == len(actions) and blank.rows_accepted == 0

    fill_in(path, "Actions", 4, progress(sheet_rows(path, "Actions", 4)))
    result = check_file(sources, path)
    assert result.quarantine.empty, result.render()
    assert result.rows_read == result.rows_accepted == len(actions)
    assert "no problems found" in result.render()
    # once dropped, the filled-in workbook is the area's latest report
    carried = previous_report(sources, "Sinjar", "2026-12")
    assert set(carried["report_month"]) == {"2026-11"}
    assert list(carried["action_id"]) == list(actions["action_id"])
    assert sorted(set(carried["status"])) == sorted(POA_STATUSES)


def test_an_invalid_status_is_rejected_naming_the_status_column(sources: Path) -> None:
    path = sources / "files/poa/balad/POA_balad_2026-11.xlsx"
    write_template(sources, "Balad", "2026-11", path)
    values = progress(sheet_rows(path, "Actions", 4))
    bad_row = sorted(values)[2]
    values[bad_row]["Status"] = "Done"
    fill_in(path, "Actions", 4, values)

    result = check_file(sources, path)
    assert len(result.quarantine) == 1
    rejected = result.quarantine.iloc[0]
    assert rejected["column"] == "Status"
    assert rejected["source_row"] == str(bad_row)
    assert f"row {bad_row}, column 'Status'" in rejected["reason"] and "'Done'" in rejected["reason"]
    assert result.rows_accepted == len(values) - 1


def test_same_inputs_give_identical_bytes(sources: Path, tmp_path: Path) -> None:
    actions = previous_report(sources, "Ramadi", "2026-11")
    first, again, other = tmp_path / "first.xlsx", tmp_path / "again.xlsx", tmp_path / "other.xlsx"
    write_template(sources, "Ramadi", "2026-11", first, actions=actions)
    write_template(sources, "Ramadi", "2026-11", again, actions=actions)
    write_template(sources, "Ramadi", "2026-12", other, actions=actions)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert openpyxl.load_workbook(first).properties.created == datetime(2026, 11, 1)


@pytest.mark.parametrize(
    ("month", "deadline_day", "deadline"),
    [("2026-11", None, "10 December 2026"), ("2026-12", None, "10 January 2027"), ("2027-01", 31, "28 February 2027")],
)
def test_readme_comes_first_with_status_codes_criteria_deadline_and_personal_data(
    sources: Path, tmp_path: Path, month: str, deadline_day: int | None, deadline: str
) -> None:
    if deadline_day is not None:
        settings_file = sources / "settings.yaml"
        settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
        settings["poa"]["deadline_day"] = deadline_day
        settings_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "template.xlsx"
    write_template(sources, "Al-Bakar", month, path)

    assert openpyxl.load_workbook(path).sheetnames == ["README", "Actions"]
    text = readme_text(path)
    lines = text.splitlines()
    for code in POA_STATUSES:
        assert any(line.startswith(f"{code} | ") for line in lines), code
    for number, name in IASC_CRITERIA.items():
        assert f"{number} | {name}" in lines
    assert f"by {deadline} " in text
    personal = next(line for line in lines if line.startswith("Personal data | "))
    assert "Focal point name, Focal point phone" in personal and "never published" in personal


def test_prefill_carries_the_previous_months_actions(generated: tuple[Path, dict], tmp_path: Path) -> None:
    folder, manifest = generated
    previous = "files/poa/sinjar/POA_sinjar_2026-10.xlsx"
    planted = {p["source_row"] for p in manifest["planted"] if p["source_file"] == previous}
    last_report = [row for number, row in sheet_rows(folder / previous, "Actions", 4).items() if number not in planted]

    path = tmp_path / "POA_sinjar_2026-11.xlsx"
    write_template(folder, "Sinjar", "2026-11", path)
    template = list(sheet_rows(path, "Actions", 4).values())

    assert len(template) == len(last_report) >= 12
    for carried, reported in zip(template, last_report, strict=True):
        assert (carried["Area"], carried["Reporting month"]) == ("Sinjar", "2026-11")
        assert {h: carried[h] for h in CARRIED} == {h: reported[h] for h in CARRIED}
        assert all(carried[h] is None for h in LEFT_FOR_THE_AREA_GROUP)
    assert "actions carried over from the 2026-10 report" in readme_text(path)


def test_prefill_takes_the_latest_accepted_report_before_the_month(generated: tuple[Path, dict]) -> None:
    folder, _ = generated
    assert set(previous_report(folder, "Sinjar", "2026-08")["report_month"]) == {"2026-07"}
    # Ramadi's July workbook has no Status column, so every row of it is quarantined: June is the latest accepted
    assert set(previous_report(folder, "ramadi", "2026-08")["report_month"]) == {"2026-06"}
    assert previous_report(folder, "Balad", "2026-05").empty


def test_excel_checks_cover_the_columns_the_pipeline_checks(generated: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = generated
    path = tmp_path / "template.xlsx"
    actions = write_template(folder, "Sinjar", "2026-11", path)
    worksheet = openpyxl.load_workbook(path)["Actions"]
    letter = {cell.value: cell.column_letter for cell in worksheet[4] if cell.value}
    rules = {}
    for rule in worksheet.data_validations.dataValidation:
        cells = str(rule.sqref)
        column = next(h for h, col in letter.items() if cells.startswith(f"{col}5:{col}"))
        assert int(cells.split(":")[1][len(letter[column]):]) > 4 + len(actions)
        rules[column] = (rule.type, rule.operator, rule.formula1)
    assert rules["Status"] == ("list", None, '"' + ",".join(POA_STATUSES) + '"')
    assert rules["IASC criterion"] == ("list", None, '"1,2,3,4,5,6,7,8"')
    assert rules["Target"] == rules["Achieved"] == ("decimal", "greaterThanOrEqual", "0")
    assert rules["Due date"][0] == rules["Submitted on"][0] == "date"
    assert rules["Area"] == ("list", None, '"Sinjar"') and rules["Reporting month"] == ("list", None, '"2026-11"')
    assert worksheet.freeze_panes == "A5"


def test_a_registry_edit_changes_the_template_and_the_check_follows(sources: Path) -> None:
    actions = previous_report(sources, "Sinjar", "2026-11")
    registry_file = sources / "registry" / "poa_workbooks.yaml"
    registry = yaml.safe_load(registry_file.read_text(encoding="utf-8"))
    registry["header_row"] = 6
    registry["sheet"] = "Progress"
    registry["columns"]["status"] = "Progress status"
    registry_file.write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")

    path = sources / "files/poa/sinjar/POA_sinjar_2026-11.xlsx"
    write_template(sources, "Sinjar", "2026-11", path, actions=actions)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["README", "Progress"]
    header = [c.value for c in workbook["Progress"][6] if c.value]
    assert header[:3] == ["Area", "Reporting month", "Action ID"] and "Progress status" in header
    assert "Status" not in header
    assert workbook["Progress"]["A1"].value == "Plan of Action - monthly progress report"

    fill_in(path, "Progress", 6, progress(sheet_rows(path, "Progress", 6), status_header="Progress status"))
    result = check_file(sources, path)
    assert result.quarantine.empty, result.render()
    assert result.rows_accepted == len(actions)


def test_command_writes_the_prefilled_template(generated: tuple[Path, dict], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = generated
    out = tmp_path / "out" / "POA_al-bakar_2026-11.xlsx"
    code = main(["poa-template", "--area", "al bakar", "--month", "2026-11", "--out", str(out),
                 "--sources", str(folder)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "POA template for Al-Bakar, 2026-11 (due 2026-12-10)" in printed
    rows = sheet_rows(out, "Actions", 4)
    assert f"{len(rows)} actions carried over from the 2026-10 report" in printed
    assert {row["Area"] for row in rows.values()} == {"Al-Bakar"}

    refused = main(["poa-template", "--area", "Tal Afar", "--month", "2026-11", "--out", str(tmp_path / "x.xlsx"),
                    "--sources", str(folder)])
    assert refused == 1 and "not a configured POA area" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["poa-template", "--area", "Sinjar", "--month", "2026-13", "--out", str(tmp_path / "x.xlsx"),
              "--sources", str(folder)])
    assert exit_info.value.code == 2


def test_bad_arguments_are_refused(generated: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = generated
    entry, settings = entry_of(folder), load_settings(folder)
    actions = previous_report(folder, "Balad", "2026-11")
    for month in ("2026-13", "2026-1", "November"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            write_poa_template(tmp_path / "x.xlsx", area="Balad", month=month, registry_entry=entry, settings=settings)
    with pytest.raises(ValueError, match="not a configured POA area"):
        write_poa_template(tmp_path / "x.xlsx", area="Tal Afar", month="2026-11", registry_entry=entry,
                           settings=settings)
    with pytest.raises(ValueError, match="actions of Sinjar expected"):
        write_poa_template(tmp_path / "x.xlsx", area="Sinjar", month="2026-11", registry_entry=entry,
                           settings=settings, actions=actions)
    assert not (tmp_path / "x.xlsx").exists()
