"""Presence-only 3Ws and value maps: free-text sector labels and status words load by a registry entry alone,
unknown labels are quarantined with the closest code, and coverage counts presence with reach not reported."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_ingest import GAZETTEER, GAZETTEER_ENTRY
from test_products_edition import SETTINGS, WEEK, make_tables

from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.metrics.services import referral_directory, service_coverage
from ds_pipeline.lib.products import build_edition, render_brief_html
from ds_pipeline.lib.products.brief import brief_context
from ds_pipeline.lib.products.expectations import validate_edition
from ds_pipeline.lib.quality import conformed_count_columns, raw_count_columns, source_inventory
from ds_pipeline.lib.readers import read_kind
from ds_pipeline.lib.registry import RegistryError, load_registry
from ds_pipeline.lib.settings import SettingsError, check_settings, sector_criteria
from ds_pipeline.lib.validation import validate_raw
from ds_pipeline.lib.value_maps import DEFAULT_SECTOR_CRITERIA, map_column
from ds_pipeline.lib.warehouse import count_rows, counted_rows, make_engine, read_table, write_table

# A 3W as cluster dashboards export it: organisation, cluster label, governorate code, district name, activity,
# status; no people, no period, no IASC criterion.
PRESENCE_3W = (
    "Organisation,Cluster,Governorate P-code,District,Activity,Status\n"
    "NRC,PROTECTION_OP,IQG15,Sinjar,Legal counselling,Completed\n"
    "UNICEF,WASH,IQG15,Mosul,Water trucking,completed\n"
    "WFP,Food Security,IQG15,Sinjar,Food parcels,On-going\n"
    "Save the Children,Education,IQG09,Aqra,Temporary learning spaces,In progress\n"
    "IOM,Shelter/NFI,IQG15,Tilkaif,,\n"  # presence only: no activity, no status
    "MSF,Helth,IQG15,Sinjar,Clinic,Completed\n"  # row 7: misspelt cluster
    "WHO,Health,IQG15,Sinjar,Clinic,Finishd\n"  # row 8: misspelt status
    "ACF,Cash Working Group,IQG15,Sinjar,Multi-purpose cash,Ongoing\n"  # row 9: not a cluster
)
PRESENCE_ENTRY = """source: cluster_3w
kind: service_mapping
files: files/3w.csv
format: csv
columns: {org_acronym: Organisation, sector_code: Cluster, admin1_pcode: Governorate P-code,
          admin2_name: District, activity: Activity, status: Status}
