"""Production operation: every job defined once and launched by the CLI, the schedules and the sensor alike;
resources per environment with secrets as environment variables; the PostgreSQL instance configuration;
throwaway folders that never outlive a publish."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from conftest import ROOT

from ds_pipeline.lib.scratch import OWNER_FILE, scratch_folder, sweep_orphans

PASSWORD = "s3cret-Pa55"


def _load(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dg.Definitions:
    for name in ("DS_ENV", "DS_EXECUTOR", "DS_SOURCES_DIR", "DS_PUBLISH_DIR", "DS_ASSETS_DIR", "DS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    from ds_pipeline.definitions import defs

    return defs()


def _production(tmp_path: Path) -> dict[str, str]:
    return {
        "DS_ENV": "production", "DS_SOURCES_DIR": str(tmp_path / "sources"), "DS_PUBLISH_DIR": str(tmp_path / "out"),
        "DS_ASSETS_DIR": str(tmp_path / "assets"),
        "DS_DATABASE_URL": f"postgresql+psycopg2://ds:{PASSWORD}@db.example.org:5432/warehouse",
    }


# --------------------------------------------------------------------------------------------------------------
# Jobs in one place


def test_jobs_are_defined_once_in_defs_jobs() -> None:
    defining = [p.relative_to(ROOT).as_posix() for p in (ROOT / "ds_pipeline").rglob("*.py")
                if "define_asset_job(" in p.read_text(encoding="utf-8")]
    assert defining == ["ds_pipeline/defs/jobs.py"]


def test_the_cli_launches_the_jobs_the_schedules_and_the_sensor_launch(demo: dict) -> None:
    from ds_pipeline.defs import jobs
    from ds_pipeline.defs.products.areas import area_updates_schedule
    from ds_pipeline.defs.products.schedules import dstwg_weekly_schedule, rwg_monthly_schedule
    from ds_pipeline.defs.raw.sensors import source_files_sensor

    launched = demo["summary"].jobs
    # the ingestion in two runs: the gazetteer, then the other sources beside the rounds
    assert launched == ["ingest_job", "ingest_job", "round_job", "metrics_job", "area_updates_monthly",
                        "rwg_dissemination_pack"]
    scheduled = {rwg_monthly_schedule.job_name, dstwg_weekly_schedule.job_name, area_updates_schedule.job_name,
                 *(target.job_name for target in source_files_sensor.targets)}
    assert set(launched) - scheduled == {"metrics_job"}  # metrics refresh by automation in the UI, not by a schedule
    assert rwg_monthly_schedule.job is jobs.weekly_products_job and area_updates_schedule.job is jobs.area_updates_job
    assert {t.job_name for t in source_files_sensor.targets} == {jobs.round_job.name, jobs.ingest_job.name}
    assert [job.name for job in jobs.PUBLISH_JOBS] == list(dict.fromkeys(launched))


def test_each_job_runs_the_checks_that_guard_its_assets(defs: dg.Definitions) -> None:
    def checks(job: str) -> set[str]:
        return {key.name for key in defs.resolve_job_def(job).asset_layer.asset_graph.asset_check_keys}

    assert "area_severity_matches_return_index" in checks("round_job")
    assert {"every_row_accounted_for", "area_priority_ranks", "referral_directory_no_personal_data"} <= checks(
        "metrics_job")
    weekly = checks("rwg_dissemination_pack")
    assert len([name for name in weekly if "edition" in name or "expectations" in name or "sources" in name]) >= 3


# --------------------------------------------------------------------------------------------------------------
# Resources per environment


def test_the_ui_shows_the_warehouse_variable_and_never_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dagster._core.remote_representation.external_data import RepositorySnap
    from dagster._serdes import serialize_value

    for environment in ("production", "local"):
        settings = _production(tmp_path) | {"DS_ENV": environment}
        snap = RepositorySnap.from_def(_load(monkeypatch, **settings).get_repository_def())
        shown = {r.name: r.configured_values for r in snap.resources}  # what the UI's resource pages list
        assert getattr(shown["io_manager"]["url"], "name", None) == "DS_DATABASE_URL"
        assert PASSWORD not in serialize_value(snap)
    # the same look finds a password passed as a plain string (the check can fail)
    leaky = dg.Definitions(resources={"io_manager": _leaky_io_manager()})
    assert PASSWORD in serialize_value(RepositorySnap.from_def(leaky.get_repository_def()))


def _leaky_io_manager() -> dg.ConfigurableIOManager:
    from ds_pipeline.defs.resources import WarehouseIOManager

    return WarehouseIOManager(url=f"postgresql+psycopg2://ds:{PASSWORD}@db.example.org:5432/warehouse")


def test_local_and_production_have_the_same_resource_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    local = set(_load(monkeypatch).resources)
    production = set(_load(monkeypatch, **_production(tmp_path)).resources)
    assert local == production == {"sources", "publish", "io_manager", "edition_io_manager"}


def test_production_without_a_variable_or_with_an_unknown_executor_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ds_pipeline.defs.resources import DeploymentError

    def error(**environment: str) -> str:
        with pytest.raises(Exception) as raised:  # the definitions loader wraps it, naming resources.py
            _load(monkeypatch, **environment)
        causes = [raised.value]
        while causes[-1].__cause__ is not None:
            causes.append(causes[-1].__cause__)
        found = [c for c in causes if isinstance(c, DeploymentError)]
        assert found and "resources.py" in str(raised.value)
        return str(found[0])

    settings = _production(tmp_path)
    del settings["DS_PUBLISH_DIR"]
    assert "DS_PUBLISH_DIR must be set in the production environment" in error(**settings)
    assert "DS_EXECUTOR='gpu' is not one of in_process, multiprocess, celery, k8s" in error(DS_EXECUTOR="gpu")
    assert "DS_ENV='staging'" in error(DS_ENV="staging")


@pytest.mark.parametrize(("executor", "name"), [("in_process", "in_process"), ("multiprocess", "multiprocess"),
                                                ("celery", "celery"), ("k8s", "k8s")])
def test_the_executor_is_chosen_by_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, executor: str, name: str
) -> None:
    definitions = _load(monkeypatch, **_production(tmp_path), DS_EXECUTOR=executor)
    assert definitions.resolve_job_def("round_job").executor_def.name == name


def test_nothing_reads_the_environment_when_the_definitions_are_imported() -> None:
    code = ("import os; os.environ.clear(); os.environ['DS_ENV'] = 'nonsense'; "
            "import ds_pipeline.definitions, ds_pipeline.defs.resources, ds_pipeline.defs.jobs; print('imported')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0 and "imported" in done.stdout, done.stderr[-1500:]


# --------------------------------------------------------------------------------------------------------------
# The PostgreSQL instance


def test_the_production_instance_configuration_loads_on_postgresql_and_records_a_round_run(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources

    url = sa.engine.make_url(postgres_url)
    with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS dagster_instance_test"))
        connection.execute(sa.text("CREATE DATABASE dagster_instance_test"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.prod.yaml", home / "dagster.yaml")
    sources = copy_demo_config(tmp_path / "sources")
    generate_demo_sources(sources, scale=0.01, rounds=1)
    definitions = _load(monkeypatch, **_production(tmp_path) | {
        "DS_SOURCES_DIR": str(sources), "DS_DATABASE_URL": f"sqlite:///{tmp_path}/warehouse.db"})
    for name, value in {"DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": url.host, "DAGSTER_PG_PORT": str(url.port),
                        "DAGSTER_PG_USER": url.username, "DAGSTER_PG_PASSWORD": url.password or "",
                        "DAGSTER_PG_DB": "dagster_instance_test"}.items():
        monkeypatch.setenv(name, value)
    round_id = next(p.stem.rsplit("_", 1)[-1] for p in (sources / "files" / "dtm").glob("*.csv"))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        instance.add_dynamic_partitions("rounds", [round_id])
        assert definitions.resolve_job_def("ingest_job").execute_in_process(instance=instance).success
        result = definitions.resolve_job_def("round_job").execute_in_process(instance=instance,
                                                                            partition_key=round_id)
        assert result.success
    with dg.DagsterInstance.get() as reopened:  # a new connection reads the run back from PostgreSQL
        run = reopened.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.job_name == "round_job" and run.tags.get("dagster/partition") == round_id
        materialized = reopened.get_latest_materialization_event(dg.AssetKey("area_severity"))
        assert materialized is not None and materialized.run_id == result.run_id
    config = (ROOT / "deploy" / "dagster.prod.yaml").read_text(encoding="utf-8")
    assert set(re.findall(r"\{env: (DAGSTER_PG_\w+)\}", config)) == {
        "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"}


# --------------------------------------------------------------------------------------------------------------
# Throwaway folders


def test_orphaned_scratch_folders_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    orphan = tmp_path / "ds-pipeline-instance-orphan"
    orphan.mkdir()
    (orphan / OWNER_FILE).write_text(dead, encoding="utf-8")
    live = tmp_path / "ds-pipeline-warehouse-live"
    live.mkdir()
    (live / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    unmarked = tmp_path / "ds-pipeline-instance-unmarked"
    unmarked.mkdir()
    assert sweep_orphans(tmp_path) == [orphan]
    assert live.is_dir() and unmarked.is_dir() and not orphan.exists()


def test_a_scratch_folder_is_deleted_when_its_block_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError), scratch_folder("ds-pipeline-instance-") as folder:
        assert (folder / OWNER_FILE).read_text(encoding="utf-8") == str(os.getpid())
        raise RuntimeError("stage failed")
    assert not folder.exists() and list(tmp_path.iterdir()) == []
