"""Admin names given beside p-codes: a name of another unit is quarantined with both names; spellings pass."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_ingest import GAZETTEER_ENTRY

from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.validation import validate_raw

GAZETTEER = """Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code,Aliases,Valid from date
1,IQG09,Duhok,دهوك,,Dahuk|Dohuk,2019-06-03
1,IQG15,Ninewa,نينوى,,Nineveh|Ninawa,2019-06-03
2,IQG09Q02,Duhok,دهوك,IQG09,Dahuk,2019-06-03
2,IQG15Q01,Akre,عقرة,IQG15,Aqra|Akra,2019-06-03
2,IQG15Q05,Al-Mosul,الموصل,IQG15,Mosul|Al-Mawsil,2019-06-03
2,IQG15Q07,Sinjar,سنجار,IQG15,Shingal,2019-06-03
2,IQG15Q09,Tilkaif,تلكيف,IQG15,Tel Kaif|Telkaif,2019-06-03
3,IQG15Q05N01,Al-Qayyara,القيارة,IQG15Q05,Qayyarah,2019-06-03
3,IQG15Q05N04,Hamam Al-Aleel,حمام العليل,IQG15Q05,Hammam al-Alil,2019-06-03
3,IQG15Q05N05,Markaz Al-Mosul,مركز الموصل,IQG15Q05,,2019-06-03
"""

# The DTM Iraq Master List layout: names and p-codes side by side for every admin level.
DTM_HEADER = (
    "Round,Reporting date,Place id,Governorate,Governorate Pcode,District,District Pcode,Sub-district,"
    "Sub-district Pcode,Location name in English,Location name in Arabic,Latitude,Longitude,Families,Individuals,"
    "Families in camp,Families in critical shelter,Families in private settings,Families in unknown shelter,"
    "Governorate of origin,Governorate of origin Pcode,Key informant name,Key informant phone\n"
)


def dtm_row(place: str, district: str, district_pcode: str, sub: str = "Al-Qayyara",
            sub_pcode: str = "IQG15Q05N01", governorate: str = "Ninewa", governorate_pcode: str = "IQG15") -> str:
    return (
        f"139,2026-10-31,{place},{governorate},{governorate_pcode},{district},{district_pcode},{sub},{sub_pcode},"
        f"Hay {place},حي,36.3,43.1,10,60,0,2,8,0,Ninewa,IQG15,Ahmed X,0750 000 0000"
    )


REGISTRY = {
    "cod_ab": GAZETTEER_ENTRY,
    "dtm_idp": """source: dtm_idp
kind: displacement
files: "files/idp_master_list_R{round}.csv"
format: csv
constants: {population_type: idp}
columns:
  reporting_date: Reporting date
  location_id: Place id
  location_name_en: Location name in English
  admin1_name: Governorate
  admin1_pcode: Governorate Pcode
  admin2_name: District
  admin2_pcode: District Pcode
  admin3_name: Sub-district
  admin3_pcode: Sub-district Pcode
  families: Families
  individuals: Individuals
  families_in_camp: Families in camp
  families_in_critical_shelter: Families in critical shelter
  families_in_private: Families in private settings
  families_in_unknown_shelter: Families in unknown shelter
  origin_admin1_pcode: Governorate of origin Pcode
personal_data: [Key informant name, Key informant phone]
""",
    "ocha_4w": """source: ocha_4w
kind: service_mapping
files: files/4w.csv
format: hxl_csv
columns:
  admin1_name: "#adm1+name"
  admin1_pcode: "#adm1+code"
  admin2_name: "#adm2+name"
  admin2_pcode: "#adm2+code"
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
}

# An HDX 4W: a UTF-8 byte-order mark, the header, then the HXL hashtag row written with spaces.
FOUR_W_HEAD = (
    "\ufeffGovernorate,Governorate Pcode,District,District Pcode,Org,Sector,Activity,Criterion,Status,Targeted,"
    "Reached,Start,End\n"
    "#adm1 +name,#adm1 +code,#adm2 +name,#adm2 +code,#org +acronym,#sector +cluster,#activity +name,"
    "#indicator +criterion,#status,#targeted +ind,#reached +ind,#date +start,#date +end\n"
)


