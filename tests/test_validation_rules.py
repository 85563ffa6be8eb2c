"""Row rules named in the quarantine log: future dates, breakdowns above totals, negatives, natural keys, periods."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_ingest import GAZETTEER_ENTRY, REGISTRY

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, PROVENANCE_COLUMNS, ROUND_COLUMN
from ds_pipeline.lib.readers import READ_PROBLEM, read_kind
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.settings import SettingsError, check_settings, future_date_tolerance_days
from ds_pipeline.lib.sources_folder import late_rounds, present_files
from ds_pipeline.lib.validation import NULLABLE_INT_COLUMNS, validate_raw

RECEIVED = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)

DTM_WITH_SEX = """source: dtm_sex
kind: displacement
files: "files/dtm_sex_R{round}.csv"
format: csv
constants: {population_type: idp}
columns:
  reporting_date: Round date
  location_id: Place id
  admin1_pcode: Governorate pcode
  admin2_pcode: District pcode
  individuals: Individuals
  individuals_male: Male
  individuals_female: Female
"""


def _folder(tmp_path: Path, entries: dict[str, str], files: dict[str, str]) -> Path:
    (tmp_path / "registry").mkdir()
    for name, text in entries.items():
        (tmp_path / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, (RECEIVED.timestamp(), RECEIVED.timestamp()))  # received on 2026-11-10
    return tmp_path


def _validate(folder: Path, kind: str, round_id: str | None = None, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    registry = load_registry(folder)
    raw = read_kind(folder, registry, kind, round_id)
    return validate_raw(raw, kind, {e.source_id: e for e in registry}, **options)


def _checks(quarantine: pd.DataFrame) -> dict[str, int]:
    return quarantine["check"].value_counts().to_dict()


def test_a_round_date_after_the_file_was_received_plus_the_tolerance_is_quarantined(tmp_path: Path) -> None:
    rows = (
        "Round date,Place id,Governorate pcode,District pcode,Individuals,Male,Female\n"
        "2026-10-31,L1,IQG15,IQG15Q05,60,,\n"  # before the file was received
        "2026-12-11,L2,IQG15,IQG15Q05,60,,\n"  # 31 days after: within the tolerance
        "2026-12-12,L3,IQG15,IQG15Q05,60,,\n"  # row 4: 32 days after
        "2027-10-31,L4,IQG15,IQG15Q05,60,,\n"  # row 5: a year ahead (a typo)
    )
    folder = _folder(tmp_path, {"dtm_sex": DTM_WITH_SEX}, {"files/dtm_sex_R140.csv": rows})
    validated, quarantine = _validate(folder, "displacement", "R140")
    assert len(validated) == 2 and _checks(quarantine) == {"date_not_in_future": 2}
    assert quarantine["source_row"].astype(int).tolist() == [4, 5]
    assert set(quarantine["column"]) == {"Round date"}
    assert "2026-12-12 is in the future: more than 31 days after the file was received (2026-11-10)" in (
        quarantine["reason"].iloc[0]
    )
    # the tolerance comes from the settings: a week's leeway catches the 31-day one too, a year's none
    _, strict = _validate(folder, "displacement", "R140", future_tolerance_days=7)
    assert _checks(strict) == {"date_not_in_future": 3}
    _, lenient = _validate(folder, "displacement", "R140", future_tolerance_days=400)
    assert lenient.empty


def test_3w_dates_in_the_future_only_where_the_activity_says_it_happened(tmp_path: Path) -> None:
    header = (
        "Governorate code,District,Org,Sector,Activity,Criterion,Status,Targeted,Reached,Start,End\n"
        "#adm1 +code,#adm2 +name,#org +acronym,#sector +cluster,#activity +name,#indicator +criterion,#status,"
        "#targeted +ind,#reached +ind,#date +start,#date +end\n"
    )
    rows = (
        "IQG15,Mosul,NRC,PRO,Legal aid,5,planned,100,,2027-03-01,2027-06-30\n"  # planned: may start later
        "IQG15,Mosul,NRC,PRO,Legal aid,5,ongoing,100,50,2026-09-01,2027-06-30\n"  # ongoing: may end later
        "IQG15,Mosul,IOM,SHL,Repair,4,ongoing,100,50,2027-01-15,2027-06-30\n"  # row 5: ongoing, starts ahead
        "IQG15,Mosul,IOM,SHL,Repair,4,completed,100,50,2026-09-01,2027-01-15\n"  # row 6: completed, ends ahead
        "IQG15,Mosul,IOM,SHL,Repair,4,completed,100,50,2026-09-30,2026-09-01\n"  # row 7: ends before it starts
    )
    entries = {"ocha_4w": REGISTRY["ocha_4w"]}
    folder = _folder(tmp_path, entries, {"files/4w.csv": header + rows})
    validated, quarantine = _validate(folder, "service_mapping")
    assert len(validated) == 2
    assert dict(zip(quarantine["source_row"].astype(int), quarantine["check"], strict=True)) == {
        5: "date_not_in_future", 6: "date_not_in_future", 7: "period_end_not_before_start"
    }
    assert quarantine["column"].tolist() == ["#date+start", "#date+end", ""]


def test_poa_and_survey_dates_in_the_future() -> None:
    poa = _raw("poa_submission", [{}, {"submitted_on": "2027-11-05"}, {"report_month": "2027-10"},
                                  {"due_date": "2027-12-31"}])  # a deadline may lie ahead
    validated, quarantine = validate_raw(poa, "poa_submission", {})
    assert len(validated) == 2 and _checks(quarantine) == {"date_not_in_future": 2}
    assert set(quarantine["column"]) == {"submitted_on", "report_month"}
    survey = _raw("household_survey", [{}, {"household_id": "H2", "interview_date": "2027-01-01"}])
    validated, quarantine = validate_raw(survey, "household_survey", {})
    assert len(validated) == 1 and _checks(quarantine) == {"date_not_in_future": 1}


def test_male_and_female_above_the_total_is_quarantined(tmp_path: Path) -> None:
    rows = (
        "Round date,Place id,Governorate pcode,District pcode,Individuals,Male,Female\n"
        "2026-10-31,L1,IQG15,IQG15Q05,60,30,30\n"  # equal to the total
        "2026-10-31,L2,IQG15,IQG15Q05,60,25,\n"  # one given, below the total
        "2026-10-31,L3,IQG15,IQG15Q05,60,,\n"  # no breakdown
        "2026-10-31,L4,IQG15,IQG15Q05,60,31,30\n"  # row 5: 61 > 60
        "2026-10-31,L5,IQG15,IQG15Q05,60,61,\n"  # row 6: one given, above the total
    )
    folder = _folder(tmp_path, {"dtm_sex": DTM_WITH_SEX}, {"files/dtm_sex_R140.csv": rows})
    validated, quarantine = _validate(folder, "displacement", "R140")
    assert len(validated) == 3 and _checks(quarantine) == {"sex_breakdown_not_above_total": 2}
    assert quarantine["source_row"].astype(int).tolist() == [5, 6]
    assert "male and female individuals add up to more than Individuals" in quarantine["reason"].iloc[0]
    assert validated["individuals_male"].isna().sum() == 1  # missing stays missing


GOOD_ROWS: dict[str, dict[str, str]] = {
    "displacement": {
        "round_id": "R140", "reporting_date": "2026-10-31", "population_type": "idp", "location_id": "L1",
        "admin1_pcode": "IQG15", "admin2_pcode": "IQG15Q05", "families": "10", "individuals": "60",
        "families_in_camp": "0", "families_in_critical_shelter": "2", "families_in_private": "8",
        "families_in_unknown_shelter": "0", "individuals_male": "30", "individuals_female": "30",
    },
    "return_index": {
        "round_id": "R140", "ri_round": "20", "reporting_date": "2026-10-31", "location_id": "L1",
        "admin1_pcode": "IQG15", "admin2_pcode": "IQG15Q05", "returnee_individuals": "100",
        **{f"indicator_{i:02d}": "0" for i in range(1, 17)},
        "scale1_score": "10", "scale2_score": "10", "overall_score": "10", "severity_source": "low",
    },
    "service_mapping": {
        "org_acronym": "NRC", "sector_code": "PRO", "activity": "Legal aid", "iasc_criterion": "5",
        "status": "ongoing", "people_targeted": "100", "people_reached": "50", "period_start": "2026-09-01",
        "period_end": "2026-09-30", "admin1_pcode": "IQG15", "admin2_pcode": "IQG15Q05",
    },
    "poa_submission": {
        "area": "Sinjar", "report_month": "2026-10", "action_id": "A1", "action": "Water", "iasc_criterion": "2",
        "lead_org": "UNICEF", "target": "10", "achieved": "4", "status": "on_track", "due_date": "2026-12-31",
        "submitted_on": "2026-11-05",
    },
    "household_survey": {
        "household_id": "H1", "survey_round": "2026", "interview_date": "2026-10-01", "admin1_pcode": "IQG15",
        "admin2_pcode": "IQG15Q05", "population_group": "returnee", "weight": "1.5", "household_size": "5",
    },
}


def _raw(kind: str, changes: list[dict[str, str]]) -> pd.DataFrame:
    """Raw rows of `kind` as a reader returns them: the good row with `changes` applied, one row per change."""
    records = []
    for n, change in enumerate(changes):
        row = {column: "" for column in CANONICAL_COLUMNS[kind]} | GOOD_ROWS[kind] | change
        row |= {"source_id": "partner", "source_file": "files/partner.csv", "file_sha256": "0" * 64,
                "received_at": RECEIVED.strftime("%Y-%m-%dT%H:%M:%SZ"), "sheet": "", "source_row": n + 2,
                ROUND_COLUMN: row.get("round_id", ""), READ_PROBLEM: ""}
        records.append(row)
    return pd.DataFrame(records)


def _count_columns(kind: str) -> list[str]:
    ints = [c for c, dtype in CANONICAL_COLUMNS[kind].items() if dtype == "int"]
    floats = [c for c, dtype in CANONICAL_COLUMNS[kind].items() if dtype == "float" and not c.endswith("_score")]
    return [c for c in ints + floats if not c.startswith("indicator_") and c not in ("iasc_criterion", "ri_round")]


# Companions of a negative DTM count that keep the row's other sums right, so the negative is its only fault.
BALANCED: dict[str, dict[str, str]] = {
    "families": {"families_in_camp": "-1", "families_in_critical_shelter": "0", "families_in_private": "0"},
    "individuals": {"individuals_male": "", "individuals_female": ""},
    "families_in_camp": {"families_in_private": "9"},
    "families_in_critical_shelter": {"families_in_private": "11"},
    "families_in_private": {"families_in_unknown_shelter": "9"},
    "families_in_unknown_shelter": {"families_in_private": "9"},
}


@pytest.mark.parametrize("kind", ["displacement", "return_index", "service_mapping", "poa_submission",
                                  "household_survey"])
def test_a_negative_count_is_quarantined_in_every_count_column(kind: str) -> None:
    columns = _count_columns(kind)
    assert columns  # every kind with rows of people or targets has count columns
    if kind == "displacement":
        assert set(NULLABLE_INT_COLUMNS["displacement"]) <= set(columns)  # the optional ones included
    validated, clean = validate_raw(_raw(kind, [{}]), kind, {})
    assert len(validated) == 1 and clean.empty
    for column in columns:
        change = {column: "-1"} | BALANCED.get(column, {})
        validated, quarantine = validate_raw(_raw(kind, [change]), kind, {})
        assert validated.empty, column
        assert len(quarantine) == 1 and quarantine["column"].iloc[0] == column
        assert quarantine["check"].iloc[0] in ("greater_than_or_equal_to(0)", "greater_than_or_equal_to(1)",
                                               "greater_than(0)"), column


@pytest.mark.parametrize(
    ("kind", "key"),
    [("return_index", {"round_id": "R140", "location_id": "L1"}),
     ("household_survey", {"survey_round": "2026", "household_id": "H1"}),
     ("displacement", {"round_id": "R140", "location_id": "L1"})],
)
def test_a_duplicate_on_the_natural_key_is_quarantined_and_the_first_kept(kind: str, key: dict[str, str]) -> None:
    other = {"location_id": "L2"} if "location_id" in key else {"household_id": "H2"}
    validated, quarantine = validate_raw(_raw(kind, [key, key, other]), kind, {})
    assert len(validated) == 2 and len(quarantine) == 1
    assert quarantine["source_row"].astype(int).tolist() == [3]
    assert quarantine["check"].iloc[0] == "multiple_fields_uniqueness"


def test_the_future_date_tolerance_is_a_checked_setting() -> None:
    assert future_date_tolerance_days({}) == 31
    assert future_date_tolerance_days({"validation": {"future_date_tolerance_days": 3}}) == 3
    settings = yaml.safe_load((Path(__file__).resolve().parents[1] / "sources" / "demo" / "settings.yaml").read_text(
        encoding="utf-8"))
    settings["validation"] = {"future_date_tolerence_days": 3}
    with pytest.raises(SettingsError, match="did you mean 'future_date_tolerance_days'"):
        check_settings(settings)
    settings["validation"] = {"future_date_tolerance_days": -1}
    with pytest.raises(SettingsError, match="future_date_tolerance_days"):
        check_settings(settings)


def test_the_gazetteer_entry_is_unchanged_by_the_new_rules(tmp_path: Path) -> None:
    gazetteer = "Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code,Aliases,Valid from date\n" \
        "1,IQG15,Ninewa,نينوى,,,2030-01-01\n"  # a validity date ahead is not a fact about the past
    folder = _folder(tmp_path, {"cod_ab": GAZETTEER_ENTRY}, {"files/gazetteer.csv": gazetteer})
    validated, quarantine = _validate(folder, "gazetteer")
    assert len(validated) == 1 and quarantine.empty
    assert PROVENANCE_COLUMNS[3] == "received_at"


def test_a_new_round_below_the_latest_stored_round_of_its_source_is_reported(tmp_path: Path) -> None:
    idp = "Place id,Governorate pcode,District pcode,Families,Individuals,Camp,Critical shelter,Private,Unknown\n"
    files = {f"files/idp_R{n}.csv": idp + "L1,IQG15,IQG15Q05,10,60,0,0,10,0\n" for n in (120, 138, 139, 140)}
    folder = _folder(tmp_path, {"dtm_idp": REGISTRY["dtm_idp"], "cod_ab": GAZETTEER_ENTRY},
                     {**files, "files/gazetteer.csv": "Admin Level,P-Code\n"})
    registry = load_registry(folder)
    present = present_files(folder, registry)
    stored = {"dtm_idp": {"R138", "R139"}, "cod_ab": set()}
    late = late_rounds(registry, present, stored)  # R140 is newer, R138/R139 are stored: only R120 is late
    assert [(r.round_id, r.latest, r.files) for r in late] == [("R120", "R139", ("files/idp_R120.csv",))]
    assert late[0].render().startswith("warning (round_not_below_latest_stored): dtm_idp: new round R120")
    assert late_rounds(registry, present, {}) == []  # a first load has nothing to be late against
    again = late_rounds(registry, present, {"dtm_idp": {"R120", "R139"}})  # R120 stored before: not new
    assert [r.round_id for r in again] == ["R138"]
