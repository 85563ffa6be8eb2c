"""Service gaps, area priority and the referral directory stored per data slice: the stored rows equal what the
edition computed from its slice, survive the warehouse (SQLite and PostgreSQL), and their checks catch bad tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from test_products_edition import SETTINGS, make_tables

from ds_pipeline.lib.as_of import availability_dates, survey_round_dates
from ds_pipeline.lib.metrics import data_slices as slices
from ds_pipeline.lib.metrics.data_slices import SLICE_KEY, DataSlice, slice_metric_tables
from ds_pipeline.lib.products.as_of import select_slice
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table

STORED = ("data_slices", *slices.SLICE_METRICS)
WEIGHTS = SETTINGS["prioritisation"]["weights"]


def _stored(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return slice_metric_tables(
        tables["area_severity"], tables["displacement_by_area"], tables["criteria_progress"],
        tables["service_coverage"], tables["service_mapping_conformed"], tables["source_inventory"], SETTINGS,
    )


def _round_trip(engine: sa.Engine, stored: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    for name, frame in stored.items():
        write_table(engine, name, frame)
    return {name: read_table(engine, name) for name in stored}


def _as_of_dates(tables: dict[str, pd.DataFrame]) -> list[dt.date]:
    """Every Sunday over the data, and each date a slice changes, the day before and the day after."""
    survey_dates = survey_round_dates(tables["criteria_progress"], tables["source_inventory"])
    changes = availability_dates(tables["area_severity"], tables["displacement_by_area"], survey_dates,
                                 tables["service_coverage"])[1:]
    days = {d + dt.timedelta(days=k) for d in changes for k in (-1, 0, 1)}
    sunday = dt.date(2024, 12, 29)
    while sunday <= dt.date(2027, 6, 27):
        days.add(sunday)
        sunday += dt.timedelta(days=7)
    return sorted(days)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return make_tables()


@pytest.fixture(scope="module")
def stored(tables) -> dict[str, pd.DataFrame]:
    return _stored(tables)


def test_slice_key_names_the_rounds_and_month() -> None:
    data_slice = DataSlice("R134", (("idp", "R139"), ("returnee", "R138")), "S2", "2026-10")
    assert data_slice.key == "RI R134 · DTM idp R139, returnee R138 · survey S2 · 4W 2026-10"
    assert DataSlice().key == "RI none · DTM none · survey none · 4W none"


def test_each_slice_is_computed_once_and_listed_with_the_date_it_applies_from(stored) -> None:
    data_slices = stored["data_slices"]
    assert list(data_slices.columns) == list(slices.DATA_SLICES_COLUMNS)
    assert data_slices[SLICE_KEY].is_unique
    assert data_slices["applies_from"].is_monotonic_increasing
    assert data_slices["applies_from"].iloc[0] == "0001-01-01"
    for name, schema in slices.SLICE_METRICS.items():
        assert list(stored[name].columns) == [SLICE_KEY, *schema], name
        assert set(stored[name][SLICE_KEY]) <= set(data_slices[SLICE_KEY]), name
    assert len(set(stored["area_priority"][SLICE_KEY])) > 2  # several slices hold a priority table


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_rows_equal_the_slice_computed_on_every_as_of_date(
    tables, stored, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/w.db" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    try:
        read_back = _round_trip(engine, stored)
    finally:
        with engine.begin() as conn:
            if backend == "postgresql":
                for name in STORED:
                    conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        engine.dispose()
    with_stored = {**tables, **read_back}
    for day in _as_of_dates(tables):
        computed, selected = select_slice(tables, day, SETTINGS), select_slice(with_stored, day, SETTINGS)
        for name in slices.SLICE_METRICS:
            expected, actual = getattr(computed, name), getattr(selected, name)
            assert SLICE_KEY not in actual.columns
            pd.testing.assert_frame_equal(actual, expected, obj=f"{name} {day}")


def test_a_missing_rank_stays_missing_through_the_warehouse(stored, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    priority = _round_trip(engine, {"area_priority": stored["area_priority"]})["area_priority"]
    engine.dispose()
    typed = slices.typed(priority, {SLICE_KEY: "str", **slices.SLICE_METRICS["area_priority"]})
    unranked = typed[~typed["ranked"]]
    assert not unranked.empty, "the test data should hold districts scored on too few components"
    assert typed["rank"].dtype == "Int64" and unranked["rank"].isna().all()
    assert typed.loc[typed["ranked"], "rank"].notna().all() and (typed["rank"] != 0).all()
    assert typed["returns_value"].isna().any()  # a component not assessed stays missing, never 0


def test_a_slice_missing_from_the_stored_tables_is_an_error(tables, stored) -> None:
    stale = {**tables, **stored, "data_slices": stored["data_slices"].iloc[:-1]}
    with pytest.raises(ValueError, match="not in the stored data_slices"):
        select_slice(stale, dt.date(2027, 6, 27), SETTINGS)


def test_every_check_passes_on_the_stored_tables(tables, stored) -> None:
    assert slices.unknown_slices(stored["service_gaps"], stored["data_slices"]) == []
    for name, keys in slices.SLICE_METRIC_KEYS.items():
        assert slices.duplicate_rows(stored[name], keys) == [], name
    assert slices.rank_problems(stored["area_priority"], WEIGHTS) == []
    assert not stored["service_gaps"].empty
    assert slices.gaps_with_active_organisations(
        stored["service_gaps"], tables["service_coverage"], stored["data_slices"]) == []
    assert not stored["referral_directory"].empty
    assert slices.personal_data(stored["referral_directory"]) == []


def test_keys_check_fails_on_an_unknown_slice_or_a_duplicate_row(stored) -> None:
    gaps = stored["service_gaps"]
    unknown = pd.concat([gaps, gaps.head(1).assign(slice_key="RI R999 · DTM none · survey none · 4W none")])
    assert slices.unknown_slices(unknown, stored["data_slices"]) == [
        "slice 'RI R999 · DTM none · survey none · 4W none' is not in data_slices"]
    twice = pd.concat([gaps, gaps.head(1)], ignore_index=True)
    assert len(slices.duplicate_rows(twice, slices.SLICE_METRIC_KEYS["service_gaps"])) == 1
    priority = stored["area_priority"]
    twice = pd.concat([priority, priority.head(1)], ignore_index=True)
    assert len(slices.duplicate_rows(twice, slices.SLICE_METRIC_KEYS["area_priority"])) == 1


def test_ranks_check_fails_on_a_gap_in_the_ranks_a_rank_of_an_unranked_district_or_a_lost_component(stored):
    priority = stored["area_priority"]
    ranked = priority.index[priority["ranked"]]
    gap = priority.copy()
    gap.loc[ranked[-1], "rank"] = len(ranked) + 5
    assert any("are not 1.." in p for p in slices.rank_problems(gap, WEIGHTS))
    swapped = priority.copy()
    first, second = ranked[0], ranked[1]
    swapped.loc[[first, second], "rank"] = swapped.loc[[second, first], "rank"].to_numpy()
    assert any("higher priority score" in p for p in slices.rank_problems(swapped, WEIGHTS))
    unranked = priority.copy()
    unranked.loc[unranked.index[~unranked["ranked"]][0], "rank"] = 1
    assert any("is not ranked but has a rank" in p for p in slices.rank_problems(unranked, WEIGHTS))
    lost = priority.copy()
    lost.loc[ranked[0], "components_assessed"] -= 1
    assert any("not the 5 weighted components" in p for p in slices.rank_problems(lost, WEIGHTS))


def test_gaps_check_fails_where_the_4w_month_reports_an_active_organisation(tables, stored) -> None:
    data_slices = stored["data_slices"]
    coverage = tables["service_coverage"]
    gap = stored["service_gaps"].iloc[[0]]
    month = data_slices.set_index(SLICE_KEY).loc[gap[SLICE_KEY].iloc[0], "coverage_month"]
    active = coverage.iloc[[0]].assign(month=month, area_id=gap["area_id"].iloc[0],
                                       iasc_criterion=gap["iasc_criterion"].iloc[0], active_orgs=2)
    problems = slices.gaps_with_active_organisations(gap, pd.concat([coverage, active]), data_slices)
    assert len(problems) == 1 and "reports an active organisation" in problems[0]
    no_month = data_slices.assign(coverage_month="")
    assert "without a 4W month" in slices.gaps_with_active_organisations(gap, coverage, no_month)[0]


def test_personal_data_check_fails_on_contact_columns_phone_numbers_and_e_mail_addresses(stored) -> None:
    directory = stored["referral_directory"].head(3).copy()
    assert slices.personal_data(directory) == []
    assert slices.personal_data(directory.assign(focal_point_name="Ahmed Ali")) == [
        "column 'focal_point_name' looks like personal data"]
    phone = directory.copy()
    phone.loc[phone.index[0], "activity"] = "Legal aid, call +964 770 123 4567"
    assert slices.personal_data(phone) == ["column 'activity' holds a phone number in 1 rows"]
    local = directory.copy()
    local.loc[local.index[0], "org_name"] = "Hotline 0770-123-4567"
    assert slices.personal_data(local) == ["column 'org_name' holds a phone number in 1 rows"]
    email = directory.copy()
    email.loc[email.index[1], "org_name"] = "ahmed.ali@example.org"
    assert slices.personal_data(email) == ["column 'org_name' holds an e-mail address in 1 rows"]
    dated = directory.copy()
    dated.loc[dated.index[0], "activity"] = "Cash for work 2026-10-01 to 2026-12-31, 1,200 people"
    assert slices.personal_data(dated) == []


def test_the_dagster_checks_report_what_the_rules_find(tables, stored) -> None:
    from ds_pipeline.defs.metrics.slices import (
        referral_directory_no_personal_data,
        service_gaps_without_active_organisations,
        slices_and_keys,
    )

    gaps, data_slices = stored["service_gaps"], stored["data_slices"]
    assert slices_and_keys("service_gaps", gaps, data_slices).passed
    twice = pd.concat([gaps, gaps.head(1)], ignore_index=True)
    failed = slices_and_keys("service_gaps", twice, data_slices)
    assert not failed.passed and "more than one row" in failed.metadata["message"].value
    assert failed.check_name == "service_gaps_slices_and_keys" and failed.asset_key == dg.AssetKey("service_gaps")
    assert service_gaps_without_active_organisations(gaps, tables["service_coverage"], data_slices).passed
    leaking = stored["referral_directory"].assign(contact_email="")
    assert not referral_directory_no_personal_data(leaking).passed


def test_slice_metrics_run_in_the_metrics_stage_and_feed_the_edition(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for name in STORED:
        key = dg.AssetKey(name)
        spec = defs.resolve_assets_def(key)
        assert spec.group_names_by_key[key] == "metrics" and spec.partitions_def is None  # the metrics stage
        assert key in graph.get(dg.AssetKey("weekly_edition")).parent_keys
    blocking = {k.name for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert {"service_gaps_slices_and_keys", "service_gaps_without_active_organisations", "area_priority_ranks",
            "area_priority_slices_and_keys", "referral_directory_slices_and_keys",
            "referral_directory_no_personal_data"} <= blocking
