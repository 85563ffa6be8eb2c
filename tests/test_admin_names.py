"""Admin units by name, the official gazetteer and legacy codes: HDX-layout governorates resolve at the top level,
names-only 3Ws with legacy and Arabic spellings resolve with notes, crosswalked codes, merged gazetteer files and
POA area codes checked against the gazetteer."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ds_pipeline.lib.admin_names import (
    CrosswalkError,
    load_crosswalk,
    normalise_arabic,
    normalise_name,
    read_crosswalk,
    settings_pcode_problems,
)
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.demo.geography import GAZETTEER_HEADER, gazetteer_rows, load_geography
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.settings import SettingsError, check_settings, load_settings
from ds_pipeline.lib.validation import validate_raw

DEMO = Path(__file__).resolve().parents[1] / "sources" / "demo"

# The HDX global p-codes list as published (official COD-AB codes and names): a governorate's parent is the
# country, IRQ (here given as a unit of level 0, as some lists do). No Arabic names and no aliases in this layout.
HDX_GAZETTEER = """Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date
IRQ,0,IRQ,Iraq,,2019-06-03
IRQ,1,IQG06,Al-Sulaymaniyah,IRQ,2019-06-03
IRQ,1,IQG09,Duhok,IRQ,2019-06-03
IRQ,1,IQG15,Ninewa,IRQ,2019-06-03
IRQ,1,IQG16,Salah Al-Din,IRQ,2019-06-03
IRQ,2,IQG06Q04,Dokan,IQG06,2019-06-03
IRQ,2,IQG09Q01,Al-Amadiya,IQG09,2019-06-03
IRQ,2,IQG09Q02,Duhok,IQG09,2019-06-03
IRQ,2,IQG09Q03,Sumail,IQG09,2019-06-03
IRQ,2,IQG15Q01,Aqra,IQG15,2019-06-03
IRQ,2,IQG15Q05,Al-Mosul,IQG15,2019-06-03
IRQ,2,IQG15Q07,Sinjar,IQG15,2019-06-03
IRQ,2,IQG15Q09,Tilkaef,IQG15,2019-06-03
IRQ,2,IQG16Q04,Balad,IQG16,2019-06-03
IRQ,2,IQG16Q05,Samarra,IQG16,2019-06-03
"""

HDX_ENTRY = "source: hdx_pcodes\nkind: gazetteer\nlayout: hdx_global_pcodes\nfiles: files/global_pcodes_irq.csv\n"

# A COD-AB style list with Arabic names (as the bundled gazetteer): sub-districts and their parents.
COD_ENTRY = """source: cod_ab
kind: gazetteer
files: files/cod_ab_admin3.csv
format: csv
columns: {admin_level: Admin Level, pcode: P-Code, name_en: Name (English), name_ar: Name (Arabic),
          parent_pcode: Parent P-Code, aliases: Aliases, valid_from: Valid from date}
"""

# A presence-only 3W with governorate and district names only and free-text sectors, as clusters export them.
THREE_W_ENTRY = """source: cluster_3w
kind: service_mapping
files: files/3w_presence.csv
format: csv
columns:
  admin1_name: Governorate
  admin2_name: District
  org_acronym: Organisation
  sector_code: Cluster
"""


def write_sources(root: Path, entries: dict[str, str], files: dict[str, str], settings: str = "") -> Path:
    (root / "registry").mkdir(parents=True)
    (root / "files").mkdir()
    for name, text in entries.items():
        (root / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for name, text in files.items():
        (root / "files" / name).write_text(text, encoding="utf-8")
    if settings:
        (root / "settings.yaml").write_text(settings, encoding="utf-8")
    return root


def gazetteer_of(sources: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(conformed units, rejected at validation, rejected at conforming) of every gazetteer file registered."""
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    validated, rejected = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer", entry_of)
    conformed, quarantined = conform(validated, "gazetteer", Gazetteer(validated), {}, [], entry_of)
    return conformed, rejected, quarantined


