"""Files as partners send them: published layouts named by a preset, rounds from a column, HXL rows in any CSV or
sheet, other delimiters, title rows above the header, trailing empty rows and columns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from test_ingest import GAZETTEER, GAZETTEER_ENTRY, IDP_HEADER

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.drop_folder import folder_changes
from ds_pipeline.lib.layouts import LAYOUTS
from ds_pipeline.lib.readers import file_rounds, read_kind, sniff_delimiter
from ds_pipeline.lib.registry import RegistryError, discover_rounds, load_registry
from ds_pipeline.lib.sources_folder import SourcesFolderError, present_files, rounds_present, withdrawn_rounds
from ds_pipeline.lib.validation import validate_raw

# The DTM API v3 admin-level layout (IdpAdmin2Data) as exported to CSV, with the HXL row HDX adds.
DTM_API_HEADER = [
    "id", "operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode", "admin2Name", "admin2Pcode",
    "adminLevel", "numPresentIdpInd", "reportingDate", "yearReportingDate", "monthReportingDate", "roundNumber",
    "displacementReason", "numberMales", "numberFemales", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode",
    "assessmentType", "operationStatus",
]
DTM_API_HXL = [
    "", "#operation+name", "#country+name", "#country+code", "#adm1+name", "#adm1+code", "#adm2+name",
    "#adm2+code", "", "#affected+idps", "#date+reported", "", "", "#round+code", "#cause+type", "", "",
    "#adm1+name+origin", "#adm1+code+origin", "#assessment+type", "",
]
ROUND_DATES = {128: "2022-12-31", 129: "2023-03-31", 130: "2023-06-30", 131: "2023-09-30"}
DISTRICTS = [("Ninewa", "IQG15", "Al-Mosul", "IQG15Q05"), ("Ninewa", "IQG15", "Sinjar", "IQG15Q06")]
ORIGINS = [("Conflict", "Ninewa", "IQG15"), ("Conflict", "Duhok", "IQG09")]


def dtm_api_rows(rounds: tuple[int, ...] = (128, 129, 130, 131), bump: int = 0) -> list[list[str]]:
    """Two districts x two origins per round: several rows per unit and round."""
    rows = []
    for number in rounds:
        for d, (gov, gov_code, district, district_code) in enumerate(DISTRICTS):
            for o, (reason, origin, origin_code) in enumerate(ORIGINS):
                individuals = 1000 * number + 100 * d + 10 * o + bump
                year, month = ROUND_DATES[number][:4], str(int(ROUND_DATES[number][5:7]))
                rows.append([
                    str(len(rows) + 1), "Protracted displacement", "Iraq", "IRQ", gov, gov_code, district,
                    district_code, "Admin 2", str(individuals), ROUND_DATES[number], year, month, str(number), reason,
                    "" if o else str(individuals // 2), "" if o else str(individuals - individuals // 2), origin,
                    origin_code, "Baseline", "Active",
                ])
    return rows


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(delimiter.join(row) for row in rows) + "\n", encoding="utf-8")


def make_sources(root: Path, registry: dict[str, str]) -> Path:
    (root / "registry").mkdir(parents=True)
    for name, text in registry.items():
        (root / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    (root / "files").mkdir()
    (root / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    return root


def pipeline(sources: Path, kind: str, round_id: str | None = None):
    """(raw, accepted, quarantined) of one kind (one round), read, validated and conformed as the pipeline does."""
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    gazetteer, _ = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer", entry_of)
    raw = read_kind(sources, registry, kind, round_id)
    validated, q1 = validate_raw(raw, kind, entry_of)
    conformed, q2 = conform(validated, kind, Gazetteer(gazetteer), {}, [], entry_of)
    quarantined = pd.concat([q1, q2], ignore_index=True)
    assert len(raw) == len(conformed) + len(quarantined)  # every row read is accepted or quarantined
    return raw, conformed, quarantined


DTM_API_ENTRY = """source: dtm_api
kind: displacement
files: files/dtm/dtm_api_v3_idp_admin2.csv
layout: dtm_api_v3
"""


@pytest.fixture()
def dtm_api_sources(tmp_path: Path) -> Path:
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "dtm_api": DTM_API_ENTRY})
    bad_round = dtm_api_rows((131,))[0]
    bad_round[13] = "n/a"  # a row whose round cannot be read: quarantined in the file's latest round
    write_csv(sources / "files" / "dtm" / "dtm_api_v3_idp_admin2.csv",
              [DTM_API_HEADER, DTM_API_HXL, *dtm_api_rows(), bad_round])
    return sources


def test_dtm_api_v3_file_of_four_rounds_feeds_each_round_with_its_rows(dtm_api_sources: Path) -> None:
    entry = load_registry(dtm_api_sources)[1]
    assert (entry.format, entry.round_column, entry.layout) == ("csv", "roundNumber", "dtm_api_v3")
    assert discover_rounds(dtm_api_sources, load_registry(dtm_api_sources)) == ["R128", "R129", "R130", "R131"]
    expected = pd.DataFrame(dtm_api_rows(), columns=DTM_API_HEADER)
    for number in (128, 129, 130, 131):
        raw, accepted, quarantined = pipeline(dtm_api_sources, "displacement", f"R{number}")
        assert set(raw["round_id"]) == {f"R{number}"}
        assert len(raw) == (5 if number == 131 else 4)  # the HXL row is never a data row
        assert len(accepted) == 4
        of_round = expected[expected["roundNumber"] == str(number)]
        assert int(accepted["individuals"].sum()) == pd.to_numeric(of_round["numPresentIdpInd"]).sum()
        assert set(accepted["admin_level"]) == {"district"}
        assert sorted(accepted["origin_admin1_pcode"]) == ["IQG09", "IQG09", "IQG15", "IQG15"]
        assert set(accepted["displacement_reason"]) == {"Conflict"}
        assert set(accepted["reporting_date"].astype(str)) == {ROUND_DATES[number]}
    # source_row is the row a person sees in the file: header 1, HXL row 2, data from row 3
    raw, _, quarantined = pipeline(dtm_api_sources, "displacement", "R131")
    assert sorted(raw["source_row"].astype(int)) == [15, 16, 17, 18, 19]
    assert [int(r) for r in quarantined["source_row"]] == [19]
    assert "round column 'roundNumber': expected a round number, got 'n/a'" in quarantined.iloc[0]["reason"]
    assert len(read_kind(dtm_api_sources, load_registry(dtm_api_sources), "displacement")) == 17


def test_a_file_without_a_readable_round_goes_to_the_latest_round_of_its_source(dtm_api_sources: Path) -> None:
    (dtm_api_sources / "registry" / "dtm_api.yaml").write_text(
        DTM_API_ENTRY.replace("dtm_api_v3_idp_admin2.csv", "dtm_api_*.csv"), encoding="utf-8")
    write_csv(dtm_api_sources / "files" / "dtm" / "dtm_api_broken.csv",
              [[c for c in DTM_API_HEADER if c != "roundNumber"], ["1", "Protracted displacement"]])
    raw, _, quarantined = pipeline(dtm_api_sources, "displacement", "R131")
    broken = quarantined[quarantined["source_file"] == "files/dtm/dtm_api_broken.csv"]
    assert len(broken) == 1 and "missing column 'roundNumber'" in broken.iloc[0]["reason"]


def test_publish_refuses_a_round_column_source_whose_files_name_no_round(tmp_path: Path) -> None:
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "dtm_api": DTM_API_ENTRY})
    header = [c if c != "roundNumber" else "round" for c in DTM_API_HEADER]
    write_csv(sources / "files" / "dtm" / "dtm_api_v3_idp_admin2.csv", [header, *dtm_api_rows()])
    with pytest.raises(SourcesFolderError, match="no round could be read from the round column 'roundNumber'"):
        present_files(sources, load_registry(sources))


def test_rounds_of_a_multi_round_file_are_discovered_rerun_and_withdrawn_from_its_contents(tmp_path: Path) -> None:
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "dtm_api": DTM_API_ENTRY})
    path = sources / "files" / "dtm" / "dtm_api_v3_idp_admin2.csv"
    write_csv(path, [DTM_API_HEADER, DTM_API_HXL, *dtm_api_rows()])
    registry = load_registry(sources)
    assert rounds_present(registry, present_files(sources, registry)) == ["R128", "R129", "R130", "R131"]
    first = folder_changes(sources, registry, {})
    assert list(first.rounds) == ["R128", "R129", "R130", "R131"] and first.unpartitioned  # the gazetteer too
    assert not folder_changes(sources, registry, first.files).any  # nothing changed: nothing runs
    write_csv(path, [DTM_API_HEADER, DTM_API_HXL, *dtm_api_rows(bump=1)])  # a corrected file: every round again
    corrected = folder_changes(sources, registry, first.files)
    assert list(corrected.rounds) == ["R128", "R129", "R130", "R131"] and not corrected.unpartitioned
    assert all(corrected.rounds[r] != first.rounds[r] for r in corrected.rounds)  # new run keys
    write_csv(path, [DTM_API_HEADER, DTM_API_HXL, *dtm_api_rows((129, 130, 131), bump=1)])
    shrunk = folder_changes(sources, registry, corrected.files)
    assert shrunk.removed_rounds == ("R128",)  # its rows left the file: the round loses its partition
    assert list(shrunk.rounds) == ["R129", "R130", "R131"]
    # publish: the round that left the file's contents while the file remains is withdrawn
    present = present_files(sources, registry)
    assert [f.round_id for f in present["dtm_api"]] == ["R129", "R130", "R131"]
    stored = {"dtm_api": {"R128", "R129", "R130", "R131"}}
    assert [(w.round_id, w.whole_round) for w in withdrawn_rounds(registry, present, stored)] == [("R128", True)]
    assert [f.round_id for f in file_rounds(sources, registry[1])] == ["R129", "R130", "R131"]


def test_semicolon_delimited_file_is_read_without_a_delimiter_setting(tmp_path: Path) -> None:
    entry = """source: dtm_idp
