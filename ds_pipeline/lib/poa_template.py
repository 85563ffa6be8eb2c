"""The Plan of Action progress template an area-level group fills in every month and sends to the secretariat.

`write_poa_template` writes the template for one POA area and reporting month: a README sheet (what to fill, the
status codes, the IASC criteria, the submission deadline), then the Actions sheet laid out exactly as the POA
registry entry reads it, with Excel data validation, optionally pre-filled with the actions of the area's last
report. `write_poa_workbook` is the layout itself, shared with the demo's filled-in workbooks.
`previous_report` finds that last report in a sources folder, read, validated and conformed as the pipeline does.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from ds_pipeline.lib.canonical import IASC_CRITERIA, POA_STATUSES
from ds_pipeline.lib.conform import normalise_name
from ds_pipeline.lib.edition_calendar import month_start, parse_report_month
from ds_pipeline.lib.feedback import validate_and_conform
from ds_pipeline.lib.metrics.poa import reporting_deadline
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import SourceEntry, load_registry
from ds_pipeline.lib.settings import load_settings

KIND = "poa_submission"
TITLE = "Plan of Action - monthly progress report"
DEFAULT_DEADLINE_DAY = 10
# Rows under the last pre-filled action that still carry the data validation, for actions the group adds.
ROWS_FOR_NEW_ACTIONS = 100
# Any real date passes a date rule from this day on; text such as "TBC" or "end of Q3" does not.
EARLIEST_DATE = date(2000, 1, 1)

STATUS_MEANINGS: dict[str, str] = {
    "not_started": "work on the action has not started yet",
    "on_track": "under way and expected to reach its target by the due date",
    "delayed": "under way but behind plan: say why under Barriers",
    "completed": "the target is reached or the action is finished",
}

# What to write in each column, by canonical column (the header text comes from the registry entry).
COLUMN_GUIDANCE: dict[str, str] = {
    "area": "pre-filled: the POA area",
    "report_month": "pre-filled: the reporting month, YYYY-MM",
    "action_id": "the action's ID in the area's plan: keep last month's IDs; give a new action a new ID",
    "action": "what is done, naming the unit of the target",
    "iasc_criterion": "the IASC criterion the action serves: a whole number from 1 to 8 (see below)",
    "lead_org": "acronym of the organisation leading the action",
    "partner_orgs": "acronyms of the partner organisations, separated by commas (may be empty)",
    "target": "the number to reach, in the unit named in the action (0 or more)",
    "achieved": "the number reached since the action started, in the same unit (0 or more)",
    "status": "one of the status codes below",
    "due_date": "the date the action is due, YYYY-MM-DD",
    "submitted_on": "the date you send this workbook, YYYY-MM-DD",
    "barriers": "what holds the action back (free text), above all when its status is delayed",
}
PERSONAL_DATA_GUIDANCE = "focal point of the action: for the secretariat only, never published"

# Canonical columns carried over from the last report into the next month's template.
CARRIED_OVER = ("action_id", "action", "iasc_criterion", "lead_org", "partner_orgs", "target", "due_date")
COLUMN_WIDTHS = {"action": 60, "partner_orgs": 24, "barriers": 40, "lead_org": 18}
PERSONAL_DATA_WIDTH = 22
DEFAULT_WIDTH = 14


def check_report_month(month: str) -> str:
    """`month` if it is a reporting month written YYYY-MM, else ValueError (a CalendarError)."""
    return parse_report_month(month)


def configured_area(settings: dict[str, Any], name: str) -> str:
    """The configured POA area `name` stands for (spelling as in settings.yaml), else ValueError."""
    configured = [str(area["name"]) for area in settings["poa_areas"]]
    by_key = {normalise_name(n): n for n in configured}
    match = by_key.get(normalise_name(name))
    if match is None:
        raise ValueError(f"'{name}' is not a configured POA area (configured: {', '.join(configured)})")
    return match


def submission_deadline(month: str, settings: dict[str, Any]) -> date:
    """The day a month's report is due: `poa.deadline_day` of the following month (its last day if shorter)."""
    deadline_day = int((settings.get("poa") or {}).get("deadline_day", DEFAULT_DEADLINE_DAY))
    return reporting_deadline(check_report_month(month), deadline_day).date()