def conform_kind(sources: Path, kind: str, crosswalk: dict[str, str] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(raw rows, conformed rows, quarantined rows at either stage) of one kind against the gazetteer files."""
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    units, _, _ = gazetteer_of(sources)
    raw = read_kind(sources, registry, kind)
    validated, rejected = validate_raw(raw, kind, entry_of)
    conformed, quarantined = conform(validated, kind, Gazetteer(units), {}, [], entry_of, crosswalk)
    assert len(raw) == len(conformed) + len(rejected) + len(quarantined)
    return raw, conformed, pd.concat([rejected, quarantined], ignore_index=True)


def test_arabic_names_are_normalised_before_matching() -> None:
    assert normalise_arabic("الأنبار") == normalise_arabic("الإنبار") == normalise_arabic("الآنبار") == "الانبار"
    assert normalise_arabic("نينوى") == "نينوي" and normalise_arabic("عقرة") == "عقره"
    assert normalise_arabic("سنـــجار") == "سنجار" and normalise_arabic("المَوْصِل") == "الموصل"
    assert normalise_name("Al-Ba'aj") == normalise_name("al baaj") and normalise_name("الموصل") == "موصل"
    assert normalise_name("Mosul") != normalise_name("Sumail")


def test_hdx_gazetteer_governorates_resolve_by_name_at_the_top_level(tmp_path: Path) -> None:
    """The HDX list's governorates have the country (IRQ) as parent: they are still the top level."""
    text = "Governorate,District,Organisation,Cluster\nNinewa,Sinjar,NRC,PRO\nSalah Al-Din,Balad,IOM,SHL\n"
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY, "cluster_3w": THREE_W_ENTRY},
                            {"global_pcodes_irq.csv": HDX_GAZETTEER, "3w_presence.csv": text})
    units, rejected, quarantined = gazetteer_of(sources)
    assert rejected.empty and quarantined.empty and len(units) == 15
    _, conformed, bad = conform_kind(sources, "service_mapping")
    assert bad.empty
    assert list(conformed["admin1_pcode"]) == ["IQG15", "IQG16"]
    assert list(conformed["admin2_pcode"]) == ["IQG15Q07", "IQG16Q04"]
    assert list(conformed["match_note"]) == ["", ""]  # exact names: nothing to note


def test_names_only_3w_with_legacy_spellings_resolves_with_notes_and_a_wrong_name_is_quarantined(
    tmp_path: Path,
) -> None:
    rows = [
        "Dahuk,Akre",  # row 2: legacy spellings of both (Akre is in Ninewa, so the governorate is wrong)
        "Nineveh,Akre",  # row 3
        "Dahuk,Sumel",  # row 4
        "Dohuk,Amedi",  # row 5
        "Sulaymaniya,Dukan",  # row 6
        "Ninawa,Tel Kaif",  # row 7
        "Ninewa,Atlantis",  # row 8: no such district
        "Duhok,Dahuk",  # row 9: the district of the same name
    ]
    text = "Governorate,District,Organisation,Cluster\n" + "".join(f"{r},NRC,PRO\n" for r in rows)
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY, "cluster_3w": THREE_W_ENTRY},
                            {"global_pcodes_irq.csv": HDX_GAZETTEER, "3w_presence.csv": text})
    raw, conformed, bad = conform_kind(sources, "service_mapping")
    assert len(raw) == 8 and len(conformed) == 6 and len(bad) == 2
    by_row = conformed.set_index("source_row")
    assert by_row.loc["3", "admin2_pcode"] == "IQG15Q01"
    assert by_row.loc["3", "match_note"] == "alias: Nineveh -> Ninewa (IQG15); alias: Akre -> Aqra (IQG15Q01)"
    assert by_row.loc["4", "admin2_pcode"] == "IQG09Q03"
    assert by_row.loc["4", "match_note"] == "alias: Dahuk -> Duhok (IQG09); alias: Sumel -> Sumail (IQG09Q03)"
    for row, pcode, note in [("5", "IQG09Q01", "alias: Amedi -> Al-Amadiya (IQG09Q01)"),
                             ("6", "IQG06Q04", "alias: Dukan -> Dokan (IQG06Q04)"),
                             ("7", "IQG15Q09", "alias: Tel Kaif -> Tilkaef (IQG15Q09)")]:
        assert by_row.loc[row, "admin2_pcode"] == pcode and by_row.loc[row, "match_note"].endswith(note)
    assert by_row.loc["9", "admin2_pcode"] == "IQG09Q02"
    assert by_row.loc["9", "match_note"] == "alias: Dahuk -> Duhok (IQG09Q02)"
    # the provider's names stay beside the resolved codes and the gazetteer's names
    assert by_row.loc["4", "admin2_name"] == "Sumel" and by_row.loc["4", "admin2_name_en"] == "Sumail"
    reasons = dict(zip(bad["source_row"], bad["reason"], strict=True))
    assert "no district of Duhok (IQG09) is called 'Akre'" in reasons["2"]
    assert "no district of Ninewa (IQG15) is called 'Atlantis'" in reasons["8"]
    assert set(bad["check"]) == {"name_in_gazetteer"}


