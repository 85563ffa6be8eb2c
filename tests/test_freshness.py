"""Source freshness: registry cadences, which sources are stale at a date, the raw assets' freshness policies, and
the brief naming each stale source."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from test_products_edition import SETTINGS, WEEK, make_tables

from ds_pipeline.lib.freshness import cadence_days, stale_after_days, stale_sources
from ds_pipeline.lib.products import build_edition, render_brief_html
from ds_pipeline.lib.registry import RegistryError, SourceEntry, load_registry

DEMO = Path(__file__).resolve().parents[1] / "sources" / "demo"
AS_OF = dt.date(2026, 11, 29)


def _write_entry(folder: Path, extra: str) -> Path:
    (folder / "registry").mkdir(parents=True, exist_ok=True)
    (folder / "registry" / "w4.yaml").write_text(
        f"source: w4\nkind: service_mapping\nfiles: files/4w.csv\nformat: csv\n{extra}", encoding="utf-8"
    )
    return folder


def _entry(source_id: str, cadence: int | None, title: str = "") -> SourceEntry:
    return SourceEntry(source_id, "return_index", title or source_id, "", "files/x.csv", "csv", cadence_days=cadence)


def _inventory(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"source_id": s, "kind": "return_index", "title": s.upper(), "data_as_of": pd.Timestamp(d)}
                         for s, d in rows])


# --------------------------------------------------------------------------------------------------------------
# Registry cadence


@pytest.mark.parametrize(("value", "days"), [
    ("quarterly", 92), ("Monthly", 31), ("weekly", 7), ("yearly", 366), ("bimonthly", 62), (45, 45), ("10", 10),
])
def test_registry_cadence_is_a_named_cadence_or_a_number_of_days(tmp_path: Path, value: object, days: int) -> None:
    entry = load_registry(_write_entry(tmp_path, f"cadence: {value}\n"))[0]
    assert entry.cadence_days == days == cadence_days(value)


def test_a_source_without_cadence_has_none(tmp_path: Path) -> None:
    assert load_registry(_write_entry(tmp_path, ""))[0].cadence_days is None


@pytest.mark.parametrize("value", ["fortnightly", "0", "-3", "yes", "[monthly]"])
def test_an_unknown_cadence_is_a_registry_error_naming_the_file_and_the_choices(tmp_path: Path, value: str) -> None:
    with pytest.raises(RegistryError, match=r"registry/w4\.yaml: cadence must") as error:
        load_registry(_write_entry(tmp_path, f"cadence: {value}\n"))
    assert "quarterly" in str(error.value) or "at least 1 day" in str(error.value)


def test_a_misspelt_cadence_key_is_refused_with_the_known_key(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="did you mean 'cadence'"):
        load_registry(_write_entry(tmp_path, "cadense: monthly\n"))


def test_every_demo_source_but_the_gazetteer_has_a_cadence() -> None:
    cadences = {entry.source_id: entry.cadence_days for entry in load_registry(DEMO)}
    assert cadences == {
        "cod_ab_iraq": None, "ds_household_survey": 366, "dtm_idp_master_list": 92, "dtm_returnee_master_list": 92,
        "iom_return_index": 92, "ocha_4w": 31, "poa_workbooks": 31,
    }


# --------------------------------------------------------------------------------------------------------------
# Stale sources


def test_a_source_older_than_its_cadence_and_grace_is_stale_and_a_fresh_one_is_not() -> None:
    grace_end = AS_OF - dt.timedelta(days=stale_after_days(92))  # 138 days: a quarter and half a quarter
    inventory = _inventory(("old", "2026-06-30"), ("old", "2026-03-31"), ("fresh", "2026-09-30"),
                           ("edge", grace_end.isoformat()))
    registry = [_entry("old", 92, "Return Index"), _entry("fresh", 92), _entry("edge", 92)]
    stale = stale_sources(inventory, registry, AS_OF)
    assert [s.source_id for s in stale] == ["old"]
    assert stale[0].latest == dt.date(2026, 6, 30)  # the latest file counts, not the oldest
    assert stale[0].message() == "OLD: latest data 2026-06-30, expected every quarter — stale"  # inventory title
    next_day = AS_OF + dt.timedelta(days=1)  # a day past the grace: the source at the edge turns stale
    assert [s.source_id for s in stale_sources(inventory, registry, next_day)] == ["old", "edge"]


def test_a_source_without_cadence_is_never_stale_and_one_without_data_is() -> None:
    inventory = _inventory(("gazetteer", "2019-06-03"))
    registry = [_entry("gazetteer", None), _entry("survey", 366, "Household survey")]
    stale = stale_sources(inventory, registry, AS_OF)
    assert [s.message() for s in stale] == ["Household survey: no data, expected every year — stale"]
    assert stale_sources(pd.DataFrame(), [_entry("gazetteer", None)], AS_OF) == []


# --------------------------------------------------------------------------------------------------------------
# Freshness policies in the UI


def test_each_raw_asset_with_a_cadence_has_a_freshness_policy_from_the_registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ds_pipeline.definitions import defs as load_defs

    monkeypatch.setenv("DS_SOURCES_DIR", str(DEMO))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    defs = load_defs()
    expected = {"displacement": 92, "return_index": 92, "service_mapping": 31, "poa_submission": 31,
                "household_survey": 366, "gazetteer": None}
    for kind, days in expected.items():
        spec = next(iter(defs.resolve_assets_def(dg.AssetKey(f"{kind}_raw")).specs))
        if days is None:
            assert spec.freshness_policy is None, kind
            continue
        policy = spec.freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), kind
        assert policy.warn_window.to_timedelta() == dt.timedelta(days=days)
        assert policy.fail_window.to_timedelta() == dt.timedelta(days=stale_after_days(days))
        assert "every" in spec.metadata["expected_cadence"]


def test_the_definitions_read_the_registry_when_they_load_not_when_imported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ds_pipeline.definitions import defs as load_defs

    sources = tmp_path / "sources"
    shutil.copytree(DEMO / "registry", sources / "registry")
    text = (sources / "registry" / "ocha_4w.yaml").read_text(encoding="utf-8")
    (sources / "registry" / "ocha_4w.yaml").write_text(text.replace("cadence: monthly", "cadence: weekly"),
                                                       encoding="utf-8")
    monkeypatch.setenv("DS_SOURCES_DIR", str(sources))
    spec = next(iter(load_defs().resolve_assets_def(dg.AssetKey("service_mapping_raw")).specs))
    assert spec.freshness_policy.warn_window.to_timedelta() == dt.timedelta(days=7)
    monkeypatch.setenv("DS_SOURCES_DIR", str(tmp_path / "missing"))  # no registry: the UI still loads
    spec = next(iter(load_defs().resolve_assets_def(dg.AssetKey("service_mapping_raw")).specs))
    assert spec.freshness_policy is None


# --------------------------------------------------------------------------------------------------------------
# The brief


def test_the_brief_names_each_stale_source_in_its_data_quality_section() -> None:
    tables = make_tables()
    inventory = tables["source_inventory"]
    old = inventory["source_id"] == "return_index"
    inventory.loc[old, "data_as_of"] = pd.Timestamp("2026-06-30")  # both rounds' files dated in June
    edition = build_edition(tables, WEEK, SETTINGS)  # as of 2026-11-22
    registry = [_entry("return_index", 92, "Return Index"), _entry("ocha_4w", 31), _entry("gazetteer", None)]
    stale = stale_sources(edition.current.inventory, registry, edition.as_of)
    html = render_brief_html(edition, stale=stale)
    section = html[html.index('<section id="sources">'):html.index('<section id="method">')]
    assert "Return Index: latest data 2026-06-30, expected every quarter — stale" in section
    assert "4W" not in "".join(s.title for s in stale)  # the 4W file of November is within its month
    fresh = render_brief_html(edition, stale=[])
    assert "All sources are within their expected cadence." in fresh
    assert "cadence" not in render_brief_html(edition)  # not assessed (no registry): no freshness line
