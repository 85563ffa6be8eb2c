"""Admin-level, individuals-only displacement: DTM API v3 district extracts beside the location-level Master List.

Files are written the way IOM's DTM API v3 exports them (one row per district, round, displacement reason, origin
and assessment type; individuals with males and females, no families) and read with a registry entry that maps
the columns explicitly.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.metrics.displacement import displacement_by_area
from ds_pipeline.lib.metrics.prioritisation import _district_individuals
from ds_pipeline.lib.products import build_edition
from ds_pipeline.lib.products.expectations import validate_edition
from ds_pipeline.lib.products.key_figures import format_figure_value
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import RegistryError, load_registry
from ds_pipeline.lib.validation import validate_raw

# COD-AB p-codes and names of the units used here (public facts).
GAZETTEER = """Admin Level,P-Code,Name (English),Parent P-Code,Valid from date
1,IQG01,Al-Anbar,,2019-06-03
1,IQG13,Kirkuk,,2019-06-03
1,IQG15,Ninewa,,2019-06-03
2,IQG13Q04,Kirkuk,IQG13,2019-06-03
2,IQG15Q02,Al-Ba'aj,IQG15,2019-06-03
2,IQG15Q05,Al-Mosul,IQG15,2019-06-03
2,IQG15Q06,Sinjar,IQG15,2019-06-03
3,IQG15Q06N01,Markaz Sinjar,IQG15Q06,2019-06-03
"""
GAZETTEER_ENTRY = """source: cod_ab
kind: gazetteer
files: files/gazetteer.csv
format: csv
columns: {admin_level: Admin Level, pcode: P-Code, name_en: Name (English), parent_pcode: Parent P-Code,
          valid_from: Valid from date}
"""
DISTRICTS = {"IQG13Q04": "Kirkuk", "IQG15Q02": "Al-Ba'aj", "IQG15Q05": "Al-Mosul", "IQG15Q06": "Sinjar"}
GOVERNORATES = {"IQG01": "Al-Anbar", "IQG13": "Kirkuk", "IQG15": "Ninewa"}

# The columns of a DTM API v3 admin 2 extract (IdpAdmin2Data), in the API's order.
DTM_API_COLUMNS = [
    "id", "operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode", "admin2Name", "admin2Pcode",
    "adminLevel", "numPresentIdpInd", "reportingDate", "yearReportingDate", "monthReportingDate", "roundNumber",
    "displacementReason", "numberMales", "numberFemales", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode",
    "assessmentType", "operationStatus",
]
DTM_API_ENTRY = """source: dtm_api_iraq
kind: displacement
title: IOM DTM API v3, Iraq IDPs by district
files: "files/dtm_api/iraq_idp_admin2_R{round}.csv"
format: csv
admin_level: district
constants: {population_type: idp}
columns:
  reporting_date: reportingDate
  admin1_name: admin1Name
  admin1_pcode: admin1Pcode
  admin2_name: admin2Name
  admin2_pcode: admin2Pcode
  admin_level: adminLevel
  individuals: numPresentIdpInd
  individuals_male: numberMales
  individuals_female: numberFemales
  displacement_reason: displacementReason
  origin_admin1_name: idpOriginAdmin1Name
  origin_admin1_pcode: idpOriginAdmin1Pcode
  assessment_type: assessmentType
  operation: operation
"""
ROUND_DATES = {128: "2022-12-31", 129: "2023-05-31", 130: "2023-09-30", 131: "2024-01-31"}

MASTER_LIST_ENTRY = """source: dtm_master_list
kind: displacement
files: "files/dtm/idp_master_list_R{round}.csv"
format: csv
constants: {population_type: idp, reporting_date: "2024-01-31"}
columns: {location_id: Place id, admin1_pcode: Governorate pcode, admin2_pcode: District pcode,
          families: Families, individuals: Individuals, families_in_camp: Camp,
          families_in_critical_shelter: Critical shelter, families_in_private: Private,
          families_in_unknown_shelter: Unknown, origin_admin1_pcode: Origin pcode}
