"""Demo Plan-of-Action progress workbooks: one XLSX per POA area and month, May to October 2026.

Each workbook is written with the layout of the template the project publishes (`ds_pipeline.lib.poa_template`):
a README sheet, then an Actions sheet with a three-row title block and the header on row 4. Every area has 8-15
actions across the IASC criteria; progress advances from month to month, some actions are delayed and some pass
their due date before they are completed (overdue). Balad submits late in two months. Two files are bad on purpose:
the Ramadi workbook of July 2026 has no Status column, and a Tal Afar workbook arrives although Tal Afar is not a
configured POA area.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ds_pipeline.lib import poa_template
from ds_pipeline.lib.demo.people import person_name, phone_number
from ds_pipeline.lib.demo.tables import (
    STAGE_CONFORMED,
    STAGE_VALIDATED,
    WORKBOOK_AUTHOR,
    WORKBOOK_CREATED,
    DemoFile,
    add_months,
    month_end,
    seeded_random,
)
from ds_pipeline.lib.registry import SourceEntry

SOURCE_ID = "poa_workbooks"
SHEET = "Actions"
HEADER_ROW = 4
MONTHS = [(2026, m) for m in range(5, 11)]
HEADER = [
    "Area", "Reporting month", "Action ID", "Action", "IASC criterion", "Lead organisation", "Partner organisations",
    "Target", "Achieved", "Status", "Due date", "Submitted on", "Barriers", "Focal point name", "Focal point phone",
]
PERSONAL_COLUMNS = ("Focal point name", "Focal point phone")


@dataclass(frozen=True)
class Area:
    name: str
    slug: str
    code: str  # prefix of action ids
    places: tuple[str, ...]
    configured: bool = True


AREAS = (
    Area("Sinjar", "sinjar", "SIN", ("Sinuni", "Sinjar town", "Al-Qairawan", "Khanasor", "Borek")),
    Area("Balad", "balad", "BLD", ("Yathrib", "Al-Eshaqi", "Aziz Balad", "Al-Duloeya")),
    Area("Ramadi", "ramadi", "RMD", ("Al-Habbaniya", "Al-Khaldiya", "Husaiba Al-Sharqiya", "Al-Wafa")),
    Area("Al-Bakar", "al-bakar", "BKR", ("Al-Qahtaniya", "Al-Ba'aj town", "Tal Qasab", "Umm Al-Dhiban")),
)
# A workbook from an area group that is not (yet) a configured POA area: caught when conforming.
UNCONFIGURED_AREA = Area("Tal Afar", "tal-afar", "TAF", ("Zummar", "Rabia", "Al-Ayadiya"), configured=False)
UNCONFIGURED_MONTH = (2026, 9)
MISSING_STATUS_FILE = ("ramadi", (2026, 7))
LATE_SUBMISSIONS = {("balad", (2026, 6)): 16, ("balad", (2026, 9)): 21}

# (criterion, action text, lead organisations, target range)
ACTION_TEMPLATES = (
    (1, "Clear explosive hazards from agricultural land in {place} (hectares)", ("UNMAS", "MAG", "NPA", "DMA"),
     (60, 400)),
    (1, "Organise go-and-see visits for families displaced from {place}", ("IOM", "MOMD"), (40, 200)),
    (1, "Set up a community policing forum in {place}", ("IOM", "UNDP"), (1, 4)),
    (2, "Rehabilitate the water network of {place} (households connected)", ("UNICEF", "NRC", "ACTED"), (300, 2000)),
    (2, "Reconstruct the primary school of {place}", ("UNICEF", "NRC", "DOE-NIN"), (1, 3)),
    (2, "Reopen the primary health care centre of {place}", ("WHO", "IMC", "DOH-NIN"), (1, 2)),
    (2, "Repair war-damaged houses in {place}", ("UN-Habitat", "NRC", "IOM"), (50, 400)),
    (3, "Cash-for-work for returnee youth in {place} (people)", ("UNDP", "MC", "DRC"), (100, 600)),
    (3, "Small business grants for returnees in {place}", ("IOM", "MC", "PIN"), (30, 200)),
    (3, "Restore irrigation canals around {place} (km)", ("FAO", "WHH"), (5, 40)),
    (4, "Process housing, land and property claims of returnees to {place}", ("NRC", "UN-Habitat", "LCN"), (100, 800)),
    (4, "Submit compensation files (Law 20) for {place}", ("CCC", "UNDP"), (100, 600)),
    (5, "Mobile civil documentation missions in {place} (documents issued)", ("MOI-CA", "UNHCR", "LCN"), (200, 1500)),
    (6, "Reunite separated family members from {place} (cases)", ("ICRC", "UNICEF"), (10, 60)),
    (7, "Set up a local peace committee in {place}", ("UNDP", "IOM"), (1, 3)),
    (7, "Hold community dialogue sessions in {place}", ("DRC", "AL-MESALLA"), (6, 24)),
    (8, "Provide legal aid on access to justice in {place} (cases)", ("LCN", "IRC"), (50, 300)),
)
PARTNERS = ("NRC", "DRC", "IOM", "UNDP", "UNHCR", "UNICEF", "LCN", "AL-MESALLA", "YAZDA", "NI", "PAO", "ISHO", "MH",
            "CDO", "ZOA", "PIN", "MOMD")
BARRIERS = (
    "Access permits for the area not yet issued",
    "Security clearance pending for staff movement",
    "Funding gap for the second phase",
    "Land ownership disputes delay site selection",
    "Contractor withdrew; works being re-tendered",
    "Explosive hazard survey must be completed before works",
    "Community acceptance needs further dialogue",
    "Local authority approval awaited",
)
# How an action progresses: share of the expected progress reached.
PACES = {"on_track": 1.05, "fast": 1.5, "delayed": 0.55, "stalled": 0.35}


@dataclass
class Action:
    action_id: str
    text: str
    criterion: int
    lead: str
    partners: str
    target: int
    start: date
    due: date
    pace: str
    stall_after: int  # month index after which a stalled action stops moving
    focal_point: tuple[str, str]
    barrier: str


def _month_label(month: tuple[int, int]) -> str:
    return f"{month[0]}-{month[1]:02d}"


def _actions(rng: random.Random, area: Area, count: int, focal_points: list[tuple[str, str]]) -> list[Action]:
    by_criterion: dict[int, list[int]] = {}
    for index, template in enumerate(ACTION_TEMPLATES):
        by_criterion.setdefault(template[0], []).append(index)
    chosen = [rng.choice(by_criterion[c]) for c in (1, 2, 3, 4, 5)]
    rest = [i for i in range(len(ACTION_TEMPLATES)) if i not in chosen]
    chosen += rng.sample(rest, count - len(chosen))
    actions = []
    for number, template_index in enumerate(chosen, start=1):
        criterion, text, leads, (low, high) = ACTION_TEMPLATES[template_index]
        lead = rng.choice(leads)
        partners = rng.sample([p for p in PARTNERS if p != lead], rng.randint(0, 2))
        start_month = add_months(2026, 5, rng.choice((0, 0, 0, 1, 2, 3)) - (1 if number % 3 == 0 else 0))
        if number == 1:
            pace, due = "delayed", month_end(2026, 8)  # overdue from September
        elif number == 2:
            pace, due = "stalled", month_end(2026, 9)  # overdue in October
        else:
            pace = rng.choices(list(PACES), weights=(7, 2, 1.5, 0.5), k=1)[0]
            due = month_end(*add_months(2026, 7, rng.randint(0, 8)))
        actions.append(Action(
            action_id=f"{area.code}-{number:02d}",
            text=text.format(place=rng.choice(area.places)),
            criterion=criterion,
            lead=lead,
            partners=", ".join(partners),
            target=rng.randint(low, high),
            start=date(*start_month, 1),
            due=due,
            pace=pace,
            stall_after=rng.randint(1, 3),
            focal_point=focal_points[number % len(focal_points)],
            barrier=rng.choice(BARRIERS),
        ))
    return actions


def _progress(action: Action, month_index: int) -> tuple[int, str, str]:
    """Achieved, status code and barriers of an action at the end of month `month_index`."""
    as_of = month_end(*MONTHS[month_index])
    if as_of < action.start:
        return 0, "not_started", ""
    effective = month_index if action.pace != "stalled" else min(month_index, action.stall_after)
    effective_as_of = month_end(*MONTHS[effective])
    elapsed = (effective_as_of - action.start).days + 1
    total = max(1, (action.due - action.start).days + 1)
    share = min(1.0, elapsed / total * PACES[action.pace])
    achieved = min(action.target, int(action.target * share))
    if achieved >= action.target:
        return action.target, "completed", ""
    if action.pace in ("delayed", "stalled"):
        return achieved, "delayed", action.barrier
    return achieved, "on_track", ""


def _submitted_on(rng: random.Random, area: Area, month: tuple[int, int]) -> date:
    year, number = add_months(*month, 1)
    day = LATE_SUBMISSIONS.get((area.slug, month), rng.randint(2, 9))
    return date(year, number, day)


def _area_file(area: Area, month: tuple[int, int], actions: list[Action], month_index: int,
               submitted: date) -> DemoFile:
    label = _month_label(month)
    path = f"files/poa/{area.slug}/POA_{area.slug}_{label}.xlsx"
    demo_file = DemoFile(SOURCE_ID, path, list(HEADER), first_data_row=HEADER_ROW + 1, sheet=SHEET)
    for action in actions:
        achieved, status, barriers = _progress(action, month_index)
        demo_file.rows.append({
            "Area": area.name,
            "Reporting month": label,
            "Action ID": action.action_id,
            "Action": action.text,
            "IASC criterion": action.criterion,
            "Lead organisation": action.lead,
            "Partner organisations": action.partners,
            "Target": action.target,
            "Achieved": achieved,
            "Status": status,
            "Due date": action.due,
            "Submitted on": submitted,
            "Barriers": barriers,
            "Focal point name": action.focal_point[0],
            "Focal point phone": action.focal_point[1],
        })
    return demo_file


def build_poa(seed: int) -> list[DemoFile]:
    """All POA workbooks as rows (not yet written), bad rows and bad files included."""
    rng = seeded_random(seed, "poa")
    files: list[DemoFile] = []
    for area in (*AREAS, UNCONFIGURED_AREA):
        focal_points = [(person_name(rng), phone_number(rng)) for _ in range(2)]
        count = 14 if area.name == "Sinjar" else (8 if not area.configured else rng.randint(8, 15))
        actions = _actions(rng, area, count, focal_points)
        months = MONTHS if area.configured else [UNCONFIGURED_MONTH]
        for month in months:
            month_index = MONTHS.index(month)
            demo_file = _area_file(area, month, actions, month_index, _submitted_on(rng, area, month))
            if not area.configured:
                for row in demo_file.rows:
                    demo_file.plant(row, "Area", "unknown POA area", STAGE_CONFORMED)
            elif (area.slug, month) == MISSING_STATUS_FILE:
                demo_file.header.remove("Status")
                for row in demo_file.rows:
                    del row["Status"]
                    demo_file.plant(row, "Status", "missing column", STAGE_VALIDATED, in_header=False)
            files.append(demo_file)
    _plant(seeded_random(seed, "planted-poa"), files)
    return files


def _plant(rng: random.Random, files: list[DemoFile]) -> None:
    """About 1% bad rows (at least one of each problem) in the good workbooks, one problem per row."""
    problems = ("unknown status", "criterion out of range", "not a date")
    good = [f for f in files if not f.planted]
    rows = sum(len(f.rows) for f in files)
    count = max(len(problems), int(round(0.01 * rows)))
    picks = rng.sample([(i, j) for i, f in enumerate(good) for j in range(len(f.rows))], count)
    for k, (i, j) in enumerate(sorted(picks)):
        demo_file, row = good[i], good[i].rows[j]
        problem = problems[k % len(problems)]
        if problem == "unknown status":
            labels = {"not_started": "Not started", "on_track": "On track", "delayed": "Delayed",
                      "completed": "Completed"}
            row["Status"] = labels[row["Status"]]
            demo_file.plant(row, "Status", problem, STAGE_VALIDATED)
        elif problem == "criterion out of range":
            row["IASC criterion"] = 0
            demo_file.plant(row, "IASC criterion", problem, STAGE_VALIDATED)
        else:
            row["Due date"] = rng.choice(("TBC", "end of Q3", "31/13/2026", "ongoing"))
            demo_file.plant(row, "Due date", problem, STAGE_VALIDATED)


def write_poa_workbook(folder: Path, demo_file: DemoFile, entry: SourceEntry, settings: dict[str, Any]) -> None:
    """Write one workbook with the template's layout, as the registry entry `entry` reads it."""
    if (entry.sheet, entry.header_row) != (SHEET, HEADER_ROW):
        raise ValueError(
            f"registry/{entry.source_id}.yaml reads sheet {entry.sheet!r} with the header on row {entry.header_row}, "
            f"but the demo writes sheet {SHEET!r} with the header on row {HEADER_ROW}"
        )
    poa_template.write_poa_workbook(
        folder / demo_file.relative_path,
        area=demo_file.rows[0]["Area"],
        month=demo_file.rows[0]["Reporting month"],
        registry_entry=entry,
        settings=settings,
        header=demo_file.header,
        rows=demo_file.rows,
        author=WORKBOOK_AUTHOR,
        created=WORKBOOK_CREATED,
    )
