"""The demo generator: identical bytes per seed, Iraq's units present, DTM rules kept, planted rows as listed."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from ds_pipeline.lib import iraq_cod_ab
from ds_pipeline.lib.canonical import POA_STATUSES, POPULATION_GROUPS, SECTOR_CODES
from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.lib.value_maps import map_column

SMALL = {"seed": 20261122, "scale": 0.05, "rounds": 3}
GOVERNORATES = {
    "IQG01": "Al-Anbar", "IQG02": "Al-Basrah", "IQG03": "Al-Muthanna", "IQG04": "Al-Najaf", "IQG05": "Al-Qadissiya",
    "IQG06": "Al-Sulaymaniyah", "IQG07": "Babil", "IQG08": "Baghdad", "IQG09": "Duhok", "IQG10": "Diyala",
    "IQG11": "Erbil", "IQG12": "Kerbala", "IQG13": "Kirkuk", "IQG14": "Maysan", "IQG15": "Ninewa",
    "IQG16": "Salah Al-Din", "IQG17": "Thi Qar", "IQG18": "Wassit",
}
LEGACY = re.compile(r"^IQ-[GD]\d+$|^IQ\d{5}$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = copy_demo_config(tmp_path_factory.mktemp("demo"))
    manifest = generate_demo_sources(folder, **SMALL)
    return folder, manifest


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def read_table(folder: Path, relative: str, sheet: str) -> tuple[list[str], dict[int, list[str]]]:
    """Header and data rows by spreadsheet row number, as text."""
    path = folder / relative
    if sheet:
        workbook = openpyxl.load_workbook(path, read_only=True)
        grid = [["" if v is None else (v.date().isoformat() if hasattr(v, "date") else str(v)) for v in row]
                for row in workbook[sheet].iter_rows(values_only=True)]
        workbook.close()
        header_row = 4
    else:
        grid = read_csv(path)
        header_row = 1
    tags = 1 if relative.startswith("files/4w/") else 0
    first = header_row + tags + 1
    return grid[header_row - 1], {first + i: row for i, row in enumerate(grid[first - 1:])}


def records(folder: Path, relative: str, sheet: str = "") -> dict[int, dict[str, str]]:
    header, rows = read_table(folder, relative, sheet)
    return {number: dict(zip(header, row, strict=True)) for number, row in rows.items()}


def planted_at(manifest: dict) -> dict[tuple[str, int], dict]:
    return {(p["source_file"], p["source_row"]): p for p in manifest["planted"]}


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "files").rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_bytes(demo: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = demo
    again = generate_demo_sources(copy_demo_config(tmp_path / "again"), **SMALL)
    assert digests(tmp_path / "again") == digests(folder)
    assert again["planted"] == json.loads((folder / "files" / "demo_manifest.json").read_text())["planted"]
    other = generate_demo_sources(copy_demo_config(tmp_path / "other"), **{**SMALL, "seed": 7})
    assert other["rounds"] == again["rounds"]
    first_file = "files/dtm/idp_master_list_R132.csv"
    assert digests(tmp_path / "other")[first_file] != digests(folder)[first_file]


def test_rounds_are_quarterly_and_end_in_october_2026(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    assert manifest["rounds"] == ["R132", "R133", "R134"]
    dates = [records(folder, f"files/dtm/idp_master_list_R{n}.csv")[2]["Reporting date"] for n in (132, 133, 134)]
    assert dates == ["2026-04-30", "2026-07-31", "2026-10-31"]


def test_gazetteer_has_the_cod_ab_governorates_and_the_poa_districts(demo: tuple[Path, dict]) -> None:
    folder, _ = demo
    units = records(folder, "files/gazetteer/iraq_cod_ab_pcodes.csv")
    by_code = {u["P-Code"]: u for u in units.values()}
    governorates = {u["P-Code"]: u["Name (English)"] for u in units.values() if u["Admin Level"] == "1"}
    assert governorates == GOVERNORATES
    assert by_code["IQG15Q05"]["Name (English)"] == "Al-Mosul"
    assert "Akre" in by_code["IQG15Q01"]["Aliases"].split("|")
    # governorate and district codes and names are the official COD-AB ones (IQG16Q05 is Samarra, not Balad)
    districts = {u["P-Code"]: u["Name (English)"] for u in units.values() if u["Admin Level"] == "2"}
    assert districts == {pcode: name for pcode, name, _ in iraq_cod_ab.DISTRICTS} and len(districts) == 101
    assert governorates == {pcode: name for pcode, name, _ in iraq_cod_ab.GOVERNORATES}
    assert by_code["IQG16Q05"]["Name (English)"] == "Samarra" and by_code["IQG16Q04"]["Name (English)"] == "Balad"
    for unit in units.values():
        if unit["Admin Level"] == "3":
            assert re.fullmatch(r"IQG\d\dQ\d\dN\d\d", unit["P-Code"])
            assert unit["Parent P-Code"] == unit["P-Code"][:8]
    settings = yaml.safe_load((folder / "settings.yaml").read_text(encoding="utf-8"))
    names = {a["name"]: [by_code[p]["Name (English)"] for p in a["pcodes"]] for a in settings["poa_areas"]}
    assert names == {"Sinjar": ["Sinjar"], "Balad": ["Balad"], "Ramadi": ["Al-Ramadi"], "Al-Bakar": ["Al-Baaj"]}


def test_every_governorate_and_poa_area_is_present_at_small_scale(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    settings = yaml.safe_load((folder / "settings.yaml").read_text(encoding="utf-8"))
    poa_districts = {p for area in settings["poa_areas"] for p in area["pcodes"]}
    bad = planted_at(manifest)
    for number in (132, 133, 134):
        idp_file = f"files/dtm/idp_master_list_R{number}.csv"
        idps = [r for n, r in records(folder, idp_file).items() if (idp_file, n) not in bad]
        assert {r["Governorate Pcode"] for r in idps} == set(GOVERNORATES)
        returns = f"files/dtm/returnee_master_list_R{number}.csv"
        for relative in (returns, f"files/return_index/return_index_R{number}.csv"):
            rows = [r for n, r in records(folder, relative).items() if (relative, n) not in bad]
            assert poa_districts <= {r["District Pcode"] for r in rows}, relative
    survey = records(folder, "files/survey/ds_household_survey_2025_2026.csv")
    for survey_round in ("2025", "2026"):
        for district in poa_districts:
            groups = {r["population_group"] for r in survey.values()
                      if r["district_pcode"] == district and r["survey_round"] == survey_round}
            assert "non_displaced" in groups and len(groups) >= 3
    workbooks = manifest["sources"]["poa_workbooks"]["files"]
    for slug in ("sinjar", "balad", "ramadi", "al-bakar"):
        assert [f for f in workbooks if f"/{slug}/" in f] == [
            f"files/poa/{slug}/POA_{slug}_2026-{m:02d}.xlsx" for m in range(5, 11)
        ]


def test_dtm_individuals_and_shelters_add_up_on_unplanted_rows(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    bad = planted_at(manifest)
    checked = 0
    for source in ("dtm_idp_master_list", "dtm_returnee_master_list"):
        for relative in manifest["sources"][source]["files"]:
            for number, row in records(folder, relative).items():
                if (relative, number) in bad:
                    continue
                families, camp = int(row["Families"]), int(row["Families in camp"])
                shelters = [int(row[c]) for c in ("Families in camp", "Families in critical shelter",
                                                  "Families in private settings", "Families in unknown shelter")]
                assert int(row["Individuals"]) == 5 * camp + 6 * (families - camp)
                assert sum(shelters) == families and min(shelters) >= 0 and families > 0
                checked += 1
    assert checked > 500


def test_manifest_counts_equal_the_rows_in_the_files(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    listed = sorted(f for info in manifest["sources"].values() for f in info["files"])
    on_disk = sorted(p for p in digests(folder) if not p.endswith("demo_manifest.json"))
    assert listed == on_disk
    for source_id, info in manifest["sources"].items():
        rows = 0
        for relative in info["files"]:
            rows += len(read_table(folder, relative, "Actions" if relative.endswith(".xlsx") else "")[1])
        assert rows == info["rows"], source_id
    per_source = {s: sum(p["source_id"] == s for p in manifest["planted"]) for s in manifest["sources"]}
    assert per_source.pop("cod_ab_iraq") == 0
    assert min(per_source.values()) >= 2
    assert len(planted_at(manifest)) == len(manifest["planted"])  # one problem per bad row


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"^al-", "", name.strip().casefold()))


def test_planted_rows_hold_the_bad_value_the_manifest_names(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    units = records(folder, "files/gazetteer/iraq_cod_ab_pcodes.csv").values()
    pcodes = {u["P-Code"] for u in units}
    district_names: dict[str, set[str]] = {}
    by_code = {u["P-Code"]: u for u in units}
    for unit in units:
        if unit["Admin Level"] == "2":
            names = {_normalise(n) for n in [unit["Name (English)"], *unit["Aliases"].split("|")] if n}
            district_names.setdefault(unit["Parent P-Code"], set()).update(names)
    settings = yaml.safe_load((folder / "settings.yaml").read_text(encoding="utf-8"))
    poa_names = {a["name"] for a in settings["poa_areas"]}
    seen = set()
    for planted in manifest["planted"]:
        header, rows = read_table(folder, planted["source_file"], planted["sheet"])
        row = dict(zip(header, rows[planted["source_row"]], strict=True))
        problem, column = planted["problem"], planted["column"]
        seen.add(problem)
        if problem == "missing column":
            assert column not in header
            continue
        value = row[column]
        number = _number(value)
        if problem == "non-numeric value":
            assert number is None and value != ""
        elif problem == "negative value":
            assert number is not None and number < 0
        elif problem == "individuals mismatch":
            camp, families = int(row["Families in camp"]), int(row["Families"])
            assert int(value) != 5 * camp + 6 * (families - camp)
        elif problem == "shelter sum mismatch":
            shelters = sum(int(row[c]) for c in header if c.startswith("Families in "))
            assert shelters != int(row["Families"])
        elif problem == "duplicate location id":
            earlier = [r for n, r in rows.items() if n < planted["source_row"] and r[header.index(column)] == value]
            assert len(earlier) == 1
        elif problem == "missing p-code":
            assert value == ""
        elif problem == "p-code not in gazetteer":
            assert re.fullmatch(r"IQG\d\d(Q\d\d(N\d\d)?)?", value) and value not in pcodes
        elif problem == "legacy p-code":
            assert LEGACY.match(value)
        elif problem == "score out of range":
            assert not 0 <= number <= 100
        elif problem == "indicator out of range":
            assert not 0 <= number <= 1
        elif problem == "unknown sector code":  # neither a code nor a label of the shipped value map
            assert value not in SECTOR_CODES and map_column(pd.Series([value]), "service_mapping", "sector_code")[1]
        elif problem == "criterion out of range":
            assert number is not None and not 1 <= number <= 8
        elif problem == "end before start":
            assert date.fromisoformat(value) < date.fromisoformat(row["Start date"])
        elif problem == "unknown status":
            assert value not in POA_STATUSES
        elif problem == "not a date":
            assert not re.fullmatch(r"\d{4}-\d\d-\d\d", value)
        elif problem == "weight not positive":
            assert number is not None and number <= 0
        elif problem == "weight not a number":
            assert number is None
        elif problem == "unknown population group":
            assert value not in POPULATION_GROUPS
        elif problem == "indicator value not 0/1":
            assert value not in ("0", "1", "")
        elif problem == "unmatched district name":
            assert _normalise(value) not in district_names[row["Governorate Pcode"]]
        elif problem == "unknown POA area":
            assert value not in poa_names
        elif problem == "admin name disagrees with p-code":
            coded = by_code[row[f"{column} Pcode"]]
            own = {_normalise(n) for n in [coded["Name (English)"], *coded["Aliases"].split("|")] if n}
            siblings = {u["Name (English)"] for u in units
                        if u["Parent P-Code"] == coded["Parent P-Code"] and u["P-Code"] != coded["P-Code"]}
            assert _normalise(value) not in own and value in siblings
        else:
            pytest.fail(f"unexpected problem {problem!r}")
    assert {"duplicate location id", "legacy p-code", "unmatched district name", "missing column",
            "unknown POA area", "indicator value not 0/1", "not a date", "admin name disagrees with p-code"} <= seen


def test_unplanted_rows_are_clean(demo: tuple[Path, dict]) -> None:
    folder, manifest = demo
    bad = planted_at(manifest)
    pcodes = {u["P-Code"] for u in records(folder, "files/gazetteer/iraq_cod_ab_pcodes.csv").values()}
    for relative in manifest["sources"]["iom_return_index"]["files"]:
        for number, row in records(folder, relative).items():
            if (relative, number) in bad:
                continue
            assert {row["District Pcode"], row["Sub-district Pcode"]} <= pcodes
            assert 0 <= float(row["Overall score"]) <= 100
            assert row["Severity category"] in ("low", "medium", "high", "very high")
    services = records(folder, "files/4w/iraq_4w_2026.csv")
    for number, row in services.items():
        if ("files/4w/iraq_4w_2026.csv", number) in bad:
            continue
        assert row["Cluster"] in SECTOR_CODES and 1 <= int(row["IASC criterion"]) <= 8
        assert row["Governorate Pcode"] in pcodes and row["Start date"] <= row["End date"]
    for number, row in records(folder, "files/survey/ds_household_survey_2025_2026.csv").items():
        if ("files/survey/ds_household_survey_2025_2026.csv", number) in bad:
            continue
        assert float(row["weight"]) > 0 and row["population_group"] in POPULATION_GROUPS
        assert row["district_pcode"] in pcodes
        assert all(row[c] in ("0", "1", "") for c in row if c.startswith("c") and c[1].isdigit())


def test_4w_has_a_bom_and_an_hxl_row_written_with_spaces(demo: tuple[Path, dict]) -> None:
    folder, _ = demo
    raw = (folder / "files/4w/iraq_4w_2026.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    tags = read_csv(folder / "files/4w/iraq_4w_2026.csv")[1]
    assert tags[:3] == ["#adm1 +name", "#adm1 +code", "#adm2 +name"] and "#indicator +criterion" in tags


def test_severity_tells_the_story_the_brief_needs(demo: tuple[Path, dict]) -> None:
    """Sinjar stays high, Ramadi improves from medium towards low (returnee-weighted mean overall score)."""
    folder, manifest = demo
    bad = planted_at(manifest)

    def mean_score(relative: str, district: str) -> float:
        rows = [r for n, r in records(folder, relative).items()
                if (relative, n) not in bad and r["District Pcode"] == district]
        weights = [int(r["Returnee individuals"]) for r in rows]
        return sum(w * float(r["Overall score"]) for w, r in zip(weights, rows, strict=True)) / sum(weights)

    first, last = "files/return_index/return_index_R132.csv", "files/return_index/return_index_R134.csv"
    assert mean_score(first, "IQG15Q07") >= 55 and mean_score(last, "IQG15Q07") >= 55
    assert 30 <= mean_score(first, "IQG01Q03") < 55 and mean_score(last, "IQG01Q03") < 30


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_demo_sources(tmp_path, scale=0)
    with pytest.raises(ValueError):
        generate_demo_sources(tmp_path, rounds=0)
