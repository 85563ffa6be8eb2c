"""Raw stage: every file of every registered source read as received, with file hash, time and row numbers."""

from collections.abc import Sequence

import dagster as dg
import pandas as pd

from ds_pipeline.defs.kinds import KINDS, backfill_policy_of, partitions_of
from ds_pipeline.defs.metadata import OWNERS, cadence_note, column_schema, freshness_policy, registry_at_load
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.column_schemas import raw_table
from ds_pipeline.lib.readers import READ_PROBLEM, read_kind
from ds_pipeline.lib.registry import SourceEntry


def raw_asset(kind: str, registry: Sequence[SourceEntry] = ()) -> dg.AssetsDefinition:
    """The raw asset of a kind; `registry` (read when the definitions load) gives its sources' freshness policy."""
    cadences = cadence_note(kind, registry)

    @dg.asset(
        name=f"{kind}_raw",
        group_name="raw",
        partitions_def=partitions_of(kind),
        backfill_policy=backfill_policy_of(kind),
        kinds={"pandas"},
        owners=OWNERS,
        freshness_policy=freshness_policy(kind, registry),
        metadata={**column_schema(raw_table(kind)), **({"expected_cadence": cadences} if cadences else {})},
        description=f"Rows of every {kind} source file as received (text), with provenance."
        + (f" Expected cadence: {cadences}." if cadences else ""),
    )
    def _raw(context: dg.AssetExecutionContext, sources: SourcesFolder) -> pd.DataFrame:
        registry = sources.registry()
        round_ids = context.partition_keys if partitions_of(kind) is not None else [None]  # one or several rounds
        frames = [read_kind(sources.root, registry, kind, round_id) for round_id in round_ids]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        files = frame["source_file"].nunique()
        unreadable = int((frame[READ_PROBLEM] != "").sum())
        context.log.info(f"{kind}: read {len(frame)} rows from {files} files ({unreadable} with a read problem)")
        context.add_output_metadata({"files": files, "rows_with_read_problem": unreadable})
        return frame

    return _raw


@dg.definitions
def defs() -> dg.Definitions:
    registry = registry_at_load()  # at load time, not at import: DS_SOURCES_DIR names the folder
    return dg.Definitions(assets=[raw_asset(kind, registry) for kind in KINDS])
