"""Raw stage: every file of every registered source read as received, with file hash, time and row numbers."""

import dagster as dg
import pandas as pd

from ds_pipeline.defs.kinds import KINDS, partitions_of
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.readers import READ_PROBLEM, read_kind


def raw_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{kind}_raw",
        group_name="raw",
        partitions_def=partitions_of(kind),
        kinds={"pandas"},
        description=f"Rows of every {kind} source file as received (text), with provenance.",
    )
    def _raw(context: dg.AssetExecutionContext, sources: SourcesFolder) -> pd.DataFrame:
        round_id = context.partition_key if context.has_partition_key else None
        frame = read_kind(sources.root, sources.registry(), kind, round_id)
        files = frame["source_file"].nunique()
        unreadable = int((frame[READ_PROBLEM] != "").sum())
        context.log.info(f"{kind}: read {len(frame)} rows from {files} files ({unreadable} with a read problem)")
        context.add_output_metadata({"files": files, "rows_with_read_problem": unreadable})
        return frame

    return _raw


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[raw_asset(kind) for kind in KINDS])
