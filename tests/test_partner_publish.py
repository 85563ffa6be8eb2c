"""A sources folder of real-shaped partner files only: the HDX global p-codes list for Iraq and one DTM API v3
extract holding four rounds. Each loads by a registry entry alone and `ds-pipeline publish` publishes them."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from test_partner_layouts import DTM_API_HEADER, DTM_API_HXL, write_csv

from ds_pipeline.cli import main as cli_main
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.demo.generator import DEMO_CONFIG_DIR
from ds_pipeline.lib.iraq_cod_ab import DISTRICTS, GOVERNORATES, VALID_FROM
from ds_pipeline.lib.products.as_of import select_slice
from ds_pipeline.lib.products.disclosure import round_to
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.validation import validate_raw

WEEK = "2026-W47"  # as of Sunday 2026-11-22: round 131 (2026-10-31) is the latest
ROUND_DATES = {128: "2026-01-31", 129: "2026-04-30", 130: "2026-07-31", 131: "2026-10-31"}
REGISTRY = {
    "hdx_pcodes": "source: hdx_pcodes\nkind: gazetteer\nfiles: files/global_pcodes_irq.csv\n"
                  "layout: hdx_global_pcodes\n",
    "dtm_api": "source: dtm_api\nkind: displacement\nfiles: files/dtm/dtm_api_v3_idp_admin2.csv\n"
               "layout: dtm_api_v3\n",
}
# districts reporting IDPs (official COD-AB codes), with the governorates of origin of their IDPs
REPORTING = ("IQG15Q05", "IQG15Q07", "IQG15Q02", "IQG09Q02", "IQG16Q04", "IQG01Q03")
ORIGINS = (("Conflict", "Ninewa", "IQG15"), ("Conflict", "Salah Al-Din", "IQG16"), ("Other", "Al-Anbar", "IQG01"))


def hdx_pcodes() -> list[list[str]]:
    """The HDX global p-codes layout: header, HXL row, the country, then governorates (parent IRQ) and districts."""
    rows = [["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"],
            ["#country+code", "#geo+admin_level", "#adm+code", "#adm+name", "#adm+code+parent", "#date+start"],
            ["IRQ", "0", "IRQ", "Iraq", "", VALID_FROM]]
    rows += [["IRQ", "1", code, name, "IRQ", VALID_FROM] for code, name, _ar in GOVERNORATES]
    rows += [["IRQ", "2", code, name, code[:5], VALID_FROM] for code, name, _ar in DISTRICTS]
    return rows


def dtm_api_rows() -> list[list[str]]:
    """Every reporting district x origin x round 128..131: several rows per unit and round."""
    names = {code: name for code, name, _ar in (*GOVERNORATES, *DISTRICTS)}
    rows = []
    for number, day in ROUND_DATES.items():
        for d, district in enumerate(REPORTING):
            for o, (reason, origin, origin_code) in enumerate(ORIGINS):
                individuals = 900 + 37 * number + 211 * d + 53 * o
                rows.append([
                    str(len(rows) + 1), "Protracted displacement", "Iraq", "IRQ", names[district[:5]], district[:5],
                    names[district], district, "Admin 2", str(individuals), day, day[:4], str(int(day[5:7])),
                    str(number), reason, "", "", origin, origin_code, "Baseline", "Active",
                ])
    return rows


def test_publish_of_an_hdx_gazetteer_and_a_multi_round_dtm_api_file(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "registry").mkdir(parents=True)
    for name, text in REGISTRY.items():
        (sources / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    shutil.copyfile(DEMO_CONFIG_DIR / "settings.yaml", sources / "settings.yaml")
    write_csv(sources / "files" / "global_pcodes_irq.csv", hdx_pcodes())
    rows = dtm_api_rows()
    write_csv(sources / "files" / "dtm" / "dtm_api_v3_idp_admin2.csv", [DTM_API_HEADER, DTM_API_HXL, *rows])
    database = f"sqlite:///{tmp_path}/warehouse.db"
    out = tmp_path / "published"

    assert cli_main(["publish", "--sources", str(sources), "--out", str(out), "--week", WEEK,
                     "--database", database, "--allow-incomplete"]) == 0

    given = pd.DataFrame(rows, columns=DTM_API_HEADER)
    given["individuals"] = given["numPresentIdpInd"].astype(int)
    given["round_id"] = "R" + given["roundNumber"]
    expected = given.groupby(["admin2Pcode", "round_id"])["individuals"].sum()
    # the warehouse: every district x round of the file, summed over its reasons and origins
    stored = pd.read_sql_table("displacement_by_area", sa.create_engine(database))
    districts = stored[(stored["area_level"] == "district") & (stored["population_type"] == "idp")]
    assert districts.set_index(["area_id", "round_id"])["individuals"].sort_index().to_dict() == expected.to_dict()
    assert (districts["locations"] == 1).all()  # one reporting unit each, not one per row
    # the inventory has a row per round the file holds, each dated by its round and reconciling on its own
    inventory = pd.read_sql_table("source_inventory", sa.create_engine(database))
    dtm = inventory[inventory["source_id"] == "dtm_api"].set_index("round_id")
    assert sorted(dtm.index) == ["R128", "R129", "R130", "R131"]
    assert {r: str(d.date()) for r, d in dtm["data_as_of"].items()} == {f"R{n}": day for n, day in ROUND_DATES.items()}
    assert (dtm["rows_read"] == 18).all() and (dtm["rows_accepted"] == 18).all()
    # so an edition as of a day between rounds 130 and 131 counts the rounds it may use, not the whole file or none
    tables = {name: pd.read_sql_table(name, sa.create_engine(database))
              for name in ("displacement_by_area", "source_inventory", "quarantine_log")}
    part = select_slice(tables, dt.date(2026, 8, 16), load_settings(sources))
    assert part.displacement_round == "R130"
    used = part.inventory[part.inventory["source_id"] == "dtm_api"]
    assert sorted(used["round_id"]) == ["R128", "R129", "R130"] and used["rows_read"].sum() == 54
    # the published displacement table: the latest round, rounded as published, with the change since R130
    with zipfile.ZipFile(out / WEEK / f"IRQ_RWG_pack_{WEEK}.zip") as pack:
        published = pd.read_csv(io.StringIO(pack.read("data/displacement.csv").decode("utf-8")), skiprows=[1])
    district_rows = published[published["area_level"] == "district"].set_index("area_id")
    assert set(district_rows["round_id"]) == {"R131"}
    for district in REPORTING:
        now, before = expected[(district, "R131")], expected[(district, "R130")]
        assert district_rows.loc[district, "individuals"] == round_to(now, 10)
        assert district_rows.loc[district, "individuals_change"] == round_to(now - before, 10)
    assert pd.isna(district_rows["individuals_in_camp"]).all()  # no shelter in the API: not assessed, not 0
    brief = (out / WEEK / f"IRQ_DSTWG_brief_{WEEK}_en.html").read_text(encoding="utf-8")
    assert "No data in this edition" in brief  # no Return Index, survey, POA or 4W in this folder


def test_publish_of_a_week_without_an_edition_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = tmp_path / "sources"
    (sources / "registry").mkdir(parents=True)
    assert cli_main(["publish", "--sources", str(sources), "--out", str(tmp_path / "out"), "--week", "2014-W30"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no edition can be built for 2014-W30: editions run from 2026-W01")
    assert "Trace" not in err


def _walkthrough_entries() -> dict[str, str]:
    """The registry entries of the walkthrough in sources/README.md, by source id."""
    text = (Path(__file__).resolve().parents[1] / "sources" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Walkthrough"):]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    return {re.search(r"^source: (\S+)", block, flags=re.M).group(1): block for block in blocks}


def test_the_walkthrough_entries_load_their_files(tmp_path: Path) -> None:
    entries = _walkthrough_entries()
    assert sorted(entries) == ["cluster_3w", "dtm_api", "hdx_pcodes"]
    sources = tmp_path / "sources"
    (sources / "registry").mkdir(parents=True)
    for name, text in entries.items():
        (sources / "registry" / f"{name}.yaml").write_text(text, encoding="utf-8")
    write_csv(sources / "files" / "global_pcodes_irq.csv", hdx_pcodes())
    rows = dtm_api_rows()
    write_csv(sources / "files" / "dtm" / "dtm_api_v3_idp_admin2.csv", [DTM_API_HEADER, DTM_API_HXL, *rows])
    readme = (Path(__file__).resolve().parents[1] / "sources" / "README.md").read_text(encoding="utf-8")
    three_w = re.search(r"```\n(Governorate,District.*?)```", readme, flags=re.S).group(1)
    (sources / "files" / "3w").mkdir()
    (sources / "files" / "3w" / "cluster_3w_2026-10.csv").write_text(three_w, encoding="utf-8")

    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    units, _ = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer", entry_of)
    gazetteer = Gazetteer(units)
    for round_id in ("R128", "R131"):
        raw = read_kind(sources, registry, "displacement", round_id)
        validated, rejected = validate_raw(raw, "displacement", entry_of)
        conformed, quarantined = conform(validated, "displacement", gazetteer, {}, [], entry_of)
        assert (len(raw), len(conformed), len(rejected) + len(quarantined)) == (18, 18, 0), round_id
    raw = read_kind(sources, registry, "service_mapping")
    validated, rejected = validate_raw(raw, "service_mapping", entry_of)
    conformed, quarantined = conform(validated, "service_mapping", gazetteer, {}, [], entry_of)
    assert (len(raw), len(conformed), len(rejected) + len(quarantined)) == (4, 4, 0)
    assert list(conformed["admin2_pcode"]) == ["IQG09Q03", "IQG15Q01", "IQG15Q09", "IQG15Q07"]
    assert list(conformed["sector_code"]) == ["WSH", "PRO", "FSC", "EDU"]
    assert conformed["people_reached"].isna().all()