"""


def _sources(tmp_path: Path, entry: str = PRESENCE_ENTRY, data: str = PRESENCE_3W) -> Path:
    (tmp_path / "registry").mkdir()
    (tmp_path / "files").mkdir()
    (tmp_path / "registry" / "cod_ab.yaml").write_text(GAZETTEER_ENTRY, encoding="utf-8")
    (tmp_path / "registry" / "cluster_3w.yaml").write_text(entry, encoding="utf-8")
    (tmp_path / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    (tmp_path / "files" / "3w.csv").write_text(data, encoding="utf-8")
    return tmp_path


def _load(sources: Path):
    registry = load_registry(sources)
    entry_of = {e.source_id: e for e in registry}
    gazetteer, _ = validate_raw(read_kind(sources, registry, "gazetteer"), "gazetteer", entry_of)
    raw = read_kind(sources, registry, "service_mapping")
    validated, quarantined = validate_raw(raw, "service_mapping", entry_of)
    conformed, rejected = conform(validated, "service_mapping", Gazetteer(gazetteer), {}, [], entry_of)
    return raw, validated, quarantined, conformed, rejected


def test_a_presence_only_3w_with_free_text_labels_loads_by_a_registry_entry_alone(tmp_path: Path) -> None:
    raw, validated, quarantined, conformed, rejected = _load(_sources(tmp_path))
    assert len(raw) == 8
    assert len(conformed) == 5 and len(quarantined) == 3 and rejected.empty
    rows = conformed.set_index("org_acronym")
    assert rows["sector_code"].to_dict() == {
        "NRC": "PRO", "UNICEF": "WSH", "WFP": "FSC", "Save the Children": "EDU", "IOM": "SHL"}
    assert rows["status"].to_dict() == {
        "NRC": "completed", "UNICEF": "completed", "WFP": "ongoing", "Save the Children": "ongoing", "IOM": ""}
    # the provider's label is kept beside the code
    assert rows.loc["WFP", "sector_label"] == "Food Security" and rows.loc["NRC", "sector_label"] == "PROTECTION_OP"
    # not reported stays missing, never 0
    for column in ("people_targeted", "people_reached", "iasc_criterion"):
        assert conformed[column].isna().all(), column
        assert str(conformed[column].dtype) == "Int64"
    assert conformed["period_start"].isna().all() and conformed["period_end"].isna().all()
    assert set(conformed["admin2_pcode"]) == {"IQG15Q06", "IQG15Q05", "IQG09Q01", "IQG15Q07"}

    by_row = quarantined.set_index("source_row")
    assert list(by_row.index) == ["7", "8", "9"]
    assert set(by_row["check"]) == {"value_known"}
    assert by_row.loc["7", "column"] == "Cluster"
    assert "'Helth' is not a known sector; expected one of SHL, CCM, FSC" in by_row.loc["7", "reason"]
    assert by_row.loc["7", "reason"].endswith("closest: HEA (Health)")
    assert "row 7, column 'Cluster'" in by_row.loc["7", "reason"]
    assert json.loads(by_row.loc["7", "raw_values"])["sector_code"] == "Helth"  # the provider's text as read
    assert by_row.loc["8", "column"] == "Status"
    assert "'Finishd' is not a known status; expected one of planned, ongoing, completed" in by_row.loc["8", "reason"]
    assert by_row.loc["8", "reason"].endswith("closest: completed")
    assert "'Cash Working Group' is not a known sector" in by_row.loc["9", "reason"]


def test_a_presence_only_file_is_dated_by_its_receipt_and_reconciles(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    received = dt.datetime(2014, 9, 20, 10, tzinfo=dt.UTC).timestamp()
    os.utime(sources / "files" / "3w.csv", (received, received))
    raw, _validated, quarantined, conformed, rejected = _load(sources)
    inventory = source_inventory({"service_mapping": raw}, {"service_mapping": conformed},
                                 pd.concat([quarantined, rejected]), load_registry(sources))
    row = inventory.iloc[0]
    assert str(row["data_as_of"].date()) == "2014-09-20"
    assert (row["rows_read"], row["rows_accepted"], row["rows_quarantined"]) == (8, 5, 3)
    assert set(service_coverage(conformed)["month"]) == {"2014-09"}


def test_the_inventory_of_rows_counted_by_the_warehouse_is_the_inventory_of_the_rows(tmp_path: Path) -> None:
    """The data-quality step counts raw and conformed rows in the database by file, round and the columns that
    date them: a presence-only 3W is still dated by the day it was received (its received_at is counted by)."""
    sources = _sources(tmp_path)
    received = dt.datetime(2014, 9, 20, 10, tzinfo=dt.UTC).timestamp()
    os.utime(sources / "files" / "3w.csv", (received, received))
    raw, _validated, quarantined, conformed, rejected = _load(sources)
    log, registry = pd.concat([quarantined, rejected]), load_registry(sources)
    whole = source_inventory({"service_mapping": raw}, {"service_mapping": conformed}, log, registry)
    engine = make_engine(f"sqlite:///{tmp_path}/warehouse.db")
    write_table(engine, "raw", raw)
    write_table(engine, "conformed", conformed)
    raw_by, conformed_by = raw_count_columns("service_mapping"), conformed_count_columns(by_round=False)
    counted = source_inventory({"service_mapping": count_rows(engine, "raw", raw_by)},
                               {"service_mapping": count_rows(engine, "conformed", conformed_by)}, log, registry)
    pd.testing.assert_frame_equal(counted, whole)
    assert str(counted.iloc[0]["data_as_of"].date()) == "2014-09-20"
    assert (counted.iloc[0]["rows_read"], counted.iloc[0]["rows_accepted"]) == (8, 5)
    in_memory = source_inventory({"service_mapping": counted_rows(raw, raw_by)},
                                 {"service_mapping": counted_rows(conformed, conformed_by)}, log, registry)
    pd.testing.assert_frame_equal(in_memory, whole)


def test_an_unknown_label_names_the_accepted_codes_and_the_closest_one() -> None:
    codes, problems = map_column(pd.Series(["Helth", "health", " Food  security ", "", "Xyzzy"]),
                                 "service_mapping", "sector_code")
    assert list(codes[:4]) == ["Helth", "HEA", "FSC", ""]
    assert problems[0] == (
        "'Helth' is not a known sector; expected one of SHL, CCM, FSC, WSH, PRO, PRO-CP, PRO-GBV, PRO-HLP, PRO-MA, "
        "EDU, NUT, HEA, ERY, LOG, TEL; closest: HEA (Health)"
    )
    assert "closest" not in problems[4] and set(problems) == {0, 4}


@pytest.mark.parametrize(
    ("label", "code"),
    [("WASH", "WSH"), ("Water Sanitation Hygiene", "WSH"), ("Shelter/NFI", "SHL"), ("Shelter and NFI", "SHL"),
     ("Protection", "PRO"), ("PROTECTION_OP", "PRO"), ("GBV", "PRO-GBV"), ("Child Protection", "PRO-CP"),
     ("Mine Action", "PRO-MA"), ("HLP", "PRO-HLP"), ("Early Recovery", "ERY"), ("Education", "EDU"),
     ("Health", "HEA"), ("Food Security", "FSC"), ("Food Security and Livelihoods", "FSC"), ("CCCM", "CCM"),
     ("Camp Coordination and Camp Management", "CCM"), ("Logistics", "LOG"), ("Nutrition", "NUT"),
     ("Emergency Telecommunications", "TEL"), ("Sécurité alimentaire", "FSC"), ("securite alimentaire", "FSC"),
     ("Eau, hygiène et assainissement", "WSH"), ("Santé", "HEA"), ("pro-cp", "PRO-CP"), ("shelter & nfi", "SHL")],
)
def test_common_3w_labels_need_no_map(label: str, code: str) -> None:
    codes, problems = map_column(pd.Series([label]), "service_mapping", "sector_code")
    assert codes[0] == code and not problems


@pytest.mark.parametrize(
    ("word", "status"),
    [("Completed", "completed"), ("COMPLETE", "completed"), ("Finished", "completed"), ("Ongoing", "ongoing"),
     ("On-going", "ongoing"), ("in progress", "ongoing"), ("Active", "ongoing"), ("Planned", "planned"),
     ("Pipeline", "planned")],
)
def test_status_variants_in_any_case(word: str, status: str) -> None:
    codes, problems = map_column(pd.Series([word]), "service_mapping", "status")
    assert codes[0] == status and not problems


def test_an_entry_values_map_comes_before_the_shipped_reference(tmp_path: Path) -> None:
    entry = PRESENCE_ENTRY + """values:
  sector_code: {"Helth": HEA, "Cash Working Group": FSC, "protection_op": PRO-CP}
  status: {finishd: completed}
  activity: {clinic: Primary health care clinic}
