"""Resources by environment: the sources folder, the warehouse IO manager, the publish folder, the executor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from ds_pipeline.lib.registry import SourceEntry, load_registry
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.warehouse import make_engine, read_table, write_table

PARTITION_COLUMN = "round_id"
DEFAULT_DATABASE_URL = "sqlite:///assets/warehouse.db"


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
        engine = make_engine(self.url)
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
        rows = write_table(engine, self._table(context.asset_key), obj, PARTITION_COLUMN if keys else None, keys)
        engine.dispose()
        context.add_output_metadata({"dagster/row_count": rows, "table": self._table(context.asset_key)})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The upstream table (its partitions in this run); an input's metadata {"columns": [...]} narrows it."""
        engine = make_engine(self.url)
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else None
        columns = (context.definition_metadata or {}).get("columns")
        frame = read_table(engine, self._table(context.asset_key), PARTITION_COLUMN, keys, columns)
        engine.dispose()
        return frame


@dg.definitions
def resources() -> dg.Definitions:
    """Same resource keys everywhere; paths and URLs come from the environment (see README)."""
    assets_dir = Path(os.environ.get("DS_ASSETS_DIR", "assets"))
    return dg.Definitions(
        resources={
            "sources": SourcesFolder(path=os.environ.get("DS_SOURCES_DIR", "sources/demo")),
            "publish": PublishFolder(
                path=os.environ.get("DS_PUBLISH_DIR", "reports/published"),
                allow_incomplete=os.environ.get("DS_ALLOW_INCOMPLETE", "").strip().lower() in ("1", "true", "yes"),
            ),
            "io_manager": WarehouseIOManager(url=os.environ.get("DS_DATABASE_URL", DEFAULT_DATABASE_URL)),
            "edition_io_manager": dg.FilesystemIOManager(base_dir=str(assets_dir / "storage")),
        },
        executor=dg.in_process_executor,
    )