def poa_registry_entry(registry: list[SourceEntry]) -> SourceEntry:
    """The registry entry POA workbooks are read with: the one XLSX source of kind poa_submission."""
    entries = [e for e in registry if e.kind == KIND and e.format == "xlsx"]
    if len(entries) != 1:
        found = ", ".join(e.source_id for e in entries) or "none"
        raise ValueError(f"expected one xlsx source of kind {KIND} in the registry, found {found}")
    return entries[0]


def template_header(entry: SourceEntry) -> list[str]:
    """Column headers of the Actions sheet: the registry entry's column map in its order, then personal data."""
    mapped = [c for c in entry.columns if c not in entry.constants]
    return [entry.columns[c] for c in mapped] + [c for c in entry.personal_data if c not in entry.columns.values()]


def previous_report(sources_dir: Path, area: str, month: str) -> pd.DataFrame:
    """Conformed rows of `area`'s latest report month before `month` in a sources folder (empty if none).

    All POA workbooks of the folder are read, validated and conformed together exactly as the pipeline does, so
    rows the pipeline would quarantine are not carried over; rows keep the order of their file and row.
    """
    check_report_month(month)
    registry = load_registry(sources_dir)
    settings = load_settings(sources_dir)
    area = configured_area(settings, area)
    raw = read_kind(sources_dir, registry, KIND)
    conformed, _ = validate_and_conform(sources_dir, registry, settings, KIND, raw)
    earlier = conformed[(conformed["area"] == area) & (conformed["report_month"] < month)]
    if earlier.empty:
        return earlier.reset_index(drop=True)
    latest = earlier[earlier["report_month"] == earlier["report_month"].max()]
    order = latest.assign(_row=pd.to_numeric(latest["source_row"], errors="coerce"))
    return order.sort_values(["source_file", "_row"], kind="stable").drop(columns="_row").reset_index(drop=True)


def write_poa_template(
    path: Path,
    *,
    area: str,
    month: str,
    registry_entry: SourceEntry,
    settings: dict[str, Any],
    actions: pd.DataFrame | None = None,
) -> None:
    """Write the progress template of one POA area and reporting month.

    `actions` (conformed rows of the area's last report, canonical columns) pre-fills one row per action with its
    ID, text, criterion, lead and partner organisations, target and due date; Achieved, Status and Submitted on
    are left for the area group. The same arguments always give the same bytes.
    """
    check_report_month(month)
    area = configured_area(settings, area)
    if registry_entry.kind != KIND or registry_entry.format != "xlsx":
        raise ValueError(f"registry entry {registry_entry.source_id} is not an xlsx source of kind {KIND}")
    rows: list[dict[str, Any]] = []
    carried_from = ""
    if actions is not None and not actions.empty:
        others = sorted({str(a) for a in actions["area"]} - {area})
        if others:
            raise ValueError(f"actions of {area} expected, got actions of {', '.join(others)}")
        if "report_month" in actions.columns:
            carried_from = str(actions["report_month"].max())
        columns = registry_entry.columns
        for action in actions.to_dict("records"):
            row = {columns[c]: action[c] for c in CARRIED_OVER if c in columns and c in action}
            if "area" in columns:
                row[columns["area"]] = area
            if "report_month" in columns:
                row[columns["report_month"]] = month
            rows.append(row)
    producer = str((settings.get("edition") or {}).get("producer", ""))
    first_day = month_start(month)
    write_poa_workbook(
        Path(path),
        area=area,
        month=month,
        registry_entry=registry_entry,
        settings=settings,
        header=template_header(registry_entry),
        rows=rows,
        author=producer,
        created=datetime(first_day.year, first_day.month, 1),
        carried_from=carried_from,
    )


