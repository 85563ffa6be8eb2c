"""The Dagster definitions load, the asset graph has the expected shape, and schedules and the sensor work."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from ds_pipeline.definitions import defs as load_defs

GROUPS = {"raw", "validated", "conformed", "metrics", "products"}


@pytest.fixture()
def defs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dg.Definitions:
    monkeypatch.setenv("DS_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("DS_ASSETS_DIR", str(tmp_path / "assets"))
    return load_defs()


def test_definitions_load_and_every_asset_sits_in_a_stage_group(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)
    keys = list(defs.resolve_all_asset_keys())
    groups = {key.to_user_string(): defs.resolve_assets_def(key).group_names_by_key[key] for key in keys}
    assert set(groups.values()) == GROUPS
    for kind in ("gazetteer", "displacement", "return_index", "service_mapping", "poa_submission",
                 "household_survey"):
        assert groups[f"{kind}_raw"] == "raw"
        assert groups[f"{kind}_rejected_at_validation"] == "validated"
        assert groups[f"{kind}_conformed"] == "conformed"
    assert groups["dstwg_brief"] == groups["rwg_pack"] == "products"


def test_flow_runs_one_way_from_sources_to_products(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    order = ["raw", "validated", "conformed", "metrics", "products"]
    for key in graph.get_all_asset_keys():
        group = defs.resolve_assets_def(key).group_names_by_key[key]
        for parent in graph.get(key).parent_keys:
            parent_group = defs.resolve_assets_def(parent).group_names_by_key[parent]
            assert order.index(parent_group) <= order.index(group), f"{parent} ({parent_group}) -> {key} ({group})"
    assert graph.get(dg.AssetKey("rwg_pack")).parent_keys == {dg.AssetKey("weekly_edition")}


def test_round_sources_are_partitioned_by_round_and_products_by_week(defs: dg.Definitions) -> None:
    def partitions(name: str):
        return defs.resolve_assets_def(dg.AssetKey(name)).partitions_def

    assert isinstance(partitions("displacement_raw"), dg.DynamicPartitionsDefinition)
    assert isinstance(partitions("area_severity"), dg.DynamicPartitionsDefinition)
    assert partitions("service_mapping_raw") is None
    assert isinstance(partitions("dstwg_brief"), dg.TimeWindowPartitionsDefinition)
    assert partitions("dstwg_brief").get_partition_key_for_timestamp(datetime(2026, 11, 22, 12).timestamp()) == (
        "2026-11-16"
    )


def test_schedules_are_off_and_target_the_week_of_their_tick(defs: dg.Definitions) -> None:
    for name in ("dstwg_weekly_schedule", "rwg_monthly_schedule"):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    repository = defs.get_repository_def()
    weekly = defs.resolve_schedule_def("dstwg_weekly_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 6), repository_def=repository)
    assert weekly.evaluate_tick(context).run_requests[0].partition_key == "2026-11-23"
    monthly = defs.resolve_schedule_def("rwg_monthly_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 7), repository_def=repository)
    assert monthly.evaluate_tick(context).run_requests[0].partition_key == "2026-11-30"


def test_new_round_sensor_adds_each_round_once(defs: dg.Definitions, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "registry").mkdir(parents=True)
    (sources / "files").mkdir()
    shutil.copy(Path(__file__).parents[1] / "sources" / "demo" / "settings.yaml", sources)
    (sources / "registry" / "dtm.yaml").write_text(
        "source: dtm\nkind: displacement\nfiles: 'files/idp_R{round}.csv'\nformat: csv\n", encoding="utf-8"
    )
    for number in (138, 139):
        (sources / "files" / f"idp_R{number}.csv").write_text("Place id\n", encoding="utf-8")
    sensor = defs.resolve_sensor_def("new_round_files")
    with dg.instance_for_test() as instance:
        result = sensor(dg.build_sensor_context(instance=instance, resources=defs.resources))
        assert [r.partition_key for r in result.run_requests] == ["R138", "R139"]
        assert result.dynamic_partitions_requests[0].partition_keys == ["R138", "R139"]
        instance.add_dynamic_partitions("rounds", ["R138", "R139"])
        again = sensor(dg.build_sensor_context(instance=instance, resources=defs.resources))
        assert again.run_requests == [] and again.dynamic_partitions_requests == []