def test_arabic_spellings_resolve_with_a_note(tmp_path: Path) -> None:
    cod = "\n".join(",".join(r) for r in [list(GAZETTEER_HEADER), *gazetteer_rows(load_geography())]) + "\n"
    text = "Governorate,District,Organisation,Cluster\n" + "".join(f"{r},NRC,PRO\n" for r in [
        "نينوى,الموصل",  # row 2: as the gazetteer writes them
        "نينوي,الموصِل",  # row 3: alef maksura written as yeh, a kasra
        "الأنبار,الرمادى",  # row 4: hamza on the alef (the list writes الانبار), yeh as alef maksura
        "نينوى,عقره",  # row 5: teh marbuta written as heh
        "نينوى,سنـجار",  # row 6: tatweel
        "نينوى,بغداد",  # row 7: not a district of Ninewa
    ])
    sources = write_sources(tmp_path, {"cod_ab": COD_ENTRY, "cluster_3w": THREE_W_ENTRY},
                            {"cod_ab_admin3.csv": cod, "3w_presence.csv": text})
    _, conformed, bad = conform_kind(sources, "service_mapping")
    by_row = conformed.set_index("source_row")
    assert list(by_row["admin2_pcode"]) == ["IQG15Q05", "IQG15Q05", "IQG01Q03", "IQG15Q01", "IQG15Q07"]
    assert by_row.loc["2", "match_note"] == "spelling: نينوى -> Ninewa (IQG15); spelling: الموصل -> Al-Mosul (IQG15Q05)"
    assert by_row.loc["3", "match_note"] == (
        "normalised Arabic: نينوي -> Ninewa (IQG15); normalised Arabic: الموصِل -> Al-Mosul (IQG15Q05)")
    assert "normalised Arabic: الأنبار -> Al-Anbar (IQG01)" in by_row.loc["4", "match_note"]
    assert "normalised Arabic: عقره -> Aqra (IQG15Q01)" in by_row.loc["5", "match_note"]
    assert list(bad["source_row"]) == ["7"] and "called 'بغداد'" in bad.iloc[0]["reason"]


def test_a_crosswalked_legacy_code_is_noted_and_one_without_entry_is_quarantined(tmp_path: Path) -> None:
    entry = THREE_W_ENTRY.replace("admin1_name: Governorate", "admin1_pcode: Governorate code")
    text = "Governorate code,District,Organisation,Cluster\n" + "".join(f"{r},NRC,PRO\n" for r in [
        "IQ-G08,Sumel",  # row 2: legacy code of Dahuk (IQG08 today is Baghdad): cross-walked
        "IQ-G15,Sinjar",  # row 3: legacy code without a crosswalk entry
        "IQG09,Sumail",  # row 4: current code
    ])
    settings = "pcode_crosswalk: files/legacy_pcodes.csv\n"
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY, "cluster_3w": entry},
                            {"global_pcodes_irq.csv": HDX_GAZETTEER, "3w_presence.csv": text,
                             "legacy_pcodes.csv": "\ufefflegacy_pcode,pcode\nIQ-G08,IQG09\nIQ-D045,IQG15Q05\n"})
    (sources / "settings.yaml").write_text(settings, encoding="utf-8")
    crosswalk = load_crosswalk(sources, {"pcode_crosswalk": "files/legacy_pcodes.csv"})
    assert crosswalk == {"IQ-G08": "IQG09", "IQ-D045": "IQG15Q05"}
    _, conformed, bad = conform_kind(sources, "service_mapping", crosswalk)
    by_row = conformed.set_index("source_row")
    assert by_row.loc["2", "admin1_pcode"] == "IQG09" and by_row.loc["2", "admin2_pcode"] == "IQG09Q03"
    assert by_row.loc["2", "match_note"] == (
        "legacy p-code IQ-G08 cross-walked to IQG09 (Duhok); alias: Sumel -> Sumail (IQG09Q03)")
    assert by_row.loc["4", "match_note"] == ""
    assert list(bad["source_row"]) == ["3"] and "'IQ-G15' is a legacy 2014-era p-code" in bad.iloc[0]["reason"]
    # without the crosswalk the legacy code of Dahuk is quarantined too: never repaired into IQG08 (Baghdad)
    _, conformed, bad = conform_kind(sources, "service_mapping")
    assert sorted(bad["source_row"]) == ["2", "3"] and list(conformed["source_row"]) == ["4"]