"""
    _raw, _validated, quarantined, conformed, _rejected = _load(_sources(tmp_path, entry))
    assert quarantined.empty and len(conformed) == 8
    rows = conformed.set_index("org_acronym")
    assert rows.loc["NRC", "sector_code"] == "PRO-CP"  # the entry's map overrides the reference's PRO
    assert rows.loc["MSF", "sector_code"] == "HEA" and rows.loc["ACF", "sector_code"] == "FSC"
    assert rows.loc["WHO", "status"] == "completed"
    assert rows.loc["ACF", "sector_label"] == "Cash Working Group"
    # a column without a shipped reference: the entry's map applies, other values are kept as given
    assert rows.loc["MSF", "activity"] == "Primary health care clinic"
    assert rows.loc["WFP", "activity"] == "Food parcels"


@pytest.mark.parametrize(
    ("values", "message"),
    [("{sector_code: {Cash: CASH}}", "'Cash' maps to 'CASH', which is not one of SHL"),
     ("{cluster: {Cash: FSC}}", "'cluster' is not a canonical column of kind 'service_mapping'"),
     ("[Cash]", "'values' must map canonical columns")],
)
def test_a_values_map_to_an_unknown_code_is_a_registry_error(tmp_path: Path, values: str, message: str) -> None:
    sources = _sources(tmp_path, PRESENCE_ENTRY + f"values: {values}\n")
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_registry(sources)


def _mapping(rows: list[dict]) -> pd.DataFrame:
    base = {
        "org_acronym": "", "org_name": "", "org_type": "", "sector_code": "PRO", "activity": "",
        "iasc_criterion": pd.NA, "status": "", "people_targeted": pd.NA, "people_reached": pd.NA,
        "period_start": pd.NaT, "period_end": pd.NaT,
        "admin1_pcode": "IQG15", "admin2_pcode": "IQG15Q06", "admin2_name_en": "Sinjar", "source_file": "f.csv",
        "received_at": "2026-10-05T08:00:00Z",
    }
    frame = pd.DataFrame([base | row for row in rows])
    for column in ("iasc_criterion", "people_targeted", "people_reached"):
        frame[column] = frame[column].astype("Int64")
    return frame


def test_coverage_counts_presence_with_reach_not_reported() -> None:
    oct_ = {"period_start": pd.Timestamp("2026-10-01"), "period_end": pd.Timestamp("2026-10-31")}
    mapping = _mapping([
        {"org_acronym": "NRC", "sector_code": "HEA", "iasc_criterion": 2, **oct_},  # no people
        {"org_acronym": "IMC", "sector_code": "HEA", "iasc_criterion": 2, "people_reached": 300,
         "people_targeted": 500, **oct_},
        {"org_acronym": "WHO", "sector_code": "NUT", "iasc_criterion": 2, "status": "completed", **oct_},
        {"org_acronym": "UNDP", "sector_code": "ERY", "iasc_criterion": 3, "status": "planned", **oct_},
    ])
    table = service_coverage(mapping).set_index("sector_code")
    assert list(table.index) == ["HEA", "NUT"]  # the planned activity is not counted; no status is presence
    assert table.loc["HEA", "active_orgs"] == 2 and table.loc["HEA", "active_activities"] == 2
    assert table.loc["HEA", "people_reached"] == 300 and table.loc["HEA", "people_targeted"] == 500
    assert table.loc["HEA", "activities_reach_not_reported"] == 1
    assert pd.isna(table.loc["NUT", "people_reached"]) and pd.isna(table.loc["NUT", "people_targeted"])
    assert table.loc["NUT", "activities_reach_not_reported"] == 1
    assert str(table["people_reached"].dtype) == "Int64"


def test_a_row_without_a_period_counts_in_its_files_data_as_of_month() -> None:
    mapping = _mapping([
        {"org_acronym": "NRC", "iasc_criterion": 1, "period_start": pd.Timestamp("2026-08-01"),
         "period_end": pd.Timestamp("2026-09-30")},
        {"org_acronym": "DRC", "iasc_criterion": 1},  # same file: counted in September, the file's latest end
        {"org_acronym": "IRC", "iasc_criterion": 1, "source_file": "g.csv"},  # no period in its file: received
    ])
    table = service_coverage(mapping)
    months = table.groupby("month")["active_orgs"].sum().to_dict()
    assert months == {"2026-08": 1, "2026-09": 2, "2026-10": 1}
    directory = referral_directory(mapping, "2026-10")
    assert list(directory["org_acronym"]) == ["IRC"] and directory["status"].isna().all()


def test_criteria_are_inferred_from_the_sector_and_flagged() -> None:
    mapping = _mapping([
        {"org_acronym": "NRC", "sector_code": "PRO"},  # no criterion: PRO serves 1, 4, 5, 8
        {"org_acronym": "DRC", "sector_code": "PRO", "iasc_criterion": 5, "people_reached": 40},
        {"org_acronym": "WFP", "sector_code": "LOG"},  # a sector without criteria: not in coverage
    ])
    table = service_coverage(mapping).set_index("iasc_criterion")
    assert list(table.index) == list(DEFAULT_SECTOR_CRITERIA["PRO"]) == [1, 4, 5, 8]
    assert table["criterion_inferred"].all()
    assert table.loc[5, "active_orgs"] == 2 and table.loc[5, "people_reached"] == 40
    assert table.loc[1, "active_orgs"] == 1 and pd.isna(table.loc[1, "people_reached"])
    given_only = service_coverage(mapping.iloc[[1]])
    assert not given_only["criterion_inferred"].any()
    # the settings replace a sector's criteria
    settings = {"service_gaps": {"sector_criteria": {"PRO": [1], "LOG": [2]}}}
    table = service_coverage(mapping, sector_criteria(settings))
    assert sorted(zip(table["sector_code"], table["iasc_criterion"], strict=True)) == [
        ("LOG", 2), ("PRO", 1), ("PRO", 5)]
    # the directory keeps the criterion the 3W gives: empty, not inferred
    directory = referral_directory(mapping, "2026-10")
    assert directory.set_index("org_acronym")["iasc_criterion"].isna().to_dict() == {
        "DRC": False, "NRC": True, "WFP": True}


@pytest.mark.parametrize(
    ("sector_criteria_setting", "message"),
    [({"PROT": [1]}, "'PROT' is not a sector code; did you mean 'PRO'"),
     ({"PRO": [9]}, "9 is not an IASC criterion"),
     ({"PRO": "1"}, "expected a list")],
)
def test_settings_sector_criteria_are_checked(sector_criteria_setting: dict, message: str) -> None:
    settings = SETTINGS | {"service_gaps": {"sector_criteria": sector_criteria_setting}}
    with pytest.raises(SettingsError, match=message):
        check_settings(settings)


def _presence_tables(tmp_path: Path) -> dict[str, pd.DataFrame]:
    """The edition's test tables plus a presence-only 3W row, its metrics stored and read back as the warehouse
    gives them (integers with missing values as decimals)."""
    tables = make_tables()
    mapping = tables["service_mapping_conformed"]
    extra = mapping.iloc[[0]].copy()
    extra[["org_acronym", "sector_code", "iasc_criterion", "people_targeted", "people_reached", "status"]] = [
        "REACH", "WSH", np.nan, np.nan, np.nan, ""]
    extra[["period_start", "period_end"]] = pd.NaT
    extra["source_file"] = "files/4w/3w_presence.csv"
    extra["received_at"] = "2026-11-10T08:00:00Z"
    tables["service_mapping_conformed"] = pd.concat([mapping, extra], ignore_index=True)
    engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    for name, frame in (("service_mapping_conformed", tables["service_mapping_conformed"]),
                        ("service_coverage", service_coverage(tables["service_mapping_conformed"]))):
        write_table(engine, name, frame)
        tables[name] = read_table(engine, name)
    return tables


def test_the_published_coverage_shows_reach_not_reported_as_empty_and_the_brief_says_so(tmp_path: Path) -> None:
    edition = build_edition(_presence_tables(tmp_path), WEEK, SETTINGS)
    published = edition.tables["service_coverage"].frame
    row = published[published["sector_code"] == "WSH"].iloc[0]
    assert pd.isna(row["people_reached"]) and pd.isna(row["people_targeted"])  # empty, never 0
    assert row["criterion_inferred"] == True  # noqa: E712 - a numpy bool
    assert row["activities_reach_not_reported"] == 1
    others = published[published["sector_code"] != "WSH"]
    assert not others["criterion_inferred"].any() and (others["activities_reach_not_reported"] == 0).all()
    # the GX suite of the table passes with the empty cells and the new columns
    validation = validate_edition(edition, tables=["service_coverage", "referral_directory"])
    assert not validation.failures, validation.failures
    context = brief_context(edition)
    assert context["services"]["inferred_sectors"] == "WSH"
    assert "Criteria inferred from the sector: for WSH" in render_brief_html(edition)
    plain = build_edition(make_tables(), WEEK, SETTINGS)
    assert "Criteria inferred from the sector" not in render_brief_html(plain)


def test_a_3w_file_without_statuses_is_listed_among_the_sources_of_its_month() -> None:
    tables = make_tables()
    mapping = tables["service_mapping_conformed"]
    extra = mapping.iloc[[0]].copy()
    extra[["org_acronym", "status", "source_file"]] = ["REACH", "", "files/4w/3w_2026.csv"]
    extra[["period_start", "period_end"]] = [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31")]
    tables["service_mapping_conformed"] = pd.concat([mapping, extra], ignore_index=True)
    inventory = tables["source_inventory"]
    listed = inventory[inventory["source_file"] == "files/4w/4w_2027Q1.xlsx"].copy()
    listed[["source_file", "data_as_of"]] = ["files/4w/3w_2026.csv", pd.Timestamp("2026-12-31")]
    tables["source_inventory"] = pd.concat([inventory, listed], ignore_index=True)
    edition = build_edition(tables, WEEK, SETTINGS)
    # its data as-of is after the edition's, but its presence counts in the 4W month the edition uses
    assert "files/4w/3w_2026.csv" in set(edition.current.inventory["source_file"])
    assert "files/4w/4w_2027Q1.xlsx" not in set(edition.current.inventory["source_file"])
