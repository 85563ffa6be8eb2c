"""Data quality: the source inventory and quarantine log, and the blocking check that every row is accounted for."""

import dagster as dg
import pandas as pd

from ds_pipeline.defs.kinds import KINDS, ROUND_KINDS
from ds_pipeline.defs.metadata import metric_out
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.quality import (
    conformed_count_columns,
    quarantine_log,
    raw_count_columns,
    source_inventory,
    unreconciled_files,
)

# Raw and conformed tables hold every row of every round: the inventory reads only how many rows each file, round
# (and data as-of date) holds, counted by the database.
_INS = {
    **{f"{kind}_raw": dg.AssetIn(f"{kind}_raw", metadata={"count_by": raw_count_columns(kind)}) for kind in KINDS},
    **{f"{kind}_conformed": dg.AssetIn(
        f"{kind}_conformed", metadata={"count_by": conformed_count_columns(kind in ROUND_KINDS)},
    ) for kind in KINDS},
    **{f"{kind}_rejected_at_{stage}": dg.AssetIn(f"{kind}_rejected_at_{stage}")
       for kind in KINDS for stage in ("validation", "conforming")},
}


@dg.multi_asset(
    name="data_quality",
    group_name="metrics",
    ins=_INS,
    outs={
        "source_inventory": metric_out(
            "source_inventory",
            automation_condition=dg.AutomationCondition.eager(),
            description="Per source file: rows read, accepted, quarantined; data as-of.",
        ),
        "quarantine_log": metric_out(
            "quarantine_log",
            automation_condition=dg.AutomationCondition.eager(),
            description="Every quarantined row with file, sheet, row, column and reason.",
        ),
    },
)
def data_quality(context: dg.AssetExecutionContext, sources: SourcesFolder, **tables: pd.DataFrame):
    log = quarantine_log([tables[name] for name in sorted(tables) if "_rejected_at_" in name])
    inventory = source_inventory(
        {kind: tables[f"{kind}_raw"] for kind in KINDS},
        {kind: tables[f"{kind}_conformed"] for kind in KINDS},
        log,
        sources.registry(),
    )
    context.log.info(
        f"{inventory['rows_read'].sum()} rows read from {inventory['source_file'].nunique()} files: "
        f"{inventory['rows_accepted'].sum()} accepted, {inventory['rows_quarantined'].sum()} quarantined"
    )
    return inventory, log


@dg.asset_check(asset="source_inventory", blocking=True, description="rows read = accepted + quarantined, per file")
def every_row_accounted_for(source_inventory: pd.DataFrame) -> dg.AssetCheckResult:
    broken = unreconciled_files(source_inventory)
    return dg.AssetCheckResult(
        passed=broken.empty,
        metadata={
            "files": len(source_inventory),
            "unreconciled_files": len(broken),
            "detail": dg.MetadataValue.md(broken.to_csv(index=False) if not broken.empty else "all files reconcile"),
        },
    )