def test_the_crosswalk_file_and_setting_are_checked(tmp_path: Path) -> None:
    with pytest.raises(CrosswalkError, match="needs a column 'legacy_pcode'"):
        read_crosswalk("old,new\nIQ-G08,IQG09\n")
    with pytest.raises(CrosswalkError, match="mapped to both IQG09 and IQG08"):
        read_crosswalk("legacy_pcode,pcode\nIQ-G08,IQG09\nIQ-G08,IQG08\n")
    with pytest.raises(CrosswalkError, match="not found"):
        load_crosswalk(tmp_path, {"pcode_crosswalk": "files/missing.csv"})
    assert load_crosswalk(tmp_path, {}) == {}
    settings = load_settings(DEMO)
    assert check_settings({**settings, "pcode_crosswalk": "files/legacy.csv"})["pcode_crosswalk"]
    with pytest.raises(SettingsError, match="did you mean 'pcode_crosswalk'"):
        check_settings({**settings, "pcode_crosswallk": "files/legacy.csv"})


def test_an_admin_list_and_a_subdistrict_list_merge_by_admin_level(tmp_path: Path) -> None:
    """The official admin1/admin2 list plus a sub-district list repeating its districts: one gazetteer, no
    duplicates quarantined; a code named differently in the two files is quarantined with both names."""
    admin3 = "\n".join([
        "Admin Level,P-Code,Name (English),Name (Arabic),Parent P-Code,Aliases,Valid from date",
        "2,IQG15Q05,Al-Mosul,الموصل,IQG15,Mosul,2019-06-03",  # the same unit as in the HDX list
        "2,IQG16Q05,Balad,بلد,IQG16,,2019-06-03",  # the official IQG16Q05 is Samarra
        "3,IQG15Q05N01,Al-Qayyara,القيارة,IQG15Q05,Qayyarah,2019-06-03",
        "3,IQG15Q07N01,Markaz Sinjar,مركز سنجار,IQG15Q07,,2019-06-03",
        "3,IQG16Q05N01,Markaz Samarra,مركز سامراء,IQG16Q05,,2019-06-03",  # under the code in dispute
        "3,IQG15Q07N01,Markaz Sinjar,مركز سنجار,IQG15Q07,,2019-06-03",  # repeated in its own file
    ]) + "\n"
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY, "cod_ab": COD_ENTRY},
                            {"global_pcodes_irq.csv": HDX_GAZETTEER, "cod_ab_admin3.csv": admin3})
    units, rejected, quarantined = gazetteer_of(sources)
    assert rejected.empty  # no row is a duplicate at validation: files merge when conforming
    assert len(units) + len(quarantined) == 15 + 6
    reasons = quarantined.set_index(["source_file", "source_row"])["reason"]
    conflict = ("p-code IQG16Q05 is 'Balad' (level 2, parent 'IQG16') in files/cod_ab_admin3.csv but "
                "'Samarra' (level 2, parent 'IQG16') in files/global_pcodes_irq.csv; one code cannot name two units")
    assert reasons[("files/global_pcodes_irq.csv", "16")].endswith(conflict)
    assert reasons[("files/cod_ab_admin3.csv", "3")].endswith(conflict)
    assert "parent p-code 'IQG16Q05' is quarantined" in reasons[("files/cod_ab_admin3.csv", "6")]
    assert "duplicate of an earlier row with the same pcode" in reasons[("files/cod_ab_admin3.csv", "7")]
    assert len(quarantined) == 4
    gazetteer = Gazetteer(units)
    assert "IQG16Q05" not in gazetteer.units and gazetteer.units["IQG15Q05N01"].parent == "IQG15Q05"
    assert gazetteer.units["IQG15Q05"].name_ar == "الموصل"  # the merged unit, from the first file
    assert gazetteer.match_name("Qayyarah", "IQG15Q05", 3)[0] == "IQG15Q05N01"


def test_a_poa_area_code_named_otherwise_in_the_gazetteer_is_an_error_naming_both(tmp_path: Path) -> None:
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY}, {"global_pcodes_irq.csv": HDX_GAZETTEER})
    gazetteer = Gazetteer(gazetteer_of(sources)[0])
    wrong = {"poa_areas": [{"name": "Balad", "name_ar": "بلد", "pcodes": ["IQG16Q05"]},
                           {"name": "Sinjar", "pcodes": ["IQG15Q07", "IQG15Q99"]}]}
    assert settings_pcode_problems(wrong, gazetteer) == [
        "settings.yaml: POA area 'Balad' lists IQG16Q05, which the gazetteer calls Samarra",
        "settings.yaml: POA area 'Sinjar' lists IQG15Q99, which is not in the gazetteer",
    ]
    right = {"poa_areas": [{"name": "Balad", "pcodes": ["IQG16Q04"]},
                           {"name": "Al-Bakar", "aliases": ["Al-Ba'aj"], "pcodes": []},
                           {"name": "North", "aliases": ["Mosul", "Akre"], "pcodes": ["IQG15Q05", "IQG15Q01"]}]}
    assert settings_pcode_problems(right, gazetteer) == []
    no_alias = {"poa_areas": [{"name": "North", "aliases": ["Mosul"], "pcodes": ["IQG15Q05", "IQG15Q01"]}]}
    assert settings_pcode_problems(no_alias, gazetteer) == [
        "settings.yaml: POA area 'North' lists IQG15Q01, which the gazetteer calls Aqra"]


