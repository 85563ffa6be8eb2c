"""What the Dagster UI shows of every asset: its owner, its column schema, and each source's freshness policy."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg

from ds_pipeline.lib.column_schemas import TableColumns, metric_table
from ds_pipeline.lib.freshness import cadence_words, stale_after_days
from ds_pipeline.lib.registry import RegistryError, SourceEntry, load_registry

logger = logging.getLogger(__name__)

# Every asset belongs to the DSTWG secretariat's team.
OWNERS = ["team:dstwg-secretariat"]
DEFAULT_SOURCES_DIR = "sources/demo"


def table_schema(table: TableColumns) -> dg.TableSchema:
    """A table's columns as a Dagster table schema: type, description, nullability, uniqueness and checks."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=column.type,
                description=column.description or None,
                constraints=dg.TableColumnConstraints(
                    nullable=column.nullable, unique=column.unique, other=list(column.checks)
                ),
            )
            for column in table.columns
        ],
        constraints=dg.TableConstraints(other=list(table.rules)) if table.rules else None,
    )


def column_schema(table: TableColumns) -> dict[str, Any]:
    """Asset metadata carrying the table's column schema (`dagster/column_schema`)."""
    return {"dagster/column_schema": table_schema(table)}


def registry_at_load() -> list[SourceEntry]:
    """The registry of the sources folder the definitions run on (DS_SOURCES_DIR, default the demo), read when the
    definitions load; empty (no freshness policies) when it cannot be read, so that the UI still loads."""
    folder = Path(os.environ.get("DS_SOURCES_DIR", DEFAULT_SOURCES_DIR))
    try:
        return load_registry(folder)
    except (RegistryError, OSError) as error:
        logger.warning("no freshness policies: the registry of %s cannot be read (%s)", folder, error)
        return []


def freshness_policy(kind: str, registry: Iterable[SourceEntry]) -> dg.FreshnessPolicy | None:
    """Freshness policy of a kind's raw asset from the cadences of its sources (the shortest when several): warn
    after one cadence without a materialization, fail after the cadence plus its grace. None without a cadence."""
    cadences = [entry.cadence_days for entry in registry if entry.kind == kind and entry.cadence_days is not None]
    if not cadences:
        return None
    days = min(cadences)
    return dg.FreshnessPolicy.time_window(
        fail_window=dt.timedelta(days=stale_after_days(days)), warn_window=dt.timedelta(days=days)
    )


def cadence_note(kind: str, registry: Iterable[SourceEntry]) -> str:
    """"dtm_idp_master_list every quarter; ..." for the sources of a kind that have a cadence ("" when none)."""
    return "; ".join(f"{entry.source_id} {cadence_words(entry.cadence_days)}" for entry in registry
                     if entry.kind == kind and entry.cadence_days is not None)


def metric_asset_args(name: str) -> dict[str, Any]:
    """Arguments of a metric table's `@dg.asset`: kind, owners and the table's column schema."""
    return {"kinds": {"pandas"}, "owners": OWNERS, "metadata": column_schema(metric_table(name))}


def metric_out(name: str, description: str, **kwargs: Any) -> dg.AssetOut:
    """The `AssetOut` of a metric table of a multi-asset: kind, owners, column schema and description."""
    return dg.AssetOut(description=description, **metric_asset_args(name), **kwargs)
