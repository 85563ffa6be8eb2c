"""Resources by environment: the sources folder, the warehouse IO manager, the publish folder, the executor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from ds_pipeline.defs import handover
from ds_pipeline.lib.registry import SourceEntry, load_registry
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.warehouse import (
    count_rows,
    counted_rows,
    read_table,
    shared_engine,
    write_table,
    write_table_read_back,
)

PARTITION_COLUMN = "round_id"
DEFAULT_DATABASE_URL = "sqlite:///assets/warehouse.db"
K8S_EXECUTOR_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "executor.yaml"


class SourcesFolder(dg.ConfigurableResource):
    """The folder with registry/, settings.yaml and files/ that a run reads."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)

    def registry(self) -> list[SourceEntry]:
        return load_registry(self.root)

    def entry_of(self) -> dict[str, SourceEntry]:
        return {e.source_id: e for e in self.registry()}

    def settings(self) -> dict[str, Any]:
        return load_settings(self.root)


class PublishFolder(dg.ConfigurableResource):
    """Where published editions are written: <path>/<edition>/, their GX Data Docs in <path>/quality/<edition>/.
    `allow_incomplete` publishes an edition whose sections lack their required input (each then says why)."""

    path: str
    allow_incomplete: bool = False

    @property
    def root(self) -> Path:
        return Path(self.path)

    def quality_docs(self, week: str) -> Path:
        """Folder of the GX Data Docs site of an edition's validation."""
        return self.root / "quality" / week


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Stores each asset's data frame as a table named after its key; round partitions are replaced in place."""

    url: str

    def _table(self, key: dg.AssetKey) -> str:
        return "__".join(key.path)

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = shared_engine(self.url)  # one per process, its connections closed when the run ends
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
        table, partition_column = self._table(context.asset_key), PARTITION_COLUMN if keys else None
        readers = handover.readers_in_run(context)
        if readers:  # steps of this run read it next: they get the frame a read would give, without reading it
            rows, stored = write_table_read_back(engine, table, obj, partition_column, keys)
            if stored is not None:
                handover.keep(context, stored, keys, readers)
        else:
            rows = write_table(engine, table, obj, partition_column, keys)
        context.add_output_metadata({"dagster/row_count": rows, "table": self._table(context.asset_key)})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The upstream table (its partitions in this run); an input's metadata {"columns": [...]} narrows it, and
        {"count_by": [...]} makes it the count of rows of each combination of those columns, counted by the
        database (`count_rows`). A table stored earlier in the same run is handed over as that read would give it
        (`defs/handover.py`)."""
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else None
        metadata = context.definition_metadata or {}
        count_by = metadata.get("count_by")
        columns = count_by or metadata.get("columns")
        kept = handover.take(context, keys, columns)
        if kept is not None:
            return counted_rows(kept, count_by) if count_by else kept
        table = self._table(context.asset_key)
        if count_by:
            return count_rows(shared_engine(self.url), table, count_by, PARTITION_COLUMN, keys)
        return read_table(shared_engine(self.url), table, PARTITION_COLUMN, keys, columns)


ENVIRONMENTS = ("local", "production")
EXECUTORS = ("in_process", "multiprocess", "celery", "k8s")


class DeploymentError(ValueError):
    """DS_ENV or DS_EXECUTOR names no known environment or executor."""


def _choice(variable: str, known: tuple[str, ...], default: str) -> str:
    value = os.environ.get(variable, "").strip() or default
    if value not in known:
        raise DeploymentError(f"{variable}={value!r} is not one of {', '.join(known)}")
    return value


def _url(variable: str, default: str | None) -> str | dg.EnvVar:
    """A URL that may hold a password: always `dg.EnvVar` (the UI shows the variable's name, never its value); the
    local default applies when the variable is not set at all."""
    if default is not None and variable not in os.environ:
        return default
    return dg.EnvVar(variable)


def resource_set(environment: str) -> dict[str, Any]:
    """The resources of `environment`, with the same keys in every environment (as in Dagster's open platform):
    local falls back to the repository's folders and the SQLite warehouse; production takes every folder and URL
    from its environment variable and has no default."""
    local = environment == "local"

    def folder(variable: str, default: str) -> str:
        value = os.environ.get(variable, default if local else "")
        if not value:
            raise DeploymentError(f"{variable} must be set in the {environment} environment")
        return value

    return {
        "sources": SourcesFolder(path=folder("DS_SOURCES_DIR", "sources/demo")),
        "publish": PublishFolder(
            path=folder("DS_PUBLISH_DIR", "reports/published"),
            allow_incomplete=os.environ.get("DS_ALLOW_INCOMPLETE", "").strip().lower() in ("1", "true", "yes"),
        ),
        "io_manager": WarehouseIOManager(url=_url("DS_DATABASE_URL", DEFAULT_DATABASE_URL if local else None)),
        "edition_io_manager": dg.FilesystemIOManager(base_dir=str(Path(folder("DS_ASSETS_DIR", "assets")) / "storage")),
    }


def executor_of(name: str) -> dg.ExecutorDefinition:
    """The executor named by DS_EXECUTOR: in-process (a laptop), multiprocess (one bigger machine: steps in
    parallel processes), Celery (workers on a Redis broker, DS_CELERY_BROKER) or Kubernetes (one pod per step)."""
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(
            {"broker": {"env": "DS_CELERY_BROKER"}, "backend": {"env": "DS_CELERY_BACKEND"}}, name="celery"
        )
    if name == "k8s":
        import yaml
        from dagster_k8s import k8s_job_executor

        # one pod per step, configured by deploy/k8s/executor.yaml (image, secret, volume, limits) for every run
        config = yaml.safe_load(K8S_EXECUTOR_CONFIG.read_text(encoding="utf-8"))["execution"]["config"]
        return k8s_job_executor.configured(config, name="k8s")
    return dg.in_process_executor


@dg.definitions
def resources() -> dg.Definitions:
    """Resources and executor of the environment named by DS_ENV (local by default; read when the definitions
    load, never at import), the executor by DS_EXECUTOR (in_process by default)."""
    environment = _choice("DS_ENV", ENVIRONMENTS, "local")
    executor = _choice("DS_EXECUTOR", EXECUTORS, "in_process")
    return dg.Definitions(resources=resource_set(environment), executor=executor_of(executor))