def four_w_row(governorate: str, governorate_pcode: str, district: str, district_pcode: str) -> str:
    return (f"{governorate},{governorate_pcode},{district},{district_pcode},NRC,PRO,Legal aid,5,ongoing,100,50,"
            "2026-09-01,2026-09-30")


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    (tmp_path / "registry").mkdir()
    for name, text in REGISTRY.items():
        (tmp_path / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    return tmp_path


def run(sources: Path, kind: str, name: str, text: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Write one file as received, then read, validate and conform its kind: (raw, conformed, quarantined)."""
    (sources / "files" / name).write_text(text, encoding="utf-8")
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    units, rejected_units = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer", entry_of)
    assert rejected_units.empty
    raw = read_kind(sources, registry, kind)
    validated, rejected = validate_raw(raw, kind, entry_of)
    assert rejected.empty
    conformed, quarantined = conform(validated, kind, Gazetteer(units), {}, [], entry_of)
    assert len(raw) == len(conformed) + len(quarantined)
    return raw, conformed, quarantined


def test_pcode_of_al_mosul_with_the_name_sinjar_is_quarantined_with_both_names(sources: Path) -> None:
    rows = [dtm_row("L1", "Al-Mosul", "IQG15Q05"), dtm_row("L2", "Sinjar", "IQG15Q05")]
    _, conformed, quarantined = run(sources, "displacement", "idp_master_list_R139.csv",
                                    DTM_HEADER + "\n".join(rows) + "\n")
    assert list(conformed["location_id"]) == ["L1"]
    rejected = quarantined.iloc[0]
    assert rejected["check"] == "name_matches_pcode" and rejected["stage"] == "conformed"
    assert rejected["column"] == "District" and int(rejected["source_row"]) == 3
    assert rejected["reason"] == (
        "file files/idp_master_list_R139.csv, row 3, column 'District': "
        "p-code IQG15Q05 is Al-Mosul but the district name given is 'Sinjar' (IQG15Q07)"
    )


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("Al-Mosul", ""),
        ("Mosul", "spelling: Mosul -> Al-Mosul (IQG15Q05)"),
        ("AL-MOSUL", "spelling: AL-MOSUL -> Al-Mosul (IQG15Q05)"),
        (" al mosul ", "spelling: al mosul -> Al-Mosul (IQG15Q05)"),
        ("الموصل", "spelling: الموصل -> Al-Mosul (IQG15Q05)"),
        ("Al-Mawsil", "alias: Al-Mawsil -> Al-Mosul (IQG15Q05)"),
    ],
)
def test_spellings_aliases_and_the_arabic_name_of_the_coded_unit_pass_with_a_note(
    sources: Path, name: str, note: str
) -> None:
    text = DTM_HEADER + dtm_row("L1", f'"{name}"', "IQG15Q05") + "\n"
    _, conformed, quarantined = run(sources, "displacement", "idp_master_list_R139.csv", text)
    assert quarantined.empty
    row = conformed.iloc[0]
    assert row["admin2_pcode"] == "IQG15Q05" and row["admin2_name_en"] == "Al-Mosul"
    assert row["match_note"] == note


def test_a_name_of_another_unit_by_alias_or_a_name_of_none_is_quarantined(sources: Path) -> None:
    rows = [
        dtm_row("L1", "Tel Kaif", "IQG15Q05"),  # row 2: an alias of Tilkaif beside Al-Mosul's code
        dtm_row("L2", "Gotham", "IQG15Q05"),  # row 3: no district of Ninewa
        dtm_row("L3", "Mosl", "IQG15Q05"),  # row 4: five characters or fewer: never fuzzy-matched
        dtm_row("L4", "Al-Mosul", "IQG15Q05", sub="Al-Qayyara", sub_pcode="IQG15Q05N04"),  # row 5: sub-district
        dtm_row("L5", "Mosul", "IQG15Q05", governorate="Duhok"),  # row 6: governorate
    ]
    _, conformed, quarantined = run(sources, "displacement", "idp_master_list_R139.csv",
                                    DTM_HEADER + "\n".join(rows) + "\n")
    assert conformed.empty
    reasons = {int(r.source_row): (r.column, r.check, r.reason) for r in quarantined.itertuples()}
    assert {check for _, check, _ in reasons.values()} == {"name_matches_pcode"}
    assert reasons[2][2].endswith("p-code IQG15Q05 is Al-Mosul but the district name given is 'Tel Kaif' "
                                  "(Tilkaif, IQG15Q09)")
    assert reasons[3][2].endswith("p-code IQG15Q05 is Al-Mosul but the district name given is 'Gotham': "
                                  "no district of Ninewa (IQG15) is called 'Gotham' (also tried aliases and close "
                                  "spellings)")
    assert "is Al-Mosul but the district name given is 'Mosl'" in reasons[4][2]
    assert reasons[5][0] == "Sub-district" and reasons[5][2].endswith(
        "p-code IQG15Q05N04 is Hamam Al-Aleel but the sub-district name given is 'Al-Qayyara' (IQG15Q05N01)")
    assert reasons[6][0] == "Governorate" and reasons[6][2].endswith(
        "p-code IQG15 is Ninewa but the governorate name given is 'Duhok' (IQG09)")


def test_hxl_4w_with_names_and_codes_checks_each_level_and_notes_close_spellings(sources: Path) -> None:
    rows = [
        four_w_row("Nineveh", "IQG15", "Aqra", "IQG15Q01"),  # row 3: aliases of both coded units
        four_w_row("Ninewa", "IQG15", "Tilkef", "IQG15Q09"),  # row 4: sounds like Tilkaif
        four_w_row("Ninewa", "IQG15", "Akre", "IQG15Q05"),  # row 5: Akre beside Al-Mosul's code
        four_w_row("Dohuk", "IQG15", "Akre", "IQG15Q01"),  # row 6: Duhok beside Ninewa's code
    ]
    _, conformed, quarantined = run(sources, "service_mapping", "4w.csv", FOUR_W_HEAD + "\n".join(rows) + "\n")
    assert list(conformed["admin2_pcode"]) == ["IQG15Q01", "IQG15Q09"]
    assert list(conformed["match_note"]) == [
        "alias: Nineveh -> Ninewa (IQG15); alias: Aqra -> Akre (IQG15Q01)",
        "fuzzy (phonetic): Tilkef -> Tilkaif (IQG15Q09)",
    ]
    reasons = {int(r.source_row): (r.column, r.reason) for r in quarantined.itertuples()}
    assert reasons[5] == ("#adm2+name", "file files/4w.csv, row 5, column '#adm2+name': "
                                        "p-code IQG15Q05 is Al-Mosul but the district name given is 'Akre' (IQG15Q01)")
    assert reasons[6][0] == "#adm1+name"
    assert reasons[6][1].endswith("p-code IQG15 is Ninewa but the governorate name given is 'Dohuk' (Duhok, IQG09)")


def test_a_code_alone_or_a_name_alone_behaves_as_before(sources: Path) -> None:
    rows = [
        four_w_row("", "IQG15", "", "IQG15Q07"),  # row 3: codes only
        four_w_row("", "IQG15", "Shingal", ""),  # row 4: a district name only, resolved within the governorate
        four_w_row("", "IQG15", "Gotham", ""),  # row 5: a district name only that matches nothing
    ]
    _, conformed, quarantined = run(sources, "service_mapping", "4w.csv", FOUR_W_HEAD + "\n".join(rows) + "\n")
    assert list(conformed["admin2_pcode"]) == ["IQG15Q07", "IQG15Q07"]
    assert list(conformed["match_note"]) == ["", "alias: Shingal -> Sinjar (IQG15Q07)"]
    assert list(quarantined["check"]) == ["name_in_gazetteer"]
    assert "no district of Ninewa (IQG15) is called 'Gotham'" in quarantined.iloc[0]["reason"]

    dtm = [dtm_row("L1", "", "IQG15Q05", sub="", sub_pcode="IQG15Q05N04"),  # codes only
           dtm_row("L2", "Mosul", "IQG15Q05", sub="Hammam al-Alil", sub_pcode=""),  # sub-district name only
           dtm_row("L3", "Mosul", "IQG15Q05", sub="Nowhere", sub_pcode="")]  # kept at district level
    _, conformed, quarantined = run(sources, "displacement", "idp_master_list_R139.csv",
                                    DTM_HEADER + "\n".join(dtm) + "\n")
    assert quarantined.empty
    assert list(conformed["admin3_pcode"]) == ["IQG15Q05N04", "IQG15Q05N04", ""]
    assert conformed.loc[2, "match_note"].startswith("spelling: Mosul -> Al-Mosul (IQG15Q05); sub-district not")
