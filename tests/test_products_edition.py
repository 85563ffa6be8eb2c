"""Products stage on small hand-made warehouse tables: edition slice, key figures, brief HTML/PDF, RWG pack."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from ds_pipeline.lib.canonical import IASC_CRITERIA
from ds_pipeline.lib.metrics.criteria import criteria_progress, iris_composite
from ds_pipeline.lib.products import (
    build_edition,
    build_pack,
    publish_edition,
    render_brief_html,
    render_brief_pdf,
    week_as_of,
)
from ds_pipeline.lib.products.as_of import select_slice
from ds_pipeline.lib.products.brief import SECTION_TITLES, brief_context
from ds_pipeline.lib.products.disclosure import DisclosureParameters, row_key
from ds_pipeline.lib.products.edition import AsOfSlice, KeyFigure
from ds_pipeline.lib.products.key_figures import format_change, format_figure_value, key_figure_table
from ds_pipeline.lib.products.tables import criteria_table, iris_table
from ds_pipeline.lib.products.what_changed import _severity_driver

WEEK = "2026-W47"  # as of Sunday 2026-11-22; the previous edition 2026-W46 is as of 2026-11-15
SETTINGS = {
    "edition": {
        "title": "Durable Solutions evidence brief",
        "producer": "DSTWG secretariat (information management)",
        "sensitivity_label": "Restricted – DSTWG members. For humanitarian purposes only.",
        "pack_sensitivity_label": "Public – RWG dissemination. For humanitarian purposes only.",
        "contact": "dstwg-im@example.org",
    },
    "poa_areas": [
        {"name": "Sinjar", "pcodes": ["IQG15Q06"]},
        {"name": "Balad", "pcodes": ["IQG16Q02"]},
        {"name": "Ramadi", "pcodes": ["IQG01Q06"]},
        {"name": "Al-Bakar", "pcodes": ["IQG15Q02"]},
    ],
    "return_index": {"medium_from": 30.0, "high_from": 55.0, "hotspot_min_returnees": 20000},
    "displacement": {"camp_household_size": 5, "household_size": 6},
    "disclosure": {"min_households": 10, "round_individuals_to": 10},
    "prioritisation": {
        "weights": {"severity": 0.30, "returns": 0.15, "idps_in_camps_and_critical_shelter": 0.20,
                    "criteria_gap": 0.20, "actor_presence": 0.15}
    },
}

GOVERNORATES = {"IQG15": "Ninewa", "IQG16": "Salah Al-Din", "IQG01": "Al-Anbar"}
DISTRICTS = {
    "IQG15Q06": "Sinjar",
    "IQG15Q02": "Al-Ba'aj",
    "IQG15Q05": "Al-Mosul",
    "IQG16Q02": "Balad",
    "IQG16Q05": "Tikrit",
    "IQG01Q06": "Ramadi",
}
POA_OF_DISTRICT = {"IQG15Q06": "Sinjar", "IQG16Q02": "Balad", "IQG01Q06": "Ramadi", "IQG15Q02": "Al-Bakar"}
ROUNDS = {"R1": "2026-09-30", "R2": "2026-11-18"}
SURVEY_ROUND_ENDS = {"2025": pd.Timestamp("2025-06-28"), "2026": pd.Timestamp("2026-06-27")}  # last interviews

# Return Index by district: returnees in low / medium / high locations, overall, scale 1, scale 2 scores.
SEVERITY = {
    "R1": {
        "IQG15Q06": (6000, 9000, 9000, 60.0, 50.0, 64.0),
        "IQG15Q02": (3000, 2400, 0, 33.0, 35.0, 30.0),
        "IQG15Q05": (90000, 30000, 1200, 25.0, 24.0, 26.0),
        "IQG16Q02": (20000, 12000, 3000, 35.0, 33.0, 38.0),
        "IQG16Q05": (25000, 5000, 0, 20.0, 22.0, 18.0),
        "IQG01Q06": (50000, 20000, 6000, 30.0, 31.0, 29.0),
    },
    "R2": {
        "IQG15Q06": (6000, 9000, 12000, 62.0, 50.5, 66.0),  # +3,000 in high; safety and cohesion worsened most
        "IQG15Q02": (3000, 2400, 30, 34.0, 35.0, 31.0),  # 30 individuals (5 families) in high: suppressed
        "IQG15Q05": (90000, 30000, 1200, 25.0, 24.0, 26.0),
        "IQG16Q02": (20000, 12000, 2400, 34.0, 33.0, 36.0),
        "IQG16Q05": (25000, 5000, 0, 20.0, 22.0, 18.0),
        "IQG01Q06": (50000, 20000, 6000, 30.0, 31.0, 29.0),
    },
}

# DTM Master List families by district: (camp, critical shelter, private, unknown).
IDP_FAMILIES = {
    "R1": {
        "IQG15Q06": (2100, 300, 1500, 0),
        "IQG15Q02": (0, 50, 400, 0),
        "IQG15Q05": (1300, 500, 5000, 20),
        "IQG16Q02": (4, 35, 600, 0),  # 4 families in camps: suppressed with a secondary cell
        "IQG16Q05": (0, 100, 900, 0),
        "IQG01Q06": (0, 200, 2000, 0),
    },
    "R2": {
        "IQG15Q06": (2000, 300, 1500, 0),
        "IQG15Q02": (0, 50, 400, 0),
        "IQG15Q05": (1200, 520, 5000, 20),
        "IQG16Q02": (4, 35, 600, 0),
        "IQG16Q05": (0, 100, 900, 0),
        "IQG01Q06": (0, 220, 2000, 0),
    },
}
RETURNEE_FAMILIES = {
    "R1": {"IQG15Q06": (0, 500, 3500, 0), "IQG15Q02": (0, 0, 900, 0), "IQG15Q05": (0, 1000, 28000, 0),
           "IQG16Q02": (0, 0, 5800, 0), "IQG16Q05": (0, 0, 5000, 0), "IQG01Q06": (0, 500, 11500, 0)},
    "R2": {"IQG15Q06": (0, 500, 4000, 0), "IQG15Q02": (0, 0, 900, 0), "IQG15Q05": (0, 1000, 29000, 0),
           "IQG16Q02": (0, 0, 6000, 0), "IQG16Q05": (0, 0, 5000, 0), "IQG01Q06": (0, 500, 11500, 0)},
}


def _category(score: float) -> str:
    return "high" if score >= 55 else "medium" if score >= 30 else "low"


def _area_rows(records: dict[str, dict], level_sum) -> list[dict]:
    """District records plus governorate and POA-area rows derived from them."""
    rows = []
    for pcode, record in records.items():
        rows.append({"area_level": "district", "area_id": pcode, "area_name": DISTRICTS[pcode],
                     "admin1_pcode": pcode[:5], **record})
    for gov, name in GOVERNORATES.items():
        members = [r for p, r in records.items() if p.startswith(gov)]
        rows.append({"area_level": "governorate", "area_id": gov, "area_name": name, "admin1_pcode": gov,
                     **level_sum(members)})
    for pcode, poa in POA_OF_DISTRICT.items():
        rows.append({"area_level": "poa_area", "area_id": poa, "area_name": poa, "admin1_pcode": "",
                     **level_sum([records[pcode]])})
    return rows


def make_area_severity() -> pd.DataFrame:
    frames = []
    for round_id, districts in SEVERITY.items():
        records = {}
        for pcode, (low, medium, high, overall, scale1, scale2) in districts.items():
            total = low + medium + high
            records[pcode] = {
                "locations_assessed": 10, "returnee_individuals": total, "returnees_low": low,
                "returnees_medium": medium, "returnees_high": high, "mean_overall_score": overall,
                "mean_scale1_score": scale1, "mean_scale2_score": scale2,
            }

        def level_sum(members: list[dict]) -> dict:
            total = sum(m["returnee_individuals"] for m in members)
            out = {k: sum(m[k] for m in members) for k in
                   ("locations_assessed", "returnee_individuals", "returnees_low", "returnees_medium",
                    "returnees_high")}
            for k in ("mean_overall_score", "mean_scale1_score", "mean_scale2_score"):
                out[k] = sum(m[k] * m["returnee_individuals"] for m in members) / total
            return out

        rows = _area_rows(records, level_sum)
        for row in rows:
            row["round_id"] = round_id
            row["reporting_date"] = pd.Timestamp(ROUNDS[round_id])
            row["returnees_in_high_severity_share"] = row["returnees_high"] / row["returnee_individuals"]
            row["severity"] = _category(row["mean_overall_score"])
            row["scale1_severity"] = _category(row["mean_scale1_score"])
            row["scale2_severity"] = _category(row["mean_scale2_score"])
            row["hotspot"] = "high" in (row["scale1_severity"], row["scale2_severity"]) or (
                "medium" in (row["scale1_severity"], row["scale2_severity"]) and row["returnee_individuals"] >= 20000
            )
            row["locations_high"] = 3 if row["returnees_high"] else 0
        frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True)


def make_displacement() -> pd.DataFrame:
    shelters = ("camp", "critical_shelter", "private", "unknown_shelter")
    frames = []
    for round_id in ROUNDS:
        for population_type, source in (("idp", IDP_FAMILIES), ("returnee", RETURNEE_FAMILIES)):
            records = {}
            for pcode, families in source[round_id].items():
                record = {"locations": 5, "families": sum(families)}
                for shelter, count in zip(shelters, families, strict=True):
                    record[f"families_in_{shelter}"] = count
                    record[f"individuals_in_{shelter}"] = count * (5 if shelter == "camp" else 6)
                record["individuals"] = sum(record[f"individuals_in_{s}"] for s in shelters)
                records[pcode] = record

            def level_sum(members: list[dict]) -> dict:
                return {k: sum(m[k] for m in members) for k in members[0]}

            rows = _area_rows(records, level_sum)
            for row in rows:
                row.update(round_id=round_id, reporting_date=pd.Timestamp(ROUNDS[round_id]),
                           population_type=population_type)
            frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True)


def make_criteria() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, iris = [], []
    areas = [("poa_area", poa, poa, "") for poa in ("Al-Bakar", "Balad", "Ramadi", "Sinjar")]
    areas += [("district", p, DISTRICTS[p], p[:5]) for p in POA_OF_DISTRICT]
    for survey_round, shift in (("2025", 0.02), ("2026", 0.0)):
        for level, area_id, name, admin1 in areas:
            for group in ("idp_out_of_camp", "returnee"):
                small = area_id in ("Al-Bakar", "IQG15Q02") and group == "idp_out_of_camp"
                households = 6 if small else 40
                for criterion, criterion_name in IASC_CRITERIA.items():
                    assessed = criterion not in (6, 8)
                    gap = -0.05 * (criterion % 3) - shift
                    if area_id in ("Sinjar", "IQG15Q06") and group == "returnee" and criterion == 4:
                        gap = -0.35
                    rows.append({
                        "survey_round": survey_round, "area_level": level, "area_id": area_id, "area_name": name,
                        "admin1_pcode": admin1, "population_group": group, "criterion": criterion,
                        "criterion_name": criterion_name, "assessed": assessed,
                        "indicators_assessed": 2 if assessed else 0,
                        "value": 0.7 + gap if assessed else float("nan"),
                        "benchmark": 0.7 if assessed else float("nan"),
                        "gap": gap if assessed else float("nan"), "households": households,
                        "weighted_households": float(households),
                        "share_at_or_above_benchmark": 0.4 if assessed else float("nan"),
                        "gap_change_since_previous": (-0.0 + shift if survey_round == "2026" else float("nan"))
                        if assessed else float("nan"),
                    })
                iris.append({
                    "survey_round": survey_round, "area_level": level, "area_id": area_id, "area_name": name,
                    "admin1_pcode": admin1, "population_group": group, "criteria_assessed": 5,
                    "households": households, "weighted_households": float(households),
                    "share_overcome_vulnerabilities": 0.25,
                })
    rows, iris = pd.DataFrame(rows), pd.DataFrame(iris)
    for frame in (rows, iris):
        frame["survey_round_end"] = frame["survey_round"].map(SURVEY_ROUND_ENDS).astype("datetime64[ns]")
    return rows, iris


def make_poa() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    status_rows, overdue_rows, timeliness_rows = [], [], []
    # (area, criterion): actions, completed, on_track, delayed, overdue, not_started per month
    plan = {
        "2026-09": {("Sinjar", 1): (4, 1, 2, 1, 0, 0), ("Sinjar", 4): (3, 0, 2, 0, 0, 1),
                    ("Balad", 2): (5, 2, 2, 1, 0, 0), ("Ramadi", 3): (4, 1, 3, 0, 0, 0),
                    ("Al-Bakar", 5): (2, 0, 1, 0, 0, 1)},
        "2026-10": {("Sinjar", 1): (4, 1, 1, 1, 1, 0), ("Sinjar", 4): (3, 0, 1, 0, 1, 1),
                    ("Balad", 2): (5, 2, 1, 1, 1, 0), ("Ramadi", 3): (4, 2, 2, 0, 0, 0),
                    ("Al-Bakar", 5): (2, 0, 1, 0, 0, 1)},
        "2026-11": {("Sinjar", 1): (4, 4, 0, 0, 0, 0)},  # month not ended on the as-of date: never shown
    }
    for month, cells in plan.items():
        for (area, criterion), (actions, completed, on_track, delayed, overdue, not_started) in cells.items():
            status_rows.append({
                "report_month": month, "area": area, "iasc_criterion": criterion,
                "criterion_name": IASC_CRITERIA[criterion], "actions": actions, "completed": completed,
                "on_track": on_track, "delayed": delayed, "overdue": overdue, "not_started": not_started,
                "target": 100.0, "achieved": 40.0, "achieved_share": 0.4,
            })
    for area, action_id, action, criterion, lead, due, days in (
        ("Sinjar", "SIN-03", "Rehabilitate water network in Sinune", 1, "UNDP", "2026-10-15", 16),
        ("Sinjar", "SIN-07", "HLP legal aid caseload", 4, "NRC", "2026-09-30", 31),
        ("Balad", "BAL-02", "Reopen primary health centre", 2, "WHO", "2026-10-20", 11),
    ):
        overdue_rows.append({
            "report_month": "2026-10", "area": area, "action_id": action_id, "action": action,
            "iasc_criterion": criterion, "lead_org": lead, "due_date": pd.Timestamp(due),
            "days_overdue": days, "status": "delayed",
        })
    for month in ("2026-09", "2026-10"):
        for area in ("Al-Bakar", "Balad", "Ramadi", "Sinjar"):
            timeliness_rows.append({
                "report_month": month, "area": area,
                "submitted_on": pd.Timestamp(f"{month}-28") + pd.Timedelta(days=10),
                "deadline": pd.Timestamp(f"{month}-01") + pd.DateOffset(months=1, days=9),
                "on_time": area != "Ramadi", "actions_reported": 4,
            })
    return pd.DataFrame(status_rows), pd.DataFrame(overdue_rows), pd.DataFrame(timeliness_rows)


def make_services() -> tuple[pd.DataFrame, pd.DataFrame]:
    activities = [
        # org, criterion, sector, district, targeted, reached
        ("IOM", 2, "SHL", "IQG15Q06", 3000, 1200),
        ("NRC", 4, "PRO-HLP", "IQG15Q05", 800, 400),
        ("UNDP", 3, "ERY", "IQG16Q02", 1500, 700),
        ("DRC", 5, "PRO", "IQG01Q06", 600, 40),  # 40 people reached: suppressed
        ("WHO", 2, "HEA", "IQG15Q05", 9000, 5000),
    ]
    coverage, mapping = [], []
    for month in ("2026-10", "2026-11"):
        for _org, criterion, sector, district, targeted, reached in activities:
            coverage.append({
                "month": month, "area_level": "district", "area_id": district, "area_name": DISTRICTS[district],
                "admin1_pcode": district[:5], "iasc_criterion": criterion,
                "criterion_name": IASC_CRITERIA[criterion], "sector_code": sector, "active_orgs": 1,
                "active_activities": 1, "people_targeted": targeted, "people_reached": reached,
            })
    for org, criterion, sector, district, targeted, reached in activities:
        mapping.append({
            "org_acronym": org, "org_name": f"{org} Iraq", "org_type": "UN" if org in ("IOM", "UNDP", "WHO") else
            "international NGO", "sector_code": sector, "activity": f"{sector} support", "iasc_criterion": criterion,
            "status": "ongoing", "people_targeted": targeted, "people_reached": reached,
            "period_start": pd.Timestamp("2026-10-01"), "period_end": pd.Timestamp("2026-11-30"),
            "admin1_name": GOVERNORATES[district[:5]], "admin1_pcode": district[:5],
            "admin2_name": DISTRICTS[district], "admin2_pcode": district, "admin1_name_en": GOVERNORATES[district[:5]],
            "admin2_name_en": DISTRICTS[district], "admin3_name_en": "", "poa_area": POA_OF_DISTRICT.get(district, ""),
            "match_note": "", "source_id": "ocha_4w", "source_file": "files/4w/4w_2026Q4.xlsx",
        })
    return pd.DataFrame(coverage), pd.DataFrame(mapping)


def make_inventory() -> tuple[pd.DataFrame, pd.DataFrame]:
    files = [
        ("gazetteer", "gazetteer", "Iraq COD-AB p-codes", "OCHA", "files/gaz.csv", "", "2019-06-03", 120, 120, 0),
        ("dtm_idp", "displacement", "DTM Master List — IDPs", "IOM DTM Iraq", "files/dtm/idp_R1.csv", "R1",
         "2026-09-30", 500, 498, 2),
        ("dtm_idp", "displacement", "DTM Master List — IDPs", "IOM DTM Iraq", "files/dtm/idp_R2.csv", "R2",
         "2026-11-18", 510, 505, 5),
        ("return_index", "return_index", "Return Index", "IOM DTM Iraq", "files/ri/ri_R1.csv", "R1", "2026-09-30",
         300, 300, 0),
        ("return_index", "return_index", "Return Index", "IOM DTM Iraq", "files/ri/ri_R2.csv", "R2", "2026-11-18",
         310, 309, 1),
        ("mcna", "household_survey", "Household survey", "REACH", "files/mcna/mcna_2025.csv", "2025", "2025-10-01",
         900, 900, 0),
        ("mcna", "household_survey", "Household survey", "REACH", "files/mcna/mcna_2026.csv", "2026", "2026-10-15",
         950, 948, 2),
        ("poa", "poa_submission", "POA progress reports", "Area groups", "files/poa/sinjar_2026-10.xlsx", "",
         "2026-10-31", 7, 7, 0),
        ("ocha_4w", "service_mapping", "4W service mapping", "OCHA", "files/4w/4w_2026Q4.xlsx", "", "2026-11-30",
         5, 5, 0),
        ("ocha_4w", "service_mapping", "4W service mapping", "OCHA", "files/4w/4w_2027Q1.xlsx", "", "2027-03-31",
         4, 4, 0),  # a later 4W file that no activity of the edition's month comes from: not listed
    ]
    columns = ["source_id", "kind", "title", "provider", "source_file", "round_id", "data_as_of", "rows_read",
               "rows_accepted", "rows_quarantined"]
    inventory = pd.DataFrame(files, columns=columns)
    inventory["file_sha256"] = [hashlib.sha256(f.encode()).hexdigest() for f in inventory["source_file"]]
    inventory["data_as_of"] = pd.to_datetime(inventory["data_as_of"])
    quarantine = []
    for source_id, source_file, column, check, count in (
        ("dtm_idp", "files/dtm/idp_R2.csv", "Families", "not_a_number", 3),
        ("dtm_idp", "files/dtm/idp_R2.csv", "Governorate", "unknown_pcode", 2),
        ("return_index", "files/ri/ri_R2.csv", "", "duplicate_row", 1),
        ("mcna", "files/mcna/mcna_2026.csv", "weight", "out_of_range", 2),
    ):
        for row in range(count):
            quarantine.append({
                "source_id": source_id, "kind": "", "round_id": "", "stage": "validated", "source_file": source_file,
                "sheet": "", "source_row": row + 2, "column": column, "check": check,
                "reason": f"row {row + 2}: {check}", "raw_values": "{}",
            })
    return inventory, pd.DataFrame(quarantine)


def make_tables() -> dict[str, pd.DataFrame]:
    criteria, iris = make_criteria()
    status, overdue, timeliness = make_poa()
    coverage, mapping = make_services()
    inventory, quarantine = make_inventory()
    return {
        "area_severity": make_area_severity(),
        "displacement_by_area": make_displacement(),
        "criteria_progress": criteria,
        "iris_composite": iris,
        "poa_status_by_criterion": status,
        "poa_overdue_actions": overdue,
        "poa_timeliness": timeliness,
        "service_coverage": coverage,
        "service_mapping_conformed": mapping,
        "source_inventory": inventory,
        "quarantine": quarantine,
    }


# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return make_tables()


@pytest.fixture(scope="module")
def edition(tables):
    return build_edition(tables, WEEK, SETTINGS)


@pytest.fixture(scope="module")
def html(edition) -> str:
    return render_brief_html(edition)


@pytest.fixture(scope="module")
def pdf(html, edition) -> bytes:
    return render_brief_pdf(html, edition)


@pytest.fixture(scope="module")
def pack(edition, html, pdf) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(build_pack(edition, html, pdf)))


def _csv(pack: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(pack.read(f"data/{name}.csv").decode("utf-8"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[2:]]


def test_edition_selects_the_as_of_slice(edition):
    assert edition.as_of == dt.date(2026, 11, 22) == week_as_of(WEEK)
    assert edition.previous_week == "2026-W46"
    current, previous = edition.current, edition.previous
    assert (current.severity_round, current.displacement_round) == ("R2", "R2")
    assert (previous.severity_round, previous.displacement_round) == ("R1", "R1")  # R2 reported 2026-11-18
    assert current.poa_month == "2026-10"  # November has not ended on 2026-11-22
    assert current.coverage_month == "2026-11" and previous.coverage_month == "2026-11"
    assert current.survey_round == "2026"
    # the 4W file is dated 2026-11-30 (end of its period) but its activities make the 4W month 2026-11
    assert set(edition.tables["sources"].frame["source_id"]) == {
        "gazetteer", "dtm_idp", "return_index", "mcna", "poa", "ocha_4w"}
    assert "files/4w/4w_2027Q1.xlsx" not in set(current.inventory["source_file"])
    assert edition.new_data == ["Return Index round R2", "DTM Master List round R2"]


def test_key_figures_are_sums_of_the_input_tables_with_change_since_last_week(edition, tables):
    figures = {f.figure: f for f in edition.key_figures}
    severity = tables["area_severity"]
    gov = severity[severity["area_level"] == "governorate"]
    high = {r: gov.loc[gov["round_id"] == r, "returnees_high"].sum() for r in ROUNDS}
    assert figures["returnees_in_high_severity"].value == high["R2"] == 12000 + 30 + 1200 + 2400 + 6000
    assert figures["returnees_in_high_severity"].previous == high["R1"] == 9000 + 1200 + 3000 + 6000
    assert figures["returnees_in_high_severity"].change == high["R2"] - high["R1"] == 2430

    displacement = tables["displacement_by_area"]
    idps = displacement[(displacement["area_level"] == "governorate") & (displacement["population_type"] == "idp")]
    camps = {r: idps.loc[idps["round_id"] == r, "individuals_in_camp"].sum() for r in ROUNDS}
    assert camps["R2"] == 5 * (2000 + 1200 + 4) and camps["R1"] == 5 * (2100 + 1300 + 4)
    assert figures["idps_in_camps"].value == camps["R2"]
    assert figures["idps_in_camps"].change == camps["R2"] - camps["R1"] == -1000
    critical = idps.groupby("round_id")["individuals_in_critical_shelter"].sum()
    assert figures["idps_out_of_camp_in_critical_shelter"].value == critical["R2"]
    assert figures["idps_out_of_camp_in_critical_shelter"].change == critical["R2"] - critical["R1"] == 240
    returnees = displacement[(displacement["area_level"] == "governorate")
                             & (displacement["population_type"] == "returnee")].groupby("round_id")["individuals"].sum()
    assert figures["returnees"].value == returnees["R2"]
    assert figures["returnees"].change == returnees["R2"] - returnees["R1"] == 6 * 1700

    status = tables["poa_status_by_criterion"]
    october = status[status["report_month"] == "2026-10"]
    share = 100 * (october["on_track"].sum() + october["completed"].sum()) / october["actions"].sum()
    assert figures["poa_actions_on_track_or_completed"].value == pytest.approx(share)
    assert figures["poa_actions_on_track_or_completed"].change == 0  # same POA month both weeks

    published = {row["figure"]: row for row in edition.tables["key_figures"].frame.to_dict("records")}
    assert published["idps_in_camps"]["change"] == -1000
    assert published["returnees_in_high_severity"]["value"] == 21630


def test_disclosure_suppresses_small_cells_with_secondary_suppression(edition):
    displacement = edition.tables["displacement"].frame
    balad = displacement[(displacement["area_id"] == "IQG16Q02") & (displacement["population_type"] == "idp")].iloc[0]
    assert pd.isna(balad["individuals_in_camp"])  # 4 families
    assert pd.isna(balad["individuals_in_critical_shelter"])  # smallest other part of the row total (35 families)
    assert balad["individuals_in_private"] == 3600
    assert balad["suppressed_columns"] == (
        "individuals_in_camp; individuals_in_critical_shelter; individuals_in_camp_change"
    )
    # Salah Al-Din = Balad + Tikrit: its camp figure (4 families) and Tikrit's critical shelter are blanked too.
    salah = displacement[(displacement["area_id"] == "IQG16") & (displacement["population_type"] == "idp")].iloc[0]
    assert pd.isna(salah["individuals_in_camp"]) and pd.isna(salah["individuals_in_critical_shelter"])
    reasons = {(s.row_key, s.column): s.reason for s in edition.tables["displacement"].suppressions}
    key = "population_type=idp; area_level=district; area_id=IQG16Q02"
    assert reasons[(key, "individuals_in_camp")] == "primary: fewer than 10 households"
    assert reasons[(key, "individuals_in_critical_shelter")].startswith("secondary: protects individuals_in_camp")

    severity = edition.tables["area_severity"].frame
    baaj = severity[severity["area_id"] == "IQG15Q02"].iloc[0]
    assert pd.isna(baaj["returnees_high"]) and pd.isna(baaj["returnees_in_high_severity_pct"])
    assert baaj["returnee_individuals"] == 5430  # rounded to 10 from 5,430
    criteria = edition.tables["criteria_progress"].frame
    small = criteria[(criteria["area_id"] == "Al-Bakar") & (criteria["population_group"] == "idp_out_of_camp")]
    assert small["households"].isna().all() and small["gap_pp"].isna().all()


def test_brief_html_has_the_sections_in_order_and_no_small_counts(html, edition):
    positions = [html.index(f"<h2>{title}</h2>") for title in SECTION_TITLES]
    assert positions == sorted(positions)
    assert html.count("<h2>") == len(SECTION_TITLES)
    assert edition.sensitivity_label in html
    assert "Sinjar" in html and "Al-Bakar" in html
    assert html.count("<svg") == 5
    # the largest rise in returnees in high severity, with its driver (no indicator means in these tables: the scale)
    assert "Sinjar (Ninewa): returnees living in high-severity locations rose by 3,000 to 12,000" in html
    assert "driven by the safety and social cohesion scale (+2.0 points)" in html
    assert "3 POA actions overdue at the end of 2026-10, 2 of them in Sinjar" in html
    assert "▼ 1,000" in html  # IDPs in camps
    assert "Restricted" in html


INDICATOR_NAMES = {
    "indicator_07": "residential destruction",
    "indicator_10": "fear of ISIL attacks",
    "indicator_12": "multiple security actors",
}
SINJAR_RISE = "Sinjar (Ninewa): returnees living in high-severity locations rose by 3,000 to 12,000 between R1 and R2; "


def _with_indicator_means(moves_in_sinjar: dict[str, float]) -> dict[str, pd.DataFrame]:
    """The hand-made tables with the 16 indicator means at 0.30 in every area and round, except the Sinjar district
    in R2, whose means move by ``moves_in_sinjar`` (indicator -> change of the mean, 0..1)."""
    tables = make_tables()
    severity = tables["area_severity"]
    for number in range(1, 17):
        severity[f"mean_indicator_{number:02d}"] = 0.30
    sinjar_r2 = (
        (severity["round_id"] == "R2") & (severity["area_level"] == "district") & (severity["area_id"] == "IQG15Q06")
    )
    for indicator, move in moves_in_sinjar.items():
        severity.loc[sinjar_r2, f"mean_{indicator}"] = 0.30 + move
    return tables


def _severity_bullet(tables: dict[str, pd.DataFrame], settings: dict) -> str:
    bullets = [b for b in build_edition(tables, WEEK, settings).highlights if "high-severity locations" in b]
    assert len(bullets) == 1
    return bullets[0]


def test_severity_highlight_names_the_indicators_that_worsened_most():
    # Sinjar's returnees in high severity rose (R1 -> R2) and its safety and social cohesion scale worsened (+2.0);
    # indicator 10 worsened most (+12 pp), then 12 (+8 pp); 7 improved a lot (-20 pp) and 3 barely moved (+0.5 pp)
    tables = _with_indicator_means({"indicator_10": 0.12, "indicator_12": 0.08, "indicator_07": -0.20,
                                    "indicator_03": 0.005})
    settings = {**SETTINGS, "return_index": {**SETTINGS["return_index"], "indicators": INDICATOR_NAMES}}
    assert _severity_bullet(tables, settings) == (
        SINJAR_RISE + "driven by fear of ISIL attacks (+12 pp in the returnee-weighted share of the condition not met) "
        "and multiple security actors (+8 pp)."
    )


def test_severity_highlight_falls_back_to_the_indicator_column_without_a_name():
    # only indicator 10 moved by at least 1 pp; settings name no indicator
    tables = _with_indicator_means({"indicator_10": 0.12, "indicator_03": 0.005})
    assert _severity_bullet(tables, SETTINGS) == (
        SINJAR_RISE + "driven by indicator_10 (+12 pp in the returnee-weighted share of the condition not met)."
    )


@pytest.mark.parametrize("moves", [{}, {"indicator_07": -0.20, "indicator_03": 0.009}], ids=["none", "improved"])
def test_severity_highlight_names_the_scale_when_no_indicator_worsened(moves):
    tables = _with_indicator_means(moves)
    settings = {**SETTINGS, "return_index": {**SETTINGS["return_index"], "indicators": INDICATOR_NAMES}}
    assert _severity_bullet(tables, settings) == (
        SINJAR_RISE + "driven by the safety and social cohesion scale (+2.0 points)."
    )


def test_severity_driver_of_a_fall_names_the_indicator_that_improved_most():
    district = pd.Series({
        "returnee_individuals": 20000, "returnee_individuals_previous": 20000,
        "locations_high": 2, "locations_high_previous": 3,
        "mean_scale1_score": 50.0, "mean_scale1_score_previous": 50.0,
        "mean_scale2_score": 60.0, "mean_scale2_score_previous": 64.0,
        **{f"mean_indicator_{n:02d}": 0.4 for n in range(1, 17)},
        **{f"mean_indicator_{n:02d}_previous": 0.4 for n in range(1, 17)},
    })
    district["mean_indicator_07_previous"] = 0.65  # 0.65 -> 0.40: 25 pp fewer with the condition not met
    district["mean_indicator_10_previous"] = 0.30  # worsened: not a driver of a fall
    params = DisclosureParameters.from_settings(SETTINGS)
    assert _severity_driver(district, "fell", params, INDICATOR_NAMES) == (
        "driven by residential destruction (−25 pp in the returnee-weighted share of the condition not met)"
    )
    # without indicator means (an older warehouse table) the scale is named
    older = district.drop([c for c in district.index if "indicator" in c])
    assert _severity_driver(older, "fell", params, INDICATOR_NAMES) == (
        "driven by the safety and social cohesion scale (−4.0 points)"
    )


def test_brief_pdf_has_headings_areas_and_page_footer(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for title in SECTION_TITLES:
        assert title in flat
    for area in ("Sinjar", "Balad", "Ramadi", "Al-Bakar"):
        assert area in flat
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat
    assert flat.count("Restricted – DSTWG members") >= pages


def test_pack_csv_has_hxl_row_and_empty_suppressed_cells(pack, edition):
    raw = pack.read("data/displacement.csv").decode("utf-8").splitlines()
    assert raw[0].startswith("round_id,reporting_date,area_level")
    assert raw[1].split(",")[0:3] == ["#meta+round", "#date+reported", "#meta+level"]
    assert all(tag.startswith("#") for tag in next(csv.reader([raw[1]])))
    rows = _csv(pack, "displacement")
    balad = next(r for r in rows if r["area_id"] == "IQG16Q02" and r["population_type"] == "idp")
    assert balad["individuals_in_camp"] == "" and balad["individuals_in_critical_shelter"] == ""
    assert balad["individuals_in_private"] == "3600"
    assert balad["suppressed_columns"] == (
        "individuals_in_camp; individuals_in_critical_shelter; individuals_in_camp_change"
    )
    coverage = _csv(pack, "service_coverage")
    drc = next(r for r in coverage if r["area_id"] == "IQG01Q06" and r["iasc_criterion"] == "5")
    assert drc["people_reached"] == "" and drc["people_targeted"] == "600"


def test_datapackage_lists_every_suppression_and_every_table(pack, edition):
    descriptor = json.loads(pack.read("datapackage.json"))
    assert descriptor["created"] == "2026-11-22T00:00:00Z"
    assert descriptor["sensitivity_label"] == SETTINGS["edition"]["pack_sensitivity_label"]
    listed = {(s["table"], s["row_key"], s["column"]) for s in descriptor["suppressions"]}
    key = "population_type=idp; area_level=district; area_id=IQG16Q02"
    assert ("displacement", key, "individuals_in_camp") in listed
    assert ("displacement", key, "individuals_in_critical_shelter") in listed
    assert len(descriptor["suppressions"]) == len(edition.suppressions)
    assert descriptor["statistical_disclosure_control"]["suppressed_cells"] == len(edition.suppressions)
    assert descriptor["statistical_disclosure_control"]["min_households"] == 10
    paths = {r["path"] for r in descriptor["resources"]}
    assert {f"data/{name}.csv" for name in edition.tables} <= paths
    for resource in descriptor["resources"]:
        if resource["path"].endswith(".csv"):
            header = pack.read(resource["path"]).decode("utf-8").splitlines()[0].split(",")
            assert [f["name"] for f in resource["schema"]["fields"]] == header
            assert all(f["description"] and f["type"] for f in resource["schema"]["fields"])


def test_xlsx_readme_first_and_manifest_matches(pack, edition):
    names = pack.namelist()
    assert names == sorted(names)
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in pack.infolist())
    workbook = openpyxl.load_workbook(io.BytesIO(pack.read(f"IRQ_DSTWG_tables_{WEEK}.xlsx")), read_only=True)
    assert workbook.sheetnames[0] == "README"
    assert workbook.sheetnames[1:] == [name[:31] for name in edition.tables]
    sheet = workbook["displacement"]
    header, tags = [list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True)]
    assert header[0] == "round_id" and tags[0] == "#meta+round"
    manifest = pack.read("MANIFEST.sha256").decode("utf-8").splitlines()
    listed = {}
    for line in manifest:
        digest, path = line.split("  ", 1)
        listed[path] = digest
    assert set(listed) == set(names) - {"MANIFEST.sha256"}
    for path, digest in listed.items():
        assert hashlib.sha256(pack.read(path)).hexdigest() == digest
    assert f"IRQ_DSTWG_brief_{WEEK}_en.pdf" in names and f"IRQ_DSTWG_brief_{WEEK}_en.html" in names


def test_publication_tables_carry_no_coordinates_or_personal_columns(edition):
    forbidden = {"lat", "latitude", "lon", "longitude", "phone", "informant", "barriers", "location"}
    for table in edition.tables.values():
        for column in table.frame.columns:
            assert not forbidden & set(column.split("_")), (table.name, column)
            assert column != "household_id"
        assert not any("#geo" in field.hxl for field in table.fields)


def test_rebuilding_gives_identical_bytes(tables, html, pdf, pack, tmp_path):
    result = publish_edition(tables, WEEK, SETTINGS, tmp_path)
    assert result["html"].read_text(encoding="utf-8") == html
    assert result["pdf"].read_bytes() == pdf
    assert result["pack"].name == f"IRQ_RWG_pack_{WEEK}.zip"
    rebuilt = zipfile.ZipFile(result["pack"])
    assert rebuilt.namelist() == pack.namelist()
    for name in pack.namelist():
        assert rebuilt.read(name) == pack.read(name), name
    again = build_edition(tables, WEEK, SETTINGS)
    assert build_pack(again, html, pdf) == result["pack"].read_bytes()
    assert result["pages"] >= 3 and result["suppressed_cells"] > 0


# --------------------------------------------------------------------------------------------------------------
# Disclosure across tables


def _row(frame: pd.DataFrame, **match: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, match
    return frame[mask].iloc[0]


def test_priority_and_gap_tables_do_not_give_back_cells_suppressed_elsewhere(monkeypatch):
    # Ramadi, R2: 1 IDP family of unknown shelter (primary); its critical shelter (220 families) is blanked to
    # protect it. Al-Ba'aj, R2: 30 returnees (primary), so Sinjar's returnees are blanked to protect Ninewa's total.
    monkeypatch.setitem(IDP_FAMILIES["R2"], "IQG01Q06", (0, 220, 2000, 1))
    monkeypatch.setitem(SEVERITY["R2"], "IQG15Q02", (0, 0, 30, 34.0, 35.0, 31.0))
    edition = build_edition(make_tables(), WEEK, SETTINGS)

    displacement = edition.tables["displacement"].frame
    ramadi = _row(displacement, area_level="district", area_id="IQG01Q06", population_type="idp")
    assert pd.isna(ramadi["individuals_in_unknown_shelter"]) and pd.isna(ramadi["individuals_in_critical_shelter"])
    assert (ramadi["individuals"], ramadi["individuals_in_private"], ramadi["individuals_in_camp"]) == (13330, 12000, 0)

    priority = edition.tables["area_priority"]
    row = _row(priority.frame, area_id="IQG01Q06")
    # camp + critical shelter would give the unknown-shelter family back: 13,330 - 12,000 - 1,320 ≈ 6
    assert pd.isna(row["idps_in_camps_and_critical_shelter_value"])
    assert "idps_in_camps_and_critical_shelter_value" in row["suppressed_columns"]
    assert ("area_priority", "area_id=IQG01Q06", "idps_in_camps_and_critical_shelter_value") in {
        (s.table, s.row_key, s.column) for s in priority.suppressions
    }
    # the score, points and priority score that would give it back are blanked with it, as derived
    reasons = {(s.row_key, s.column): s.reason for s in priority.suppressions}
    for column in ("idps_in_camps_and_critical_shelter_score", "idps_in_camps_and_critical_shelter_points",
                   "priority_score"):
        assert pd.isna(row[column]) and column in row["suppressed_columns"]
        assert reasons[("area_id=IQG01Q06", column)].startswith("derived: ")
    # Al-Ba'aj (30 returnees, all in high severity) has the largest severity value, which is suppressed: every
    # severity score would give it back (value / score), so the whole severity component goes
    assert priority.frame["severity_score"].isna().all() and priority.frame["severity_points"].isna().all()
    assert reasons[("area_id=IQG01Q06", "severity_score")] == (
        "derived: scaled by the largest severity_value, which is suppressed"
    )
    assert not pd.isna(row["rank"])  # still ranked: the rank only places it between its neighbours
    # every published count value of the priority table is the displacement table's published cell
    for _i, district in priority.frame.iterrows():
        returnees = displacement[(displacement["area_level"] == "district")
                                 & (displacement["area_id"] == district["area_id"])
                                 & (displacement["population_type"] == "returnee")]["individuals"]
        assert (pd.isna(district["returns_value"]) and returnees.isna().all()) or (
            district["returns_value"] == returnees.iloc[0])

    severity = edition.tables["area_severity"].frame
    sinjar = _row(severity, area_level="district", area_id="IQG15Q06")
    assert pd.isna(sinjar["returnee_individuals"])  # protects Al-Ba'aj (Ninewa = Sinjar + Al-Ba'aj + Al-Mosul)
    gaps = edition.tables["service_gaps"]
    sinjar_gaps = gaps.frame[gaps.frame["area_id"] == "IQG15Q06"]
    assert not sinjar_gaps.empty and sinjar_gaps["returnee_individuals"].isna().all()
    assert (sinjar_gaps["suppressed_columns"] == "returnee_individuals").all()
    assert {s.reason for s in gaps.suppressions} == {"derived: suppressed in area_severity"}
    mosul = gaps.frame[gaps.frame["area_id"] == "IQG15Q05"]
    assert (mosul["returnee_individuals"] == 121200).all()  # published in area severity: shown
    # Al-Ba'aj's share in high severity is suppressed, so the severity value it enters is too
    assert pd.isna(_row(priority.frame, area_id="IQG15Q02")["severity_value"])


def test_survey_round_is_dated_by_its_last_interview(tables):
    # one survey file holds every round (no round_id), dated by its latest interview: the rounds are dated by
    # their own last interview instead
    tables = dict(tables)
    inventory = tables["source_inventory"].copy()
    survey = inventory["kind"] == "household_survey"
    inventory.loc[survey, "round_id"] = ""
    inventory.loc[survey, "data_as_of"] = pd.Timestamp("2026-06-27")
    tables["source_inventory"] = inventory
    for day, expected in ((dt.date(2025, 6, 27), ""), (dt.date(2025, 6, 29), "2025"), (dt.date(2026, 3, 8), "2025"),
                          (dt.date(2026, 6, 28), "2026")):
        part = select_slice(tables, day, SETTINGS)
        assert part.survey_round == expected, day
        assert set(part.criteria["survey_round"]) == ({expected} if expected else set())
        assert set(part.iris["survey_round"]) == ({expected} if expected else set())


def test_changes_from_a_small_previous_count_are_blanked(monkeypatch):
    # Al-Ba'aj: 4 IDP families in camps in R1, 100 in R2: the change (+480) would give the 4 families (20) back
    monkeypatch.setitem(IDP_FAMILIES["R1"], "IQG15Q02", (4, 50, 400, 0))
    monkeypatch.setitem(IDP_FAMILIES["R2"], "IQG15Q02", (100, 50, 400, 0))
    edition = build_edition(make_tables(), WEEK, SETTINGS)
    displacement = edition.tables["displacement"]
    baaj = _row(displacement.frame, area_level="district", area_id="IQG15Q02", population_type="idp")
    assert baaj["individuals_in_camp"] == 500 and pd.isna(baaj["individuals_in_camp_change"])
    assert baaj["individuals_change"] == 480  # 454 families before: not small
    reasons = {(s.row_key, s.column): s.reason for s in displacement.suppressions}
    key = "population_type=idp; area_level=district; area_id=IQG15Q02"
    assert reasons[(key, "individuals_in_camp_change")] == "derived: previous value of fewer than 10 households"
    mosul = _row(displacement.frame, area_level="district", area_id="IQG15Q05", population_type="idp")
    assert mosul["individuals_in_camp_change"] == -500


def test_key_figures_leave_out_the_previous_value_with_a_suppressed_change():
    params = DisclosureParameters.from_settings(SETTINGS)
    figures = [
        KeyFigure("from_small", "From a small count", "individuals", 500.0, 20.0, "DTM"),
        KeyFigure("small_change", "A small change", "individuals", 12000.0, 11990.0, "DTM"),
        KeyFigure("to_small", "To a small count", "individuals", 30.0, 1500.0, "DTM"),
        KeyFigure("large", "A large change", "individuals", 12000.0, 11000.0, "DTM"),
        KeyFigure("share", "A share", "percent", 45.0, 44.0, "POA"),
    ]
    table = key_figure_table(figures, params)
    rows = {row["figure"]: row for row in table.frame.to_dict("records")}
    for figure in ("from_small", "small_change"):
        assert pd.isna(rows[figure]["change"]) and pd.isna(rows[figure]["previous_value"]), figure
    assert rows["from_small"]["value"] == 500 and rows["small_change"]["value"] == 12000
    assert rows["from_small"]["suppressed_columns"] == "previous_value; change"
    assert all(pd.isna(rows["to_small"][c]) for c in ("value", "previous_value", "change"))
    assert (rows["large"]["previous_value"], rows["large"]["change"]) == (11000, 1000)
    assert (rows["share"]["previous_value"], rows["share"]["change"]) == (44, 1)
    assert {(s.row_key, s.column) for s in table.suppressions} == {
        ("figure=from_small", "previous_value"), ("figure=from_small", "change"),
        ("figure=small_change", "previous_value"), ("figure=small_change", "change"),
        ("figure=to_small", "value"), ("figure=to_small", "previous_value"), ("figure=to_small", "change"),
    }
    assert format_change(figures[0], params) == "▲ (size suppressed)"
    assert format_change(figures[1], params) == "▲ fewer than 60"
    assert format_change(figures[2], params) == "▼ (size suppressed)"
    assert format_change(figures[3], params) == "▲ 1,000"


def _criteria_rows(households: dict[tuple[str, str], int]) -> pd.DataFrame:
    """Criterion 1 of (population group, area) with the given households; the POA area is Sinjar."""
    rows = []
    for (group, area_id), count in households.items():
        level = "poa_area" if area_id == "Sinjar" else "district"
        rows.append({
            "survey_round": "2026", "area_level": level, "area_id": area_id, "area_name": area_id,
            "admin1_pcode": "" if level == "poa_area" else "IQG15", "population_group": group, "criterion": 1,
            "criterion_name": IASC_CRITERIA[1], "assessed": True, "indicators_assessed": 2, "value": 0.6,
            "benchmark": 0.7, "gap": -0.1, "households": count, "weighted_households": float(count),
            "share_at_or_above_benchmark": 0.4, "gap_change_since_previous": 0.02, "criteria_assessed": 2,
            "share_overcome_vulnerabilities": 0.3,
        })
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("members", "other_group"),
    [(["IQG15Q06", "IQG15Q05"], {}),
     # a third member district without returnees (it has IDPs): it counts 0 in the returnees' relation
     (["IQG15Q06", "IQG15Q05", "IQG15Q02"], {("idp_out_of_camp", "IQG15Q02"): 20, ("idp_out_of_camp", "Sinjar"): 20})],
    ids=["two_districts", "third_district_without_the_group"],
)
def test_a_poa_area_of_several_districts_does_not_give_back_a_suppressed_district(members, other_group):
    settings = {**SETTINGS, "poa_areas": [{"name": "Sinjar", "pcodes": members}]}
    params = DisclosureParameters.from_settings(settings)
    rows = _criteria_rows({("returnee", "Sinjar"): 46, ("returnee", "IQG15Q06"): 40, ("returnee", "IQG15Q05"): 6,
                           **other_group})
    part = AsOfSlice(as_of=dt.date(2026, 11, 22), criteria=rows, iris=rows)
    for table, shares in ((criteria_table(part, params, settings), ["value_pct", "gap_pp"]),
                          (iris_table(part, params, settings), ["share_overcome_vulnerabilities_pct"])):
        frame = table.frame[table.frame["population_group"] == "returnee"]
        poa, sinjar, mosul = (_row(frame, area_id=a) for a in ("Sinjar", "IQG15Q06", "IQG15Q05"))
        assert poa["households"] == 46 and pd.isna(mosul["households"])
        # 46 - 40 would give Al-Mosul's 6 households back: Sinjar's households and shares are blanked too
        assert pd.isna(sinjar["households"]), table.name
        assert all(pd.isna(sinjar[c]) and pd.isna(mosul[c]) for c in shares)
        assert all(not pd.isna(poa[c]) for c in shares)
        reasons = {s.row_key: s.reason for s in table.suppressions if s.column == "households"}
        assert [r for k, r in reasons.items() if "area_id=IQG15Q06" in k][0].startswith("secondary: protects")
        if other_group:
            idps = table.frame[table.frame["population_group"] == "idp_out_of_camp"]
            assert (idps["households"] == 20).all()


def _partial_round(tables: dict[str, pd.DataFrame], population_type: str) -> dict[str, pd.DataFrame]:
    """R3, reported 2026-11-20, releases the rows of one population type only (R2's figures again)."""
    displacement = tables["displacement_by_area"]
    partial = displacement[(displacement["round_id"] == "R2") & (displacement["population_type"] == population_type)]
    partial = partial.assign(round_id="R3", reporting_date=pd.Timestamp("2026-11-20"))
    return {**tables, "displacement_by_area": pd.concat([displacement, partial], ignore_index=True)}


def test_a_partial_round_takes_each_population_from_its_latest_round(tables):
    edition = build_edition(_partial_round(tables, "idp"), WEEK, SETTINGS)
    assert edition.current.displacement_round == "R3"
    assert edition.current.displacement_rounds_by_type == {"idp": "R3", "returnee": "R2"}
    figures = {f.figure: f for f in edition.key_figures}
    displacement = tables["displacement_by_area"]
    r2 = displacement[(displacement["round_id"] == "R2") & (displacement["area_level"] == "governorate")]
    assert figures["returnees"].value == r2.loc[r2["population_type"] == "returnee", "individuals"].sum() > 0
    assert figures["returnees"].source == "DTM Master List — IDPs R2"
    assert figures["idps_in_camps"].source == "DTM Master List — IDPs R3"
    assert figures["idps_in_camps"].value == r2.loc[r2["population_type"] == "idp", "individuals_in_camp"].sum()

    # every table keeps each population's latest round: returnees of R2 stay in the displacement table, with their
    # change since R1, and the priority ranking's returns are R2's, not zero
    published = edition.tables["displacement"].frame
    returnee_rows = published[published["population_type"] == "returnee"]
    assert not returnee_rows.empty and set(returnee_rows["round_id"]) == {"R2"}
    assert set(returnee_rows["previous_round_id"]) == {"R1"}
    assert set(published.loc[published["population_type"] == "idp", "round_id"]) == {"R3"}
    priority = edition.current.area_priority.set_index("area_id")
    r2_returns = r2.groupby("area_id")["individuals"].sum()  # governorate rows: Ninewa holds Sinjar's returnees
    assert priority.loc["IQG15Q06", "returns_value"] > 0 and r2_returns.get("IQG15", 0) > 0
    assert priority["returns_value"].notna().all()
    # the same edition before the fix would have read R3 only: no returnee, every district's returns 0
    assert edition.tables["area_priority"].frame["returns_points"].notna().any()

    # no returnee rows in any round: "n/a", never 0
    only_idps = {**tables, "displacement_by_area": displacement[displacement["population_type"] == "idp"]}
    edition = build_edition(only_idps, WEEK, SETTINGS)
    returnees = next(f for f in edition.key_figures if f.figure == "returnees")
    assert returnees.value is None and format_figure_value(returnees, edition.disclosure) == "n/a"
    assert pd.isna(_row(edition.tables["key_figures"].frame, figure="returnees")["value"])
    assert edition.current.area_priority["returns_value"].isna().all()  # not assessed, not zero returns


def _survey_household(survey_round: str, number: int, group: str, district: str, safe: float) -> dict:
    return {
        "household_id": f"{survey_round}-{district}-{group}-{number}", "survey_round": survey_round,
        "interview_date": pd.Timestamp(f"{survey_round}-06-01"), "admin1_pcode": district[:5],
        "admin2_pcode": district, "admin2_name_en": DISTRICTS[district], "poa_area": POA_OF_DISTRICT.get(district, ""),
        "population_group": group, "weight": 1.5, "c1_safe": safe,
    }


def _small_benchmark_tables() -> dict[str, pd.DataFrame]:
    """Criteria from a hand-made survey. 2026: Sinjar (POA area of one district) has 12 returnees (half safe) and
    3 non-displaced households (all safe); Al-Mosul 12 returnees (all safe) and 12 non-displaced (half safe).
    2025: 12 non-displaced in Sinjar, 4 in Al-Mosul (all safe)."""
    rows = []
    for survey_round, non_displaced in (("2025", {"IQG15Q06": 12, "IQG15Q05": 4}),
                                        ("2026", {"IQG15Q06": 3, "IQG15Q05": 12})):
        for district, count in non_displaced.items():
            rows += [_survey_household(survey_round, i, "returnee", district,
                                       float(district == "IQG15Q05" or i % 2)) for i in range(12)]
            rows += [_survey_household(survey_round, i, "non_displaced", district,
                                       float(district == "IQG15Q06" or survey_round == "2025" or i % 2))
                     for i in range(count)]
    survey, indicators = pd.DataFrame(rows), {"c1_safe": 1}
    return {**make_tables(), "criteria_progress": criteria_progress(survey, indicators),
            "iris_composite": iris_composite(survey, indicators)}


def test_a_benchmark_from_fewer_than_the_threshold_of_non_displaced_households_is_blanked():
    edition = build_edition(_small_benchmark_tables(), WEEK, SETTINGS)
    assert edition.current.survey_round == "2026"
    table = edition.tables["criteria_progress"]
    reasons = {(s.row_key, s.column): s.reason for s in table.suppressions}
    derived = ["gap_pp", "share_at_or_above_benchmark_pct", "gap_change_pp"]
    for level, area_id in (("district", "IQG15Q06"), ("poa_area", "Sinjar")):
        row = _row(table.frame, area_level=level, area_id=area_id, population_group="returnee", criterion=1)
        # 3 non-displaced households: the benchmark and what is computed from it are blank; the value is not
        assert (row["households"], row["value_pct"]) == (12, 50)
        assert all(pd.isna(row[c]) for c in ["benchmark_pct", *derived])
        assert row["suppressed_columns"] == "benchmark_pct; " + "; ".join(derived)
        key = f"area_level={level}; area_id={area_id}; population_group=returnee; criterion=1"
        assert reasons[(key, "benchmark_pct")] == "primary: benchmark from fewer than 10 non-displaced households"
        assert {reasons[(key, c)] for c in derived} == {"derived: computed from suppressed benchmark_pct"}
    mosul = _row(table.frame, area_id="IQG15Q05", population_group="returnee", criterion=1)
    assert (mosul["benchmark_pct"], mosul["gap_pp"], mosul["share_at_or_above_benchmark_pct"]) == (50, 50, 100)
    # its 2025 benchmark rested on 4 households: the change since then would give the 2025 gap back
    assert pd.isna(mosul["gap_change_pp"]) and mosul["suppressed_columns"] == "gap_change_pp"
    key = "area_level=district; area_id=IQG15Q05; population_group=returnee; criterion=1"
    assert reasons[(key, "gap_change_pp")] == "derived: previous benchmark from fewer than 10 non-displaced households"
    assert sum(1 for s in edition.suppressions if s.table == "criteria_progress") == 2 * 4 + 1
    # the suppressions stay in the table's row and column order
    rows = [row_key(row, ["area_level", "area_id", "population_group", "criterion"])
            for _i, row in table.frame.iterrows()]
    columns = list(table.frame.columns)
    order = [(rows.index(s.row_key), columns.index(s.column)) for s in table.suppressions]
    assert order == sorted(order)

    # the heat matrix shows the cell as suppressed; Al-Mosul's gap is shown
    matrix = {row["area"]: row["cells"] for row in brief_context(edition)["criteria"]["matrix_rows"]}
    assert matrix["Sinjar"][0] == matrix["Sinjar (district)"][0] == "s"
    assert matrix["Al-Mosul (district)"][0] == "+50 R"
    # the priority table's mean gap of Sinjar is the returnees' gap: blank too
    priority = edition.tables["area_priority"]
    assert pd.isna(_row(priority.frame, area_id="IQG15Q06")["criteria_gap_value"])
    assert _row(priority.frame, area_id="IQG15Q05")["criteria_gap_value"] == pytest.approx(0.5)
    assert {(s.row_key, s.reason) for s in priority.suppressions if s.column == "criteria_gap_value"} == {
        ("area_id=IQG15Q06", "derived: benchmark from fewer than 10 non-displaced households in criteria_progress")
    }


def test_brief_method_names_the_change_benchmark_and_priority_rounding_rules(html):
    text = " ".join(html.split())
    assert "changes whose previous count was below the threshold (but not zero) are suppressed too" in text
    assert "A criteria benchmark from fewer than 10 non-displaced households is suppressed" in text
    assert "Priority component scores are rounded to 0.01, and points and priority scores to 0.1" in text


def _recovery_estimates(table: pd.DataFrame, area_id: str, component: str, weights: dict[str, float]) -> list:
    """Every way a reader could try to get a suppressed component value back from the published priority table:
    score x largest value, points / weight x largest value, (priority score - other points) / weight x largest,
    and the interval the neighbours' priority scores leave for the hidden points. Returns estimates and
    (low, high) intervals."""
    row = table[table["area_id"] == area_id].iloc[0]
    largest = table[f"{component}_value"].max()
    assessed = [c for c in weights if c not in str(row["components_not_assessed"]).replace(" ", "_")]
    share = 100 * weights[component] / sum(weights[c] for c in assessed if c in weights)
    found: list = []
    if not pd.isna(row[f"{component}_score"]):
        found.append(float(row[f"{component}_score"]) * largest)
    if not pd.isna(row[f"{component}_points"]):
        found.append(float(row[f"{component}_points"]) / share * largest)
    others = [f"{c}_points" for c in weights if c != component]
    visible = sum(float(row[c]) for c in others if not pd.isna(row[c]))
    if not pd.isna(row["priority_score"]):
        found.append((float(row["priority_score"]) - visible) / share * largest)
    ranked = table[table["ranked"].astype(bool)].reset_index(drop=True)
    position = ranked.index[ranked["area_id"] == area_id]
    if len(position):
        p = int(position[0])
        above = ranked["priority_score"].iloc[:p].dropna()
        below = ranked["priority_score"].iloc[p + 1:].dropna()
        high = float(above.iloc[-1]) if not above.empty else 100.0
        low = float(below.iloc[0]) if not below.empty else 0.0
        found.append(((low - visible) / share * largest, (high - visible) / share * largest))
    return found


@pytest.mark.parametrize("district", ["IQG01Q06", "IQG15Q02"])
def test_suppressed_priority_values_cannot_be_recovered(monkeypatch, district):
    """The recovery the disclosure rule must defeat: no published column gets within 10% of a hidden value."""
    monkeypatch.setitem(IDP_FAMILIES["R2"], "IQG01Q06", (0, 220, 2000, 1))  # Ramadi: 1 family of unknown shelter
    monkeypatch.setitem(SEVERITY["R2"], "IQG15Q02", (0, 0, 30, 34.0, 35.0, 31.0))  # Al-Ba'aj: 30 returnees
    edition = build_edition(make_tables(), WEEK, SETTINGS)
    component = "idps_in_camps_and_critical_shelter" if district == "IQG01Q06" else "severity"
    table = edition.tables["area_priority"].frame
    assert pd.isna(table.loc[table["area_id"] == district, f"{component}_value"]).all()
    raw = edition.current.area_priority.set_index("area_id")
    hidden = float(raw.loc[district, f"{component}_value"])
    weights = SETTINGS["prioritisation"]["weights"]
    attempts = _recovery_estimates(table, district, component, weights)
    assert attempts, "the rank interval at least is always available to a reader"
    for attempt in attempts:
        if isinstance(attempt, tuple):
            low, high = attempt
            assert low < 0.9 * hidden or high > 1.1 * hidden, (attempt, hidden)
        else:
            assert abs(attempt - hidden) > 0.1 * hidden, (attempt, hidden)


def test_without_the_rule_the_recovery_succeeds(monkeypatch):
    """The same recovery on the unprotected metric (score and points left in) pins the hidden value: the test above
    can fail."""
    monkeypatch.setitem(IDP_FAMILIES["R2"], "IQG01Q06", (0, 220, 2000, 1))
    edition = build_edition(make_tables(), WEEK, SETTINGS)
    raw = edition.current.area_priority.copy()
    hidden = float(raw.loc[raw["area_id"] == "IQG01Q06", "idps_in_camps_and_critical_shelter_value"].iloc[0])
    raw["idps_in_camps_and_critical_shelter_score"] = raw["idps_in_camps_and_critical_shelter_score"].round(2)
    estimates = _recovery_estimates(raw, "IQG01Q06", "idps_in_camps_and_critical_shelter",
                                    SETTINGS["prioritisation"]["weights"])
    assert any(not isinstance(e, tuple) and abs(e - hidden) <= 0.1 * hidden for e in estimates)


def test_the_need_of_a_service_gap_names_severity_flags_and_the_published_gap_of_each_group_in_need() -> None:
    from types import SimpleNamespace

    from ds_pipeline.lib.products.tables.service_gaps import need_reasons

    severity = SimpleNamespace(frame=pd.DataFrame({
        "area_level": ["governorate", "district", "district", "district"],
        "area_id": ["IQG15Q06", "IQG15Q06", "IQG15Q06", "IQG15Q05"],
        "severity": ["high", "high", "low", "medium"],  # the district's first row counts
        "hotspot": [False, True, False, False],
    }))
    raw = pd.DataFrame({
        "area_level": ["district"] * 5 + ["governorate"],
        "area_id": ["IQG15Q06", "IQG15Q06", "IQG15Q06", "IQG15Q05", "IQG15Q05", "IQG15Q06"],
        "criterion": [2, 2, 6, 2, 2, 2],
        "population_group": ["returnee", "idp_in_camp", "returnee", "returnee", "idp_out_of_camp", "returnee"],
        "assessed": [True, True, True, False, True, True],
        "gap": [-0.15, -0.30, -0.20, -0.50, -0.01, -0.90],  # in need at or below the threshold (-0.10)
    })
    criteria = SimpleNamespace(frame=pd.DataFrame({
        "area_level": ["district", "district", "district", "district"],
        "area_id": ["IQG15Q06", "IQG15Q06", "IQG15Q06", "IQG15Q06"],
        "criterion": [2, 2, 6, 2],
        "population_group": ["returnee", "returnee", "returnee", "idp_in_camp"],
        "gap_pp": [-15.0, -99.0, -20.4, pd.NA],  # the first cell counts; a suppressed gap is a small sample
    }))
    gaps = pd.DataFrame({"area_id": ["IQG15Q06", "IQG15Q06", "IQG15Q05", "IQG15Q07"], "iasc_criterion": [2, 6, 2, 2]})
    assert need_reasons(gaps, severity, criteria, -0.10, raw) == [
        "Return Index high severity and hotspot; gap to non-displaced: IDPs in camps (small sample), returnees −15 pp",
        "gap to non-displaced: returnees −20 pp",  # criteria above 4 are not about the Return Index
        "",  # a medium-severity district whose groups are not in need (one not assessed, one above the threshold)
        "",  # a district without rows
    ]