kind: displacement
files: "files/idp_R{round}.csv"
format: csv
constants: {population_type: idp, reporting_date: "2026-10-31"}
columns: {location_id: Place id, admin1_pcode: Governorate pcode, admin2_pcode: District pcode,
          location_name_en: Location name in English, families: Families, individuals: Individuals,
          families_in_camp: Camp, families_in_critical_shelter: Critical shelter, families_in_private: Private,
          families_in_unknown_shelter: Unknown, origin_admin1_pcode: Origin pcode}
"""
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "dtm_idp": entry})
    rows = ["L1;IQG15;IQG15Q05;Hay Al-Zuhur, Mosul;10;60;0;2;8;0;IQG15;K",
            "L2;IQG15;IQG15Q06;Sinuni;4;20;4;0;0;0;IQG15;K",
            "L3;IQG15;IQG15Q06;Bad;x;20;4;0;0;0;IQG15;K"]
    (sources / "files" / "idp_R140.csv").write_text(IDP_HEADER.replace(",", ";") + "\n".join(rows) + "\n")
    raw, accepted, quarantined = pipeline(sources, "displacement", "R140")
    assert len(raw) == 3 and len(accepted) == 2 and len(quarantined) == 1
    assert list(accepted["location_name_en"]) == ["Hay Al-Zuhur, Mosul", "Sinuni"]
    assert quarantined.iloc[0]["column"] == "Families" and quarantined.iloc[0]["source_row"] == "4"


FOUR_W_ENTRY = """source: ocha_3w
kind: service_mapping
files: {files}
columns: {{admin1_pcode: Governorate code, admin2_name: District, org_acronym: Organisation,
          sector_code: Sector, activity: Activity, status: Status}}