def write_poa_workbook(
    path: Path,
    *,
    area: str,
    month: str,
    registry_entry: SourceEntry,
    settings: dict[str, Any],
    header: list[str],
    rows: list[dict[str, Any]],
    author: str,
    created: datetime,
    carried_from: str = "",
) -> None:
    """Write a POA progress workbook: README sheet, then the Actions sheet with the registry entry's layout.

    `header` lists the column headers in sheet order and `rows` the cells keyed by header (text, numbers or
    dates; empty and missing cells are left blank). Data validation follows the registry entry's column map for
    every column `header` holds. `created` is the fixed creation time written into the document properties.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties(
        {"title": f"Plan of Action progress - {area} - {month}", "author": author, "company": "", "created": created}
    )
    styles = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "bold": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "header": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "text": workbook.add_format({"num_format": "@"}),
    }
    _write_readme(workbook, styles, area, month, registry_entry, settings, header, len(rows), carried_from)
    _write_actions(workbook, styles, area, month, registry_entry, header, rows)
    workbook.close()


def _canonical_of(entry: SourceEntry) -> dict[str, str]:
    """Header text (case and spaces ignored) -> canonical column, for the columns the entry maps."""
    return {_header_key(provider): canonical for canonical, provider in entry.columns.items()}


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _write_readme(
    workbook: xlsxwriter.Workbook,
    styles: dict[str, Any],
    area: str,
    month: str,
    entry: SourceEntry,
    settings: dict[str, Any],
    header: list[str],
    prefilled: int,
    carried_from: str,
) -> None:
    canonical_of = _canonical_of(entry)
    personal = {_header_key(c) for c in entry.personal_data}
    sheet_name = entry.sheet or "the first"
    deadline = submission_deadline(month, settings)
    deadline_day = int((settings.get("poa") or {}).get("deadline_day", DEFAULT_DEADLINE_DAY))
    contact = str((settings.get("edition") or {}).get("contact", "")).strip()
    send_to = f"the DSTWG secretariat ({contact})" if contact else "the DSTWG secretariat"
    month_name = month_start(month).strftime("%B %Y")
    how = (
        f"Fill the {sheet_name} sheet: one row per action of the area's plan, from row {entry.header_row + 1} "
        f"(the column headers are on row {entry.header_row}). Keep the header texts as they are: the secretariat "
        "reads each column by its header. Area and Reporting month are filled in on the rows of carried-over "
        "actions; on a row you add, pick them from the cell's list."
    )
    lines: list[tuple[str, str, str]] = [
        (TITLE, "", "title"),
        ("", "", ""),
        ("Area", area, ""),
        ("Reporting month", f"{month} ({month_name})", ""),
        ("Deadline", f"Send this workbook to {send_to} by {deadline.day} {deadline:%B %Y} "
                     f"(day {deadline_day} of the month after the reporting month).", ""),
        ("How to fill", how, ""),
    ]
    if prefilled and carried_from:
        lines.append((
            "Pre-filled",
            f"{prefilled} actions carried over from the {carried_from} report, with their ID, text, criterion, "
            "organisations, target and due date. Fill Achieved, Status and Submitted on (and Barriers where "
            "needed); correct a carried-over value that has changed.",
            "",
        ))
    lines += [("", "", ""), ("Column", "What to fill", "heading")]
    for name in header:
        key = _header_key(name)
        guidance = PERSONAL_DATA_GUIDANCE if key in personal else COLUMN_GUIDANCE.get(canonical_of.get(key, ""), "")
        lines.append((name, guidance, ""))
    lines += [("", "", ""), ("Status code", "Meaning", "heading")]
    lines += [(code, STATUS_MEANINGS[code], "") for code in POA_STATUSES]
    lines.append(("(overdue)", "not a code to type: the secretariat counts an action as overdue when its due date "
                               "has passed and it is not completed", ""))
    lines += [("", "", ""), ("IASC criterion", "Name", "heading")]
    lines += [(str(number), name, "") for number, name in IASC_CRITERIA.items()]
    present_personal = [c for c in header if _header_key(c) in personal]
    if present_personal:
        lines += [
            ("", "", ""),
            ("Personal data", f"{', '.join(present_personal)}: contact details for the secretariat only. They are "
                              "never read into the evidence base and never published.", ""),
        ]

    readme = workbook.add_worksheet("README")
    readme.set_column(0, 0, 26)
    readme.set_column(1, 1, 100, styles["wrap"])
    for row, (label, text, style) in enumerate(lines):
        if style == "title":
            readme.write_string(row, 0, label, styles["title"])
            continue
        if label:
            readme.write_string(row, 0, label, styles["bold"])
        if text:
            readme.write_string(row, 1, text, styles["bold"] if style == "heading" else styles["wrap"])


def _write_actions(
    workbook: xlsxwriter.Workbook,
    styles: dict[str, Any],
    area: str,
    month: str,
    entry: SourceEntry,
    header: list[str],
    rows: list[dict[str, Any]],
) -> None:
    canonical_of = _canonical_of(entry)
    personal = {_header_key(c) for c in entry.personal_data}
    sheet = workbook.add_worksheet(entry.sheet or "Actions")
    header_index = entry.header_row - 1
    title_block = [
        (TITLE, styles["title"]),
        (f"Area: {area}    Reporting month: {month}", None),
        (f"One row per action. Status codes: {', '.join(POA_STATUSES)}. See the README sheet for what to fill.",
         None),
    ]
    for row, (text, style) in enumerate(title_block[:header_index]):
        sheet.write_string(row, 0, text, style)

    position: dict[str, int] = {}
    for column, name in enumerate(header):
        key = _header_key(name)
        canonical = canonical_of.get(key, "")
        if canonical:
            position[canonical] = column
        width = PERSONAL_DATA_WIDTH if key in personal else COLUMN_WIDTHS.get(canonical, DEFAULT_WIDTH)
        cell_format = None
        if canonical in ("due_date", "submitted_on"):
            cell_format = styles["date"]
        elif canonical in ("report_month", "action_id"):
            cell_format = styles["text"]  # typed 2026-11 stays text instead of becoming a date
        sheet.set_column(column, column, width, cell_format)
        sheet.write_string(header_index, column, name, styles["header"])

    for offset, values in enumerate(rows, start=1):
        for column, name in enumerate(header):
            _write_cell(sheet, header_index + offset, column, values.get(name), styles)

    first, last = header_index + 1, header_index + len(rows) + ROWS_FOR_NEW_ACTIONS
    for canonical, rule in _validation_rules(area, month).items():
        if canonical in position:
            sheet.data_validation(first, position[canonical], last, position[canonical], rule)
    sheet.freeze_panes(header_index + 1, 0)


def _validation_rules(area: str, month: str) -> dict[str, dict[str, Any]]:
    """Excel data validation per canonical column, mirroring the checks the pipeline makes."""
    first_day = month_start(month)
    codes = ", ".join(POA_STATUSES)
    rules: dict[str, dict[str, Any]] = {
        "report_month": {"validate": "list", "source": [month], "error_title": "Reporting month",
                         "error_message": f"This workbook reports on {month} (YYYY-MM)."},
        "iasc_criterion": {"validate": "list", "source": list(IASC_CRITERIA), "input_title": "IASC criterion",
                           "input_message": "A whole number from 1 to 8; the criteria are named on the README sheet.",
                           "error_title": "IASC criterion", "error_message": "A whole number from 1 to 8."},
        "target": {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Target",
                   "error_message": "A number, 0 or more."},
        "achieved": {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Achieved",
                     "error_message": "A number, 0 or more."},
        "status": {"validate": "list", "source": list(POA_STATUSES), "input_title": "Status",
                   "input_message": f"One of {codes} (see the README sheet).", "error_title": "Status",
                   "error_message": f"One of {codes}."},
        "due_date": {"validate": "date", "criteria": ">=", "value": EARLIEST_DATE, "error_title": "Due date",
                     "error_message": "A date, YYYY-MM-DD."},
        "submitted_on": {"validate": "date", "criteria": ">=", "value": first_day, "error_title": "Submitted on",
                         "error_message": f"A date, YYYY-MM-DD, on or after {first_day.isoformat()}."},
    }
    if "," not in area:  # an Excel list written into the rule cannot hold a comma
        rules["area"] = {"validate": "list", "source": [area], "error_title": "Area",
                         "error_message": f"This workbook reports on {area}."}
    return rules


def _write_cell(sheet: Any, row: int, column: int, value: Any, styles: dict[str, Any]) -> None:
    """One typed cell: dates as dates, numbers as numbers, everything else as text; empty values stay blank."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        sheet.write_datetime(row, column, moment, styles["date"])
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value))
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif hasattr(value, "item"):  # numpy scalar
        _write_cell(sheet, row, column, value.item(), styles)
    elif str(value) != "":
        sheet.write_string(row, column, str(value))

