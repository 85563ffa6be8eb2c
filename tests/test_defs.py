"""The Dagster definitions load, the asset graph has the expected shape, and schedules and the sensor work."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import dagster as dg

GROUPS = {"raw", "validated", "conformed", "metrics", "products"}


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


def test_schedules_are_off_and_target_the_last_complete_week(defs: dg.Definitions) -> None:
    for name in ("dstwg_weekly_schedule", "rwg_monthly_schedule"):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    repository = defs.get_repository_def()
    weekly = defs.resolve_schedule_def("dstwg_weekly_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 6), repository_def=repository)
    assert weekly.evaluate_tick(context).run_requests[0].partition_key == "2026-11-16"  # 2026-W47, ended Sunday
    monthly = defs.resolve_schedule_def("rwg_monthly_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 7), repository_def=repository)
    assert monthly.evaluate_tick(context).run_requests[0].partition_key == "2026-11-23"  # 2026-W48


def test_source_files_sensor_runs_each_new_or_changed_file_once(defs: dg.Definitions, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "registry").mkdir(parents=True)
    (sources / "files").mkdir()
    shutil.copy(Path(__file__).parents[1] / "sources" / "demo" / "settings.yaml", sources)
    (sources / "registry" / "dtm.yaml").write_text(
        "source: dtm\nkind: displacement\nfiles: 'files/idp_R{round}.csv'\nformat: csv\n", encoding="utf-8"
    )
    (sources / "registry" / "w4.yaml").write_text(
        "source: w4\nkind: service_mapping\nfiles: files/4w.csv\nformat: csv\n", encoding="utf-8"
    )
    for number in (138, 139):
        (sources / "files" / f"idp_R{number}.csv").write_text("Place id\nL1\n", encoding="utf-8")
    (sources / "files" / "4w.csv").write_text("Org\nNRC\n", encoding="utf-8")
    sensor = defs.resolve_sensor_def("source_files_sensor")
    with dg.instance_for_test() as instance:
        def tick(cursor: str | None):
            return sensor(dg.build_sensor_context(instance=instance, resources=defs.resources, cursor=cursor))

        first = tick(None)
        assert [(r.job_name, r.partition_key) for r in first.run_requests] == [
            ("round_job", "R138"), ("round_job", "R139"), ("ingest_job", None)]
        assert first.dynamic_partitions_requests[0].partition_keys == ["R138", "R139"]
        instance.add_dynamic_partitions("rounds", ["R138", "R139"])
        unchanged = tick(first.cursor)
        assert unchanged.run_requests == [] and unchanged.dynamic_partitions_requests == []
        (sources / "files" / "idp_R139.csv").write_text("Place id\nL1\nL2\n", encoding="utf-8")  # re-dropped
        (sources / "files" / "idp_R140.csv").write_text("Place id\nL1\n", encoding="utf-8")  # new round
        changed = tick(unchanged.cursor)
        assert [r.partition_key for r in changed.run_requests] == ["R139", "R140"]
        assert changed.dynamic_partitions_requests[0].partition_keys == ["R140"]
        assert changed.run_requests[0].run_key != first.run_requests[1].run_key  # a new file version runs again
        instance.add_dynamic_partitions("rounds", ["R140"])
        (sources / "files" / "idp_R138.csv").unlink()  # a round withdrawn
        (sources / "files" / "4w.csv").unlink()
        removed = tick(changed.cursor)
        assert [(r.job_name, r.partition_key) for r in removed.run_requests] == [("ingest_job", None)]
        assert [(type(q).__name__, q.partition_keys) for q in removed.dynamic_partitions_requests] == [
            ("DeleteDynamicPartitionsRequest", ["R138"])]


def test_metrics_over_all_rounds_refresh_after_their_inputs_change(defs: dg.Definitions) -> None:
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.total_requested == 0
        instance.report_runless_asset_event(dg.AssetMaterialization("service_mapping_conformed"))
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        assert after.get_num_requested(dg.AssetKey("service_coverage")) == 1
        assert after.get_num_requested(dg.AssetKey("criteria_progress")) == 0