def test_the_demo_poa_areas_name_their_units_in_the_bundled_gazetteer() -> None:
    rows = pd.DataFrame(gazetteer_rows(load_geography()),
                        columns=["admin_level", "pcode", "name_en", "name_ar", "parent_pcode", "aliases", "valid_from"])
    assert settings_pcode_problems(load_settings(DEMO), Gazetteer(rows)) == []


def test_a_wrong_poa_code_fails_the_gazetteer_conforming_asset_clearly(defs: dg.Definitions, tmp_path: Path) -> None:
    """In a Dagster run (the UI, the schedules, `ds-pipeline publish`) the gazetteer conforming step fails with the
    message, so nothing downstream of the gazetteer runs."""
    cod = "\n".join(",".join(r) for r in [list(GAZETTEER_HEADER), *gazetteer_rows(load_geography())]) + "\n"
    settings = (DEMO / "settings.yaml").read_text(encoding="utf-8").replace("[IQG16Q04]", "[IQG16Q05]")
    write_sources(tmp_path / "sources", {"cod_ab": COD_ENTRY}, {"cod_ab_admin3.csv": cod}, settings)
    # the raw, validated and conforming steps of the gazetteer (each a multi-asset with its rejected rows)
    steps = [defs.get_assets_def(key) for key in ("gazetteer_raw", "gazetteer_validated", "gazetteer_conformed")]
    result = dg.materialize(steps, resources=defs.resources, raise_on_error=False)
    assert not result.success
    failures = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    assert [f.user_failure_data.description for f in failures] == [
        "settings.yaml: POA area 'Balad' lists IQG16Q05, which the gazetteer calls Samarra"]


def test_a_dtm_api_extract_with_names_only_resolves_units_and_origins_by_name(tmp_path: Path) -> None:
    """Admin-level DTM rows naming the district and the governorate of origin without p-codes."""
    header = ("id,operation,admin0Name,admin0Pcode,admin1Name,admin1Pcode,admin2Name,admin2Pcode,adminLevel,"
              "numPresentIdpInd,reportingDate,yearReportingDate,monthReportingDate,roundNumber,displacementReason,"
              "numberMales,numberFemales,idpOriginAdmin1Name,idpOriginAdmin1Pcode,assessmentType,operationStatus\n")
    rows = [
        "1,Iraq,Iraq,IRQ,Dahuk,,Sumel,,Admin 2,1200,2023-09-30,2023,9,131,Conflict,,,Nineveh,,Baseline,Active",
        "2,Iraq,Iraq,IRQ,Dahuk,,Sumel,,Admin 2,300,2023-09-30,2023,9,131,Conflict,,,Gotham,,Baseline,Active",
        "3,Iraq,Iraq,IRQ,Dahuk,,,,Admin 2,300,2023-09-30,2023,9,131,Conflict,,,Ninewa,,Baseline,Active",
    ]
    entry = "source: dtm_api\nkind: displacement\nfiles: files/dtm_api_v3.csv\nlayout: dtm_api_v3\n"
    sources = write_sources(tmp_path, {"hdx_pcodes": HDX_ENTRY, "dtm_api": entry},
                            {"global_pcodes_irq.csv": HDX_GAZETTEER, "dtm_api_v3.csv": header + "\n".join(rows)})
    _, conformed, bad = conform_kind(sources, "displacement")
    assert list(conformed["admin2_pcode"]) == ["IQG09Q03", "IQG09Q03"]
    assert list(conformed["origin_admin1_pcode"]) == ["IQG15", ""]
    assert conformed.iloc[0]["match_note"].endswith("origin: alias: Nineveh -> Ninewa (IQG15)")
    assert "origin not resolved: no governorate is called 'Gotham'" in conformed.iloc[1]["match_note"]
    # neither a district p-code nor a district name: quarantined at validation
    assert list(bad["source_row"]) == ["4"] and list(bad["check"]) == ["required"]
    assert "a p-code or a name is required but both are empty" in bad.iloc[0]["reason"]
