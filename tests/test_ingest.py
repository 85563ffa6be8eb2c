"""Reading, validating and conforming a small hand-made sources folder: every row accepted or quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from ds_pipeline.lib.conform import Gazetteer, conform, normalise_name
from ds_pipeline.lib.readers import READ_PROBLEM, read_kind
from ds_pipeline.lib.registry import RegistryError, discover_rounds, load_registry
from ds_pipeline.lib.validation import validate_raw

GAZETTEER = """Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code,Aliases,Valid from date
1,IQG09,Duhok,دهوك,,Dahuk,2019-06-03
1,IQG15,Ninewa,نينوى,,Nineveh,2019-06-03
2,IQG09Q01,Akre,عقرة,IQG09,Aqra|Akra,2019-06-03
2,IQG15Q05,Al-Mosul,الموصل,IQG15,Mosul,2019-06-03
2,IQG15Q07,Tilkaif,تلكيف,IQG15,Tel Kaif,2019-06-03
2,IQG15Q06,Sinjar,سنجار,IQG15,,2019-06-03
"""

IDP_HEADER = (
    "Place id,Governorate pcode,District pcode,Location name in English,Families,Individuals,Camp,"
    "Critical shelter,Private,Unknown,Origin pcode,Key informant name\n"
)
IDP_ROWS = [
    "L1,IQG15,IQG15Q05,Hay Al-Zuhur,10,60,0,2,8,0,IQG15,Ahmed X",  # good
    "L2,IQG15,IQG15Q06,Sinuni,4,20,4,0,0,0,IQG15,Sara Y",  # good: camp x 5
    "L3,IQG15,IQG15Q05,Bad families,abc,60,0,0,10,0,IQG15,K",  # row 4: Families not a number
    "L4,IQG15,IQG15Q05,Wrong estimate,10,61,0,0,10,0,IQG15,K",  # row 5: individuals rule
    "L5,IQG15,IQ-D045,Legacy,10,60,0,0,10,0,IQG15,K",  # row 6: legacy p-code (conformed)
    "L1,IQG15,IQG15Q05,Hay Al-Zuhur again,10,60,0,0,10,0,IQG15,K",  # row 7: duplicate place id
]

# The registry entry of a COD-AB style gazetteer file (files/gazetteer.csv), shared by the tests that build sources.
GAZETTEER_ENTRY = """source: cod_ab
kind: gazetteer
files: files/gazetteer.csv
format: csv
columns: {admin_level: Admin Level, pcode: P-Code, name_en: Name (English), name_ar: Name (Arabic),
          parent_pcode: Parent P-Code, aliases: Aliases, valid_from: Valid from date}
"""

REGISTRY = {
    "cod_ab": GAZETTEER_ENTRY,
    "dtm_idp": """source: dtm_idp
kind: displacement
files: "files/idp_R{round}.csv"
format: csv
constants: {population_type: idp, reporting_date: "2026-10-31"}
columns:
  location_id: Place id
  admin1_pcode: Governorate pcode
  admin2_pcode: District pcode
  location_name_en: Location name in English
  families: Families
  individuals: Individuals
  families_in_camp: Camp
  families_in_critical_shelter: Critical shelter
  families_in_private: Private
  families_in_unknown_shelter: Unknown
  origin_admin1_pcode: Origin pcode
personal_data: [Key informant name]
""",
    "ocha_4w": """source: ocha_4w
kind: service_mapping
files: files/4w.csv
format: hxl_csv
columns:
  admin1_pcode: "#adm1+code"
  admin2_name: "#adm2+name"
  org_acronym: "#org+acronym"
  sector_code: "#sector+cluster"
  activity: "#activity+name"
  iasc_criterion: "#indicator+criterion"
  status: "#status"
  people_targeted: "#targeted+ind"
  people_reached: "#reached+ind"
  period_start: "#date+start"
  period_end: "#date+end"
""",
    "poa": """source: poa
kind: poa_submission
files: "files/poa/*.xlsx"
format: xlsx
sheet: Actions
header_row: 2
columns: {area: Area, report_month: Reporting month, action_id: Action ID, action: Action,
          iasc_criterion: IASC criterion, lead_org: Lead organisation, target: Target, achieved: Achieved,
          status: Status, due_date: Due date, submitted_on: Submitted on}