"""
FOUR_W_HEADER = ["Governorate code", "District", "Organisation", "Sector", "Activity", "Status"]
FOUR_W_HXL = ["#adm1+code", "#adm2+name", "#org+acronym", "#sector+cluster", "#activity+name", "#status"]
FOUR_W_ROWS = [["IQG15", "Sinjar", "NRC", "PRO", "Legal aid", "ongoing"],
               ["IQG15", "Mosul", "IOM", "SHL", "Shelter repair", "completed"],
               ["IQG15", "Gotham", "WFP", "FSC", "Food", "ongoing"]]  # no such district: quarantined


def test_two_title_rows_above_the_header_are_skipped_by_finding_the_header(tmp_path: Path) -> None:
    entry = FOUR_W_ENTRY.format(files="files/3w.csv")
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "ocha_3w": entry})
    titles = [["Iraq: Who does What Where (3W), Ninewa"], ["Data as of 30 September 2026", "", "", "", "", ""]]
    write_csv(sources / "files" / "3w.csv", [*titles, FOUR_W_HEADER, *FOUR_W_ROWS])
    raw, accepted, quarantined = pipeline(sources, "service_mapping")
    assert len(raw) == 3 and len(accepted) == 2 and len(quarantined) == 1
    assert list(raw["source_row"]) == ["4", "5", "6"] and quarantined.iloc[0]["source_row"] == "6"
    # header_row in the registry still wins: a wrong one leaves every mapped column missing
    (sources / "registry" / "ocha_3w.yaml").write_text(entry + "header_row: 1\n", encoding="utf-8")
    raw, accepted, quarantined = pipeline(sources, "service_mapping")
    assert accepted.empty and len(quarantined) == 5  # the title row and the header are read as data
    assert quarantined["reason"].str.contains("missing column 'Organisation', column 'Sector'").all()


def test_tab_delimited_file_with_trailing_empty_rows_and_columns(tmp_path: Path) -> None:
    entry = FOUR_W_ENTRY.format(files="files/3w.tsv")
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "ocha_3w": entry})
    padded = [[*row, "", ""] for row in [FOUR_W_HEADER, FOUR_W_HXL, *FOUR_W_ROWS]]
    write_csv(sources / "files" / "3w.tsv", [*padded, [""] * 8, [""] * 8, [""] * 8], delimiter="\t")
    assert load_registry(sources)[1].format == "csv"
    raw, accepted, quarantined = pipeline(sources, "service_mapping")
    assert len(raw) == 3 and len(accepted) == 2 and len(quarantined) == 1
    assert list(raw["source_row"]) == ["3", "4", "5"]  # the HXL row is skipped, the empty rows at the end too


def test_the_delimiter_setting_wins_where_sniffing_cannot_tell(tmp_path: Path) -> None:
    text = ("Governorate code;Organisation (acronym, name)\n"
            "IQG15;NRC, Norwegian Refugee Council\nIQG15;IOM, International Organization for Migration\n")
    assert sniff_delimiter(text) == ","  # comma and semicolon both split every row in two: the default is kept
    entry = """source: ocha_3w