"""


def dtm_api_row(number: int, round_number: int, district: str, reason: str, origin: str, assessment: str,
                individuals: int, males: int | None = None, level: str = "Admin 2") -> dict[str, object]:
    """One row as the DTM API v3 sends it."""
    date = ROUND_DATES[round_number]
    males = individuals // 2 if males is None else males
    return {
        "id": number, "operation": "Iraq Master List", "admin0Name": "Iraq", "admin0Pcode": "IRQ",
        "admin1Name": GOVERNORATES[district[:5]], "admin1Pcode": district[:5], "admin2Name": DISTRICTS[district],
        "admin2Pcode": district, "adminLevel": level, "numPresentIdpInd": individuals, "reportingDate": date,
        "yearReportingDate": date[:4], "monthReportingDate": int(date[5:7]), "roundNumber": round_number,
        "displacementReason": reason, "numberMales": males, "numberFemales": individuals - males,
        "idpOriginAdmin1Name": GOVERNORATES[origin], "idpOriginAdmin1Pcode": origin, "assessmentType": assessment,
        "operationStatus": "Active",
    }


def write_sources(root: Path, rows: list[dict[str, object]], entry: str = DTM_API_ENTRY) -> Path:
    """A sources folder with the gazetteer and one DTM API v3 CSV per round of `rows`."""
    (root / "registry").mkdir(parents=True, exist_ok=True)
    (root / "registry" / "cod_ab.yaml").write_text(GAZETTEER_ENTRY, encoding="utf-8")
    (root / "registry" / "dtm_api_iraq.yaml").write_text(entry, encoding="utf-8")
    (root / "files" / "dtm_api").mkdir(parents=True, exist_ok=True)
    (root / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    for round_number in sorted({int(r["roundNumber"]) for r in rows}):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=DTM_API_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows([r for r in rows if int(r["roundNumber"]) == round_number])
        path = root / "files" / "dtm_api" / f"iraq_idp_admin2_R{round_number}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
    return root


def run_displacement(sources: Path, poa: dict[str, str] | None = None):
    """(raw, validated, quarantined at validation, conformed, quarantined at conforming) of the displacement kind."""
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    gazetteer_rows, gazetteer_quarantine = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer",
                                                        entry_of)
    assert gazetteer_quarantine.empty
    raw = read_kind(sources, registry, "displacement")
    validated, q1 = validate_raw(raw, "displacement", entry_of)
    poa = {"IQG15Q06": "Sinjar"} if poa is None else poa
    conformed, q2 = conform(validated, "displacement", Gazetteer(gazetteer_rows), poa, sorted(set(poa.values())),
                            entry_of)
    return raw, validated, q1, conformed, q2


def _rows(table: pd.DataFrame, level: str) -> pd.DataFrame:
    return table[table["area_level"] == level].set_index(["round_id", "area_id"])


# --------------------------------------------------------------------------------------------------------------
# A DTM API v3 district extract


def test_dtm_api_district_extract_loads_by_registry_entry_with_duplicates_and_negatives_quarantined(tmp_path):
    rows = [
        dtm_api_row(1, 131, "IQG15Q05", "Conflict", "IQG15", "Baseline", 1200),
        dtm_api_row(2, 131, "IQG15Q05", "Conflict", "IQG01", "Baseline", 310),  # another origin
        dtm_api_row(3, 131, "IQG15Q05", "Natural disaster", "IQG15", "Baseline", 300),  # another reason
        dtm_api_row(4, 131, "IQG15Q06", "Conflict", "IQG15", "Baseline", 900),
        dtm_api_row(5, 131, "IQG15Q06", "Conflict", "IQG15", "Baseline", 900),  # row 6: same full key
        dtm_api_row(6, 131, "IQG15Q06", "Conflict", "IQG15", "Round", 40),  # another assessment type
        dtm_api_row(7, 131, "IQG15Q02", "Conflict", "IQG15", "Baseline", -5, males=0),  # row 8: negative
        dtm_api_row(8, 131, "IQG13Q04", "Conflict", "IQG15", "Baseline", 400),
        dtm_api_row(9, 130, "IQG15Q05", "Conflict", "IQG15", "Baseline", 1500),
    ]
    raw, validated, q1, conformed, q2 = run_displacement(write_sources(tmp_path, rows))
    assert len(raw) == 9 and len(conformed) == 7 and len(q1) == 2 and q2.empty
    reasons = {int(r.source_row): r for r in q1.itertuples()}
    assert sorted(reasons) == [6, 8]
    assert reasons[6].check == "multiple_fields_uniqueness" and "displacement_reason" in reasons[6].reason
    assert reasons[8].column == "numPresentIdpInd" and "expected 0 or more" in reasons[8].reason
    # the rows of a unit and round stay rows with their breakdowns; counts not given stay empty
    mosul = conformed[(conformed["admin2_pcode"] == "IQG15Q05") & (conformed["round_id"] == "R131")]
    assert sorted(mosul["individuals"]) == [300, 310, 1200]
    assert set(mosul["displacement_reason"]) == {"Conflict", "Natural disaster"}
    assert set(mosul["origin_admin1_pcode"]) == {"IQG15", "IQG01"}
    assert list(mosul["individuals_male"] + mosul["individuals_female"]) == list(mosul["individuals"])
    assert set(conformed["admin_level"]) == {"district"} and (conformed["location_id"] == "").all()
    assert conformed["families"].isna().all() and conformed["families_in_camp"].isna().all()

    table = displacement_by_area(conformed)
    assert set(table["area_level"]) == {"governorate", "district", "poa_area"}
    districts, governorates = _rows(table, "district"), _rows(table, "governorate")
    assert districts.loc[("R131", "IQG15Q05"), "individuals"] == 1810
    assert districts.loc[("R131", "IQG15Q06"), "individuals"] == 940
    assert districts.loc[("R131", "IQG15Q05"), "locations"] == 1  # one district reporting, three rows
    assert governorates.loc[("R131", "IQG15"), "individuals"] == 2750
    assert governorates.loc[("R131", "IQG15"), "locations"] == 2  # Al-Mosul and Sinjar (Al-Ba'aj quarantined)
    assert governorates.loc[("R130", "IQG15"), "individuals"] == 1500
    assert _rows(table, "poa_area").loc[("R131", "Sinjar"), "individuals"] == 940  # an area made of districts
    for column in ("families", "families_in_camp", "individuals_in_camp", "individuals_in_critical_shelter"):
        assert table[column].isna().all(), column


def test_a_row_level_finer_than_the_declared_one_is_capped_and_an_unknown_level_quarantined(tmp_path):
    rows = [
        dtm_api_row(1, 131, "IQG15Q05", "Conflict", "IQG15", "Baseline", 100, level="location"),  # district
        dtm_api_row(2, 131, "IQG15Q06", "Conflict", "IQG15", "Baseline", 100, level="Admin 5"),  # row 3
        dtm_api_row(3, 131, "IQG15Q06", "Conflict", "IQG15", "Baseline", 100, level=""),  # declared: district
    ]
    _raw, _validated, q1, conformed, _q2 = run_displacement(write_sources(tmp_path, rows))
    assert list(conformed["admin_level"]) == ["district", "district"]
    assert [int(r) for r in q1["source_row"]] == [3]
    assert q1.iloc[0]["check"] == "admin_level_known" and q1.iloc[0]["column"] == "adminLevel"
    assert "got 'Admin 5'" in q1.iloc[0]["reason"]


def test_a_district_extract_registered_at_location_level_needs_place_ids(tmp_path):
    entry = DTM_API_ENTRY.replace("admin_level: district\n", "").replace("  admin_level: adminLevel\n", "")
    rows = [dtm_api_row(1, 131, "IQG15Q05", "Conflict", "IQG15", "Baseline", 100)]
    _raw, _validated, q1, conformed, _q2 = run_displacement(write_sources(tmp_path, rows, entry))
    assert conformed.empty and list(q1["check"]) == ["required"] and list(q1["column"]) == ["location_id"]


def test_an_unknown_admin_level_in_the_registry_is_an_error_naming_the_file(tmp_path):
    write_sources(tmp_path, [], DTM_API_ENTRY.replace("admin_level: district", "admin_level: village"))
    with pytest.raises(RegistryError, match=r"dtm_api_iraq.yaml: unknown admin_level 'village'"):
        load_registry(tmp_path)


def test_governorate_rows_need_no_district_and_subdistrict_rows_name_their_unit(tmp_path):
    entry = DTM_API_ENTRY.replace("admin_level: district", "admin_level: governorate")
    rows = [dtm_api_row(1, 131, "IQG15Q05", "Conflict", "IQG15", "Baseline", 700, level="Admin 1")]
    rows[0].update(admin2Pcode="", admin2Name="")
    _raw, _validated, q1, conformed, _q2 = run_displacement(write_sources(tmp_path, rows, entry))
    assert q1.empty and list(conformed["admin_level"]) == ["governorate"]
    table = displacement_by_area(conformed)
    assert list(table["area_level"]) == ["governorate"] and list(table["individuals"]) == [700]

    entry = DTM_API_ENTRY.replace("admin_level: district", "admin_level: subdistrict")
    rows = [dtm_api_row(1, 131, "IQG15Q05", "Conflict", "IQG15", "Baseline", 700, level="")]
    _raw, _validated, q1, conformed, _q2 = run_displacement(write_sources(tmp_path / "sub", rows, entry))
    assert conformed.empty and list(q1["check"]) == ["admin_unit_given_at_its_level"]


# --------------------------------------------------------------------------------------------------------------
# The location-level DTM Master List keeps its rules


def test_master_list_rows_still_follow_the_dtm_estimate_and_shelter_breakdown(tmp_path):
    write_sources(tmp_path, [])
    (tmp_path / "registry" / "dtm_api_iraq.yaml").unlink()
    (tmp_path / "registry" / "dtm_master_list.yaml").write_text(MASTER_LIST_ENTRY, encoding="utf-8")
    (tmp_path / "files" / "dtm").mkdir()
    lines = [
        "Place id,Governorate pcode,District pcode,Families,Individuals,Camp,Critical shelter,Private,Unknown,"
        "Origin pcode",
        "L1,IQG15,IQG15Q05,10,60,0,2,8,0,IQG15",  # x 6
        "L2,IQG15,IQG15Q06,4,20,4,0,0,0,IQG15",  # x 5 in camps
        "L3,IQG15,IQG15Q05,10,61,0,0,10,0,IQG15",  # row 4: not the estimate
        "L4,IQG15,IQG15Q05,10,60,,,,,IQG15",  # row 5: families without the shelter breakdown
        "L5,IQG15,IQG15Q06,,45,,,,,IQG15",  # individuals only: accepted
        "L1,IQG15,IQG15Q05,10,60,0,0,10,0,IQG15",  # row 7: same place id again
        ",IQG15,IQG15Q05,1,6,0,0,1,0,IQG15",  # row 8: a location row needs its place id
    ]
    (tmp_path / "files" / "dtm" / "idp_master_list_R131.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw, _validated, q1, conformed, q2 = run_displacement(tmp_path)
    assert len(raw) == 7 and len(conformed) == 3 and len(q1) == 4 and q2.empty
    checks = {int(r.source_row): (r.check, r.column) for r in q1.itertuples()}
    assert checks == {
        4: ("individuals_follow_dtm_estimate", ""),
        5: ("shelter_breakdown_given_with_families", ""),
        7: ("multiple_fields_uniqueness", "Place id"),
        8: ("required", "Place id"),
    }
    assert conformed["individuals"].dtype == "int64" and str(conformed["families"].dtype) == "Int64"
    table = displacement_by_area(conformed)
    sinjar = _rows(table, "district").loc[("R131", "IQG15Q06")]
    # L2 gives families, L5 individuals only: the district's families are not known, its individuals are
    assert sinjar["individuals"] == 65 and pd.isna(sinjar["families"]) and sinjar["locations"] == 2
    mosul = _rows(table, "district").loc[("R131", "IQG15Q05")]
    assert (mosul["families"], mosul["individuals_in_private"], mosul["locations"]) == (10, 48, 1)


# --------------------------------------------------------------------------------------------------------------
# Levels in the metrics


def _conformed_row(level: str, individuals: int, admin2: str = "", admin3: str = "", poa: str = "",
                   source: str = "dtm_api_iraq", families: float = np.nan) -> dict[str, object]:
    return {
        "source_id": source, "round_id": "R131", "reporting_date": pd.Timestamp("2024-01-31"),
        "population_type": "idp", "admin_level": level, "location_id": "", "admin1_pcode": "IQG15",
        "admin1_name_en": "Ninewa", "admin2_pcode": admin2, "admin2_name_en": DISTRICTS.get(admin2, ""),
        "admin3_pcode": admin3, "admin3_name_en": "", "poa_area": poa, "individuals": individuals,
        "families": families, "families_in_camp": families, "families_in_critical_shelter": 0.0 * families,
        "families_in_private": 0.0 * families, "families_in_unknown_shelter": 0.0 * families,
    }


def test_district_rows_never_feed_a_poa_area_made_of_subdistricts():
    frame = pd.DataFrame([
        # the POA area "Markaz Sinjar" is a sub-district: conforming attached it from the row's admin3 code
        _conformed_row("district", 500, "IQG15Q06", "IQG15Q06N01", "Markaz Sinjar"),
        _conformed_row("subdistrict", 200, "IQG15Q06", "IQG15Q06N01", "Markaz Sinjar", source="other"),
    ])
    table = displacement_by_area(frame)
    assert _rows(table, "poa_area").loc[("R131", "Markaz Sinjar"), "individuals"] == 200
    assert _rows(table, "district").loc[("R131", "IQG15Q06"), "individuals"] == 700


def test_a_source_giving_a_governorate_total_and_its_districts_is_not_counted_twice():
    frame = pd.DataFrame([
        _conformed_row("governorate", 1000),
        _conformed_row("district", 600, "IQG15Q05"),
        _conformed_row("district", 300, "IQG15Q06"),
    ])
    table = displacement_by_area(frame)
    assert _rows(table, "governorate").loc[("R131", "IQG15"), "individuals"] == 1000
    assert _rows(table, "governorate").loc[("R131", "IQG15"), "locations"] == 1
    assert _rows(table, "district")["individuals"].to_dict() == {("R131", "IQG15Q05"): 600, ("R131", "IQG15Q06"): 300}


def test_families_of_an_area_are_empty_when_any_row_gives_individuals_only():
    frame = pd.DataFrame([
        _conformed_row("location", 60, "IQG15Q05", source="master", families=10.0),
        _conformed_row("district", 600, "IQG15Q06"),
    ])
    frame.loc[0, "location_id"] = "L1"
    table = displacement_by_area(frame)
    assert _rows(table, "district").loc[("R131", "IQG15Q05"), "families"] == 10
    assert pd.isna(_rows(table, "governorate").loc[("R131", "IQG15"), "families"])
    assert _rows(table, "governorate").loc[("R131", "IQG15"), "individuals"] == 660


def test_priority_component_of_idps_in_camps_is_not_assessed_without_shelter_figures():
    table = displacement_by_area(pd.DataFrame([_conformed_row("district", 600, "IQG15Q06")]))
    districts = table[table["area_level"] == "district"]
    values = _district_individuals(districts, "idp", ["individuals_in_camp", "individuals_in_critical_shelter"],
                                   pd.Index(["IQG15Q06", "IQG15Q05"]))
    assert values.isna().all()
    assert _district_individuals(districts, "idp", ["individuals"], pd.Index(["IQG15Q06"])).tolist() == [600.0]


# --------------------------------------------------------------------------------------------------------------
# Products


def test_brief_says_n_a_for_shelter_figures_and_protects_individuals_only_rows():
    from test_products_edition import SETTINGS, WEEK, make_tables

    tables = make_tables()
    displacement = tables["displacement_by_area"].copy()
    idp = displacement["population_type"] == "idp"
    shelter = [c for c in displacement.columns if c.startswith(("families", "individuals_in_"))]
    displacement[shelter] = displacement[shelter].astype("float64")
    displacement.loc[idp, shelter] = np.nan
    small = idp & (displacement["area_id"] == "IQG15Q02")
    displacement.loc[small, "individuals"] = 30  # fewer than 10 households x 6
    edition = build_edition({**tables, "displacement_by_area": displacement}, WEEK, SETTINGS)

    figures = {f.figure: f for f in edition.key_figures}
    for figure in ("idps_in_camps", "idps_out_of_camp_in_critical_shelter"):
        assert figures[figure].value is None
        assert format_figure_value(figures[figure], edition.disclosure) == "n/a"
    assert figures["returnees"].value is not None

    published = edition.tables["displacement"].frame
    row = published[(published["area_id"] == "IQG15Q02") & (published["population_type"] == "idp")].iloc[0]
    assert pd.isna(row["individuals"]) and "individuals" in row["suppressed_columns"]
    reasons = [s.reason for s in edition.tables["displacement"].suppressions if "IQG15Q02" in s.row_key]
    assert "primary: fewer than 60 individuals" in reasons
    assert published.loc[published["population_type"] == "idp", "individuals_in_camp"].isna().all()
    # the displacement table's GX suite holds with the empty shelter columns
    outcomes = [o for o in validate_edition(edition).outcomes if o.table == "displacement"]
    assert outcomes and [o.describe() for o in outcomes if not o.success] == []


# --------------------------------------------------------------------------------------------------------------
# Property: the warehouse's district x round totals are a group-by of the file


KEY_VALUES = st.tuples(
    st.sampled_from(sorted(DISTRICTS)),
    st.sampled_from(sorted(ROUND_DATES)),
    st.sampled_from(["Conflict", "Natural disaster", "Other"]),
    st.sampled_from(sorted(GOVERNORATES)),
    st.sampled_from(["Baseline", "Round"]),
)
EXTRACTS = st.lists(st.tuples(KEY_VALUES, st.integers(min_value=0, max_value=250_000)), min_size=1, max_size=40,
                    unique_by=lambda row: row[0])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXTRACTS)
def test_district_by_round_totals_equal_a_group_by_of_the_file(extract):
    rows = [dtm_api_row(n, r, d, reason, origin, kind, count)
            for n, ((d, r, reason, origin, kind), count) in enumerate(extract, start=1)]
    with tempfile.TemporaryDirectory() as folder:
        raw, _validated, q1, conformed, q2 = run_displacement(write_sources(Path(folder), rows))
    assert len(raw) == len(conformed) == len(rows) and q1.empty and q2.empty
    table = displacement_by_area(conformed)

    source = pd.DataFrame(rows)
    source["round_id"] = "R" + source["roundNumber"].astype(str)
    for level, column in (("district", "admin2Pcode"), ("governorate", "admin1Pcode")):
        expected = source.groupby(["round_id", column])["numPresentIdpInd"].sum()
        got = _rows(table, level)["individuals"]
        assert got.sort_index().to_dict() == expected.sort_index().to_dict()
        places = source.groupby(["round_id", column])["admin2Pcode"].nunique()
        assert _rows(table, level)["locations"].sort_index().to_dict() == places.sort_index().to_dict()
    assert table["families"].isna().all()
