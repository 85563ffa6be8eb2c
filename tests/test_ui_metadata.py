"""What the Dagster UI shows: every asset's owner and column schema, and checks of partitioned assets run and
recorded per partition."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from test_metrics_severity import _location

from ds_pipeline.defs.metadata import OWNERS
from ds_pipeline.defs.metrics.assets import area_severity, area_severity_matches_return_index
from ds_pipeline.defs.partitions import rounds
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, CONFORMED_COLUMNS, PROVENANCE_COLUMNS, QUARANTINE_COLUMNS
from ds_pipeline.lib.column_schemas import METRIC_TABLES, validated_table
from ds_pipeline.lib.validation import MODELS

DEMO = Path(__file__).resolve().parents[1] / "sources" / "demo"
KINDS = tuple(CANONICAL_COLUMNS)
# Assets that are no table, and so have no column schema.
WITHOUT_COLUMN_SCHEMA = {
    "weekly_edition": "a pickled Edition object (its tables are described by the metric tables it reads)",
    "dstwg_brief": "HTML and PDF files",
    "rwg_pack": "a zip file of the brief, CSVs, XLSX and manifest",
    "submission_feedback": "one text report per file with rejected rows",
    "area_updates": "HTML and PDF files per POA area and language",
}


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from ds_pipeline.definitions import defs as load_defs

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DS_SOURCES_DIR", str(DEMO))
        return load_defs()


def _specs(defs: dg.Definitions) -> dict[str, dg.AssetSpec]:
    specs = {}
    for key in defs.resolve_all_asset_keys():
        for spec in defs.resolve_assets_def(key).specs:
            specs[spec.key.to_user_string()] = spec
    return specs


def _schema(spec: dg.AssetSpec) -> dg.TableSchema | None:
    return spec.metadata.get("dagster/column_schema")


def test_every_asset_is_owned_by_the_secretariat(defs: dg.Definitions) -> None:
    specs = _specs(defs)
    assert len(specs) > 40
    assert OWNERS == ["team:dstwg-secretariat"]
    assert {name: list(spec.owners) for name, spec in specs.items() if list(spec.owners) != OWNERS} == {}


def test_every_table_asset_has_a_column_schema_and_only_the_products_listed_have_none(defs: dg.Definitions) -> None:
    specs = _specs(defs)
    without = {name for name, spec in specs.items() if _schema(spec) is None}
    assert without == set(WITHOUT_COLUMN_SCHEMA)
    for name, spec in specs.items():
        if name in WITHOUT_COLUMN_SCHEMA:
            continue
        schema = _schema(spec)
        assert isinstance(schema, dg.TableSchema), name
        assert schema.columns and all(column.type for column in schema.columns), name


def test_stage_schemas_follow_the_canonical_and_quarantine_columns(defs: dg.Definitions) -> None:
    specs = _specs(defs)
    for kind in KINDS:
        raw = [c.name for c in _schema(specs[f"{kind}_raw"]).columns]
        validated = [c.name for c in _schema(specs[f"{kind}_validated"]).columns]
        conformed = [c.name for c in _schema(specs[f"{kind}_conformed"]).columns]
        assert raw[: len(PROVENANCE_COLUMNS)] == list(PROVENANCE_COLUMNS) and raw[-1] == "read_problem"
        assert set(CANONICAL_COLUMNS[kind]) <= set(raw)
        assert validated == [*PROVENANCE_COLUMNS, *CANONICAL_COLUMNS[kind]]
        assert conformed == [*validated, *CONFORMED_COLUMNS]
        for stage in ("validation", "conforming"):
            rejected = _schema(specs[f"{kind}_rejected_at_{stage}"])
            assert [c.name for c in rejected.columns] == list(QUARANTINE_COLUMNS)
    for name, columns in METRIC_TABLES.items():
        assert [c.name for c in _schema(specs[name]).columns] == list(columns), name


@pytest.mark.parametrize("kind", KINDS)
def test_validated_schema_carries_the_pandera_model_types_and_checks(defs: dg.Definitions, kind: str) -> None:
    schema = _schema(_specs(defs)[f"{kind}_validated"])
    columns = {column.name: column for column in schema.columns}
    model = MODELS[kind].to_schema()
    for name, field in model.columns.items():
        column = columns[name]
        assert column.type == str(field.dtype), name
        for check in field.checks:
            assert str(check.error) in column.constraints.other, (name, check.error)
            assert str(check.error) in column.description, name
    assert len(schema.constraints.other if schema.constraints else []) == len(validated_table(kind).rules)


def test_displacement_schema_reads_as_the_ui_shows_it(defs: dg.Definitions) -> None:
    schema = _schema(_specs(defs)["displacement_validated"])
    columns = {column.name: column for column in schema.columns}
    assert columns["individuals"].type == "int64"
    assert columns["individuals"].description == "required; checks: greater_than_or_equal_to(0)"
    assert columns["individuals"].constraints.nullable is False
    assert columns["families"].constraints.nullable is True
    assert "isin(['idp', 'returnee'])" in columns["population_type"].constraints.other
    assert any("shelter" in rule for rule in schema.constraints.other)


# --------------------------------------------------------------------------------------------------------------
# Checks of partitioned assets


def test_every_check_of_a_partitioned_asset_is_partitioned_like_its_asset(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    partitioned = set()
    for key in graph.asset_check_keys:
        asset_partitions = graph.get(key.asset_key).partitions_def
        own_step = defs.resolve_assets_def(key.asset_key)  # a check run by the step of its asset
        check_partitions = (own_step.partitions_def if key in own_step.check_keys
                            else defs.get_asset_checks_def(key).partitions_def)
        assert check_partitions == asset_partitions, key.name
        if asset_partitions is not None:
            partitioned.add(key.name)
    assert {"area_severity_matches_return_index", "edition_rows_reconcile", "edition_expectations"} <= partitioned


def _return_index(round_id: str) -> pd.DataFrame:
    rows = [
        _location(round_id, "A", "IQG15Q06N01", 1000, 60.0, 40.0, 70.0),
        _location(round_id, "B", "IQG15Q06N01", 3000, 20.0, 10.0, 30.0),
        _location(round_id, "C", "IQG15Q06N02", 1000, 30.0, 30.0, 30.0),
        _location(round_id, "D", "IQG15Q05N01", 100, 50.0, 56.0, 10.0),
    ]
    return pd.DataFrame(rows if round_id == "R131" else rows[:1])  # R132: one location in one district


@dg.asset(name="return_index_conformed", partitions_def=rounds)
def tiny_return_index(context) -> pd.DataFrame:  # noqa: ANN001 (a string annotation is refused here)
    """A tiny conformed Return Index, one frame per round."""
    return _return_index(context.partition_key)


def test_area_severity_check_runs_and_is_recorded_per_round_partition() -> None:
    check_key = area_severity_matches_return_index.check_key
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("rounds", ["R131", "R132"])
        for round_id in ("R131", "R132"):
            result = dg.materialize(
                [tiny_return_index, area_severity, area_severity_matches_return_index],
                partition_key=round_id,
                instance=instance,
                resources={"sources": SourcesFolder(path=str(DEMO))},
            )
            assert result.success
            evaluations = result.get_asset_check_evaluations()
            assert [(e.check_name, e.passed, e.partition) for e in evaluations] == [
                (check_key.name, True, round_id)]
        history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=10)
        by_partition = {record.partition: record for record in history}
        assert set(by_partition) == {"R131", "R132"}
        areas = {partition: record.event.dagster_event.asset_check_evaluation_data.metadata["areas"].value
                 for partition, record in by_partition.items()}
        assert areas["R131"] > areas["R132"] > 0  # each partition's own evaluation, not one for all rounds
        infos = instance.event_log_storage.get_asset_check_partition_info([check_key])
        assert {(info.partition_key, info.latest_execution_status.value) for info in infos} == {
            ("R131", "SUCCEEDED"), ("R132", "SUCCEEDED")}