kind: service_mapping
files: files/3w.csv
columns: {admin1_pcode: Governorate code, org_name: "Organisation (acronym, name)"}
"""
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY, "ocha_3w": entry + "delimiter: ';'\n"})
    (sources / "files" / "3w.csv").write_text(text, encoding="utf-8")
    assert load_registry(sources)[1].delimiter == ";"
    raw = read_kind(sources, load_registry(sources), "service_mapping")
    assert raw["org_name"].tolist() == ["NRC, Norwegian Refugee Council",
                                        "IOM, International Organization for Migration"]
    assert (raw["read_problem"] == "").all() and raw["admin1_pcode"].tolist() == ["IQG15", "IQG15"]


def test_xlsx_sheet_with_an_hxl_row_mapped_by_header_or_by_hashtag(tmp_path: Path) -> None:
    by_hashtag = """source: ocha_3w_tags
kind: service_mapping
files: files/3w_tags.xlsx
columns: {admin1_pcode: "#adm1+code", admin2_name: "#adm2 +name", org_acronym: "#org+acronym",
          sector_code: "#sector+cluster", activity: "#activity+name", status: "#status"}
"""
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY,
                                              "ocha_3w": FOUR_W_ENTRY.format(files="files/3w.xlsx"),
                                              "ocha_3w_tags": by_hashtag})
    for name in ("3w.xlsx", "3w_tags.xlsx"):
        workbook = xlsxwriter.Workbook(str(sources / "files" / name))
        sheet = workbook.add_worksheet("3W")
        sheet.write_row(0, 0, ["Ninewa 3W, September 2026"])
        for r, row in enumerate([FOUR_W_HEADER, FOUR_W_HXL, *FOUR_W_ROWS], start=1):
            sheet.write_row(r, 0, row)
        sheet.write_row(8, 0, ["", "", ""])  # formatted but empty cells below the data
        workbook.close()
    raw, accepted, quarantined = pipeline(sources, "service_mapping")
    assert len(raw) == 6 and len(accepted) == 4 and len(quarantined) == 2
    for source_id in ("ocha_3w", "ocha_3w_tags"):
        rows = raw[raw["source_id"] == source_id]
        assert list(rows["source_row"]) == ["4", "5", "6"] and set(rows["sheet"]) == {"3W"}
        assert list(rows["org_acronym"]) == ["NRC", "IOM", "WFP"]


HDX_PCODES = [
    ["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"],
    ["#country+code", "#geo+admin_level", "#adm+code", "#adm+name", "#adm+code+parent", "#date+start"],
    ["IRQ", "1", "IQG15", "Ninewa", "IRQ", "2019-06-03"],
    ["IRQ", "2", "IQG15Q05", "Al-Mosul", "IQG15", "2019-06-03"],
    ["IRQ", "2", "IQG15Q06", "Sinjar", "IQG15", "2019-06-03"],
]


def test_hdx_global_pcodes_layout_is_three_lines_and_a_layout(tmp_path: Path) -> None:
    entry = "source: hdx_pcodes\nkind: gazetteer\nfiles: files/global_pcodes_irq.csv\nlayout: hdx_global_pcodes\n"
    sources = make_sources(tmp_path / "src", {"hdx_pcodes": entry})
    write_csv(sources / "files" / "global_pcodes_irq.csv", HDX_PCODES)
    raw = read_kind(sources, load_registry(sources), "gazetteer")
    assert len(raw) == 3 and list(raw["source_row"]) == ["3", "4", "5"]
    assert raw[["pcode", "name_en", "parent_pcode", "admin_level"]].values.tolist() == [
        ["IQG15", "Ninewa", "IRQ", "1"], ["IQG15Q05", "Al-Mosul", "IQG15", "2"], ["IQG15Q06", "Sinjar", "IQG15", "2"]
    ]
    assert (raw["read_problem"] == "").all()


def test_layouts_map_only_canonical_columns_of_their_kind() -> None:
    for name, layout in LAYOUTS.items():
        canonical = CANONICAL_COLUMNS[layout["kind"]]
        unknown = [c for c in [*layout["columns"], *layout.get("constants", {})] if c not in canonical]
        assert not unknown, f"{name}: {unknown}"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("layout: dtm_api_v4\n", "unknown layout 'dtm_api_v4'; expected one of dtm_api_v3, hdx_global_pcodes"),
        ("layout: hdx_global_pcodes\n", "layout 'hdx_global_pcodes' is for kind 'gazetteer', not 'displacement'"),
        ("round_column: roundNumber\nfiles: files/dtm_R{round}.csv\n", "either as {round} in 'files' or"),
        ("delimiter: '|'\n", "delimiter must be comma (,), semicolon (;) or tab, got '|'"),
        ("files: files/dtm.json\n", "'format' is required (the file pattern 'files/dtm.json' does not tell)"),
    ],
)
def test_registry_errors_for_layouts_rounds_and_delimiters(tmp_path: Path, extra: str, message: str) -> None:
    base = "source: x\nkind: displacement\n"
    text = base + extra + ("" if "files:" in extra else "files: files/dtm.csv\n")
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match="registry/x.yaml: " + ".*" + __import__("re").escape(message)):
        load_registry(tmp_path)


def test_entry_columns_and_constants_override_the_layout(tmp_path: Path) -> None:
    text = DTM_API_ENTRY + ("columns: {individuals: idpInd}\nconstants: {reporting_date: '2023-09-30'}\n"
                            "date_column: reportDate\n")
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "dtm_api.yaml").write_text(text, encoding="utf-8")
    entry = load_registry(tmp_path)[0]
    assert entry.columns["individuals"] == "idpInd" and entry.columns["admin1_pcode"] == "admin1Pcode"
    assert entry.columns["reporting_date"] == "reportDate" and "reporting_date" not in entry.constants
    assert entry.provider_column("round_id") == "roundNumber"
    assert json.dumps(entry.constants) == '{"population_type": "idp"}'


def test_a_removed_file_with_a_hash_in_its_name_is_not_read_as_a_round(tmp_path: Path) -> None:
    sources = make_sources(tmp_path / "src", {"cod_ab": GAZETTEER_ENTRY,
                                              "ocha_3w": FOUR_W_ENTRY.format(files='"files/3w*.csv"')})
    write_csv(sources / "files" / "3w#R12.csv", [FOUR_W_HEADER, *FOUR_W_ROWS])
    registry = load_registry(sources)
    seen = folder_changes(sources, registry, {}).files
    (sources / "files" / "3w#R12.csv").unlink()
    gone = folder_changes(sources, registry, seen)
    assert gone.unpartitioned and not gone.removed_rounds and not gone.rounds