""",
}


def _write_poa(path: Path, with_status: bool) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Actions")
    sheet.write_row(0, 0, ["Plan of Action progress report"])
    header = ["Area", "Reporting month", "Action ID", "Action", "IASC criterion", "Lead organisation", "Target",
              "Achieved", "Due date", "Submitted on"]
    if with_status:
        header.insert(8, "Status")
    sheet.write_row(1, 0, header)
    rows = [["Sinjar", "2026-10", "A1", "Rehabilitate water network", 2, "UNICEF", 10, 4, "2026-12-31", "2026-11-05"],
            ["Atlantis", "2026-10", "A2", "Civil documentation", 5, "NRC", 100, 20, "2026-11-30", "2026-11-05"]]
    for r, row in enumerate(rows, start=2):
        if with_status:
            row = row[:8] + ["on_track"] + row[8:]
        sheet.write_row(r, 0, row)
    workbook.close()


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    (tmp_path / "registry").mkdir()
    for name, text in REGISTRY.items():
        (tmp_path / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    files = tmp_path / "files"
    (files / "poa").mkdir(parents=True)
    (files / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    (files / "idp_R138.csv").write_text(IDP_HEADER + "\n".join(IDP_ROWS) + "\n", encoding="utf-8")
    (files / "idp_R139.csv").write_text(IDP_HEADER + IDP_ROWS[0] + "\n", encoding="utf-8")
    four_w = (
        "\ufeffGovernorate code,District,Org,Sector,Activity,Criterion,Status,Targeted,Reached,Start,End\n"
        "#adm1 +code,#adm2 +name,#org +acronym,#sector +cluster,#activity +name,#indicator +criterion,#status,"
        "#targeted +ind,#reached +ind,#date +start,#date +end\n"
        "IQG09,Aqra,NRC,PRO,Legal aid,5,ongoing,100,50,2026-09-01,2026-09-30\n"  # alias
        "IQG15,mosul,IOM,SHL,Shelter repair,4,ongoing,100,50,2026-09-01,2026-09-30\n"  # 'Al-' dropped, case
        "IQG15,Telkaif,UNHCR,PRO,Protection monitoring,1,ongoing,10,5,2026-09-01,2026-09-30\n"  # phonetic
        "IQG15,Gotham,WFP,FSC,Food,2,ongoing,10,5,2026-09-01,2026-09-30\n"  # row 6: unknown district
        "IQG15,Sinjar,XYZ,ABC,Food,2,ongoing,10,5,2026-09-01,2026-09-30\n"  # row 7: bad sector
    )
    (files / "4w.csv").write_text(four_w, encoding="utf-8")
    _write_poa(files / "poa" / "sinjar_2026-10.xlsx", with_status=True)
    _write_poa(files / "poa" / "balad_2026-10.xlsx", with_status=False)
    return tmp_path


def _pipeline(sources: Path, kind: str, round_id: str | None = None):
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    gaz_raw = read_kind(sources, registry, "gazetteer")
    gaz_valid, gaz_quarantine = validate_raw(gaz_raw, "gazetteer", entry_of)
    assert gaz_quarantine.empty
    gazetteer = Gazetteer(gaz_valid)
    raw = read_kind(sources, registry, kind, round_id)
    validated, q1 = validate_raw(raw, kind, entry_of)
    conformed, q2 = conform(validated, kind, gazetteer, {"IQG15Q06": "Sinjar"}, ["Sinjar", "Balad"], entry_of)
    return raw, validated, q1, conformed, q2


def test_rounds_come_from_file_names(sources: Path) -> None:
    assert discover_rounds(sources, load_registry(sources)) == ["R138", "R139"]


def test_displacement_rows_are_accepted_or_quarantined_with_file_row_and_column(sources: Path) -> None:
    raw, validated, q1, conformed, q2 = _pipeline(sources, "displacement", "R138")
    assert len(raw) == 6 and "Key informant name" not in raw.columns
    assert len(raw) == len(conformed) + len(q1) + len(q2)
    reasons = {int(r.source_row): (r.column, r.check, r.reason) for r in pd.concat([q1, q2]).itertuples()}
    assert sorted(reasons) == [4, 5, 6, 7]
    assert reasons[4][0] == "Families" and "expected a whole number, got 'abc'" in reasons[4][2]
    assert reasons[4][2].startswith("file files/idp_R138.csv, row 4, column 'Families'")
    assert reasons[5][1] == "individuals_follow_dtm_estimate"
    assert reasons[6][0] == "District pcode" and "legacy 2014-era p-code" in reasons[6][2]
    assert reasons[7][1] == "multiple_fields_uniqueness"
    assert set(conformed["location_id"]) == {"L1", "L2"}
    sinuni = conformed.set_index("location_id").loc["L2"]
    assert sinuni["poa_area"] == "Sinjar" and sinuni["admin2_name_en"] == "Sinjar"
    assert conformed["individuals"].dtype == "int64"
    assert json.loads(q1.iloc[0]["raw_values"])["families"] == "abc"


def test_hxl_4w_names_resolved_by_alias_spelling_and_sound(sources: Path) -> None:
    raw, validated, q1, conformed, q2 = _pipeline(sources, "service_mapping")
    assert len(raw) == len(conformed) + len(q1) + len(q2) == 5
    assert list(conformed["admin2_pcode"]) == ["IQG09Q01", "IQG15Q05", "IQG15Q07"]
    assert conformed["match_note"].str.startswith(("alias", "spelling", "fuzzy (phonetic)")).all()
    assert [int(r) for r in q1["source_row"]] == [7] and q1.iloc[0]["column"] == "#sector+cluster"
    assert [int(r) for r in q2["source_row"]] == [6] and "no district of Ninewa" in q2.iloc[0]["reason"]


def test_workbook_missing_a_column_is_quarantined_row_by_row_and_unknown_area_rejected(sources: Path) -> None:
    raw, validated, q1, conformed, q2 = _pipeline(sources, "poa_submission")
    assert len(raw) == 4 and len(raw) == len(conformed) + len(q1) + len(q2)
    missing = q1[q1["source_file"] == "files/poa/balad_2026-10.xlsx"]
    assert len(missing) == 2 and set(missing["column"]) == {"Status"}
    assert set(missing["sheet"]) == {"Actions"} and sorted(missing["source_row"].astype(int)) == [3, 4]
    assert list(conformed["area"]) == ["Sinjar"]
    assert "'Atlantis' is not a configured POA area" in q2.iloc[0]["reason"]
    assert raw[READ_PROBLEM].str.contains("missing column 'Status'").sum() == 2


def test_unreadable_file_is_one_quarantined_row_not_a_crash(sources: Path) -> None:
    (sources / "files" / "poa" / "broken_2026-10.xlsx").write_bytes(b"not a workbook")
    raw, validated, q1, conformed, q2 = _pipeline(sources, "poa_submission")
    broken = q1[q1["source_file"] == "files/poa/broken_2026-10.xlsx"]
    assert len(broken) == 1 and "file could not be read" in broken.iloc[0]["reason"]


def test_registry_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "x.yaml").write_text("source: y\nkind: displacement\nfiles: a.csv\nformat: csv\n")
    with pytest.raises(RegistryError, match="registry/x.yaml: 'source' is 'y'"):
        load_registry(tmp_path)


def test_normalised_names() -> None:
    assert normalise_name("Al-Ba'aj") == normalise_name("al baaj") == "baaj"


def test_check_report_names_each_bad_row_and_groups_a_problem_shared_by_many(sources: Path) -> None:
    from ds_pipeline.lib.feedback import FileCheck

    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    raw = read_kind(sources, registry, "displacement", "R138")
    _, rejected = validate_raw(raw, "displacement", entry_of)
    text = FileCheck(entry_of["dtm_idp"], "files/idp_R138.csv", 6, 3, rejected).render()
    assert "rows read 6, accepted 3, rejected 3" in text
    assert "row 4, column 'Families': expected a whole number, got 'abc'" in text
    shared = pd.concat([rejected.iloc[[0]]] * 3, ignore_index=True)
    shared["source_row"] = ["8", "9", "11"]
    grouped = FileCheck(entry_of["dtm_idp"], "files/idp_R138.csv", 3, 0, shared).render()
    assert "rows 8-9, 11, column 'Families': expected a whole number, got 'abc'" in grouped


def test_arabic_indic_digits_are_read_as_numbers_and_dates(sources: Path) -> None:
    rows = "L9,IQG15,IQG15Q05,Hay Al-Arabi,١٠,٦٠,٠,٠,١٠,٠,IQG15,K\n"
    (sources / "files" / "idp_R140.csv").write_text(IDP_HEADER + rows, encoding="utf-8")
    raw, validated, q1, conformed, q2 = _pipeline(sources, "displacement", "R140")
    assert q1.empty and q2.empty
    assert conformed.loc[0, ["families", "individuals"]].tolist() == [10, 60]


def test_a_windows_1256_file_is_read_and_an_empty_file_is_quarantined_whole_with_the_reason(sources: Path) -> None:
    (sources / "files" / "idp_R141.csv").write_bytes((IDP_HEADER + IDP_ROWS[0] + ",مخيم\n").encode("cp1256"))
    (sources / "files" / "idp_R142.csv").write_bytes(b"")
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    raw = read_kind(sources, registry, "displacement", "R141")
    assert len(raw) == 1 and raw.loc[0, "read_problem"] == ""
    raw = read_kind(sources, registry, "displacement", "R142")
    validated, rejected = validate_raw(raw, "displacement", entry_of)
    assert validated.empty and len(rejected) == len(raw) == 1
    assert "file could not be read: the file is empty" in rejected.iloc[0]["reason"]


def test_a_corrected_poa_resubmission_is_accepted_beside_the_first(sources: Path) -> None:
    import shutil

    poa = sources / "files" / "poa"
    shutil.copy(poa / "sinjar_2026-10.xlsx", poa / "sinjar_2026-10_corrected.xlsx")
    raw, validated, q1, conformed, q2 = _pipeline(sources, "poa_submission")
    resubmitted = conformed[conformed["action_id"] == "A1"]
    assert sorted(resubmitted["source_file"]) == [
        "files/poa/sinjar_2026-10.xlsx", "files/poa/sinjar_2026-10_corrected.xlsx"
    ]
