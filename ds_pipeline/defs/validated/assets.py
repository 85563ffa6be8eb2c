"""Validated stage: pandera schemas type and check raw rows; rows that fail go to quarantine with a reason."""

import warnings

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

from ds_pipeline.defs.kinds import KINDS, backfill_policy_of, indicator_columns, partitions_of
from ds_pipeline.defs.metadata import OWNERS, column_schema
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.column_schemas import rejected_table, validated_table
from ds_pipeline.lib.settings import future_date_tolerance_days, household_sizes
from ds_pipeline.lib.validation import MODELS, validate_raw


def validated_type(kind: str) -> dg.DagsterType:
    """The pandera model of a kind as a Dagster type: its column schema shows in the UI and checks the output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the function is marked beta
        return pandera_schema_to_dagster_type(MODELS[kind])


def validated_asset(kind: str) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"{kind}_validation",
        group_name="validated",
        partitions_def=partitions_of(kind),
        backfill_policy=backfill_policy_of(kind),
        ins={"raw": dg.AssetIn(f"{kind}_raw")},
        outs={
            f"{kind}_validated": dg.AssetOut(
                kinds={"pandas"},
                owners=OWNERS,
                metadata=column_schema(validated_table(kind)),
                description=f"{kind} rows that passed validation.",
                dagster_type=validated_type(kind),
            ),
            f"{kind}_rejected_at_validation": dg.AssetOut(
                kinds={"pandas"}, owners=OWNERS, metadata=column_schema(rejected_table()),
                description=f"{kind} rows quarantined by validation, with file, row and reason.",
            ),
        },
    )
    def _validate(context: dg.AssetExecutionContext, sources: SourcesFolder, raw: pd.DataFrame):
        settings = sources.settings()
        accepted, rejected = validate_raw(
            raw,
            kind,
            sources.entry_of(),
            indicator_columns(kind, settings),
            household_sizes(settings),
            future_date_tolerance_days(settings),
        )
        context.log.info(f"{kind}: {len(raw)} rows read, {len(accepted)} valid, {len(rejected)} quarantined")
        return accepted, rejected

    return _validate


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[validated_asset(kind) for kind in KINDS])
