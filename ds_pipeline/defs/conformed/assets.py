"""Conformed stage: p-codes checked against the gazetteer, admin names resolved, POA areas attached."""

import dagster as dg
import pandas as pd

from ds_pipeline.defs.kinds import KINDS, backfill_policy_of, partitions_of
from ds_pipeline.defs.metadata import OWNERS, column_schema
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.admin_names import load_crosswalk, settings_pcode_problems
from ds_pipeline.lib.column_schemas import conformed_table, rejected_table
from ds_pipeline.lib.conform import Gazetteer, conform
from ds_pipeline.lib.settings import poa_area_of_pcode


def conformed_asset(kind: str) -> dg.AssetsDefinition:
    gazetteer_input = "gazetteer_validated" if kind == "gazetteer" else "gazetteer_conformed"
    ins = {"validated": dg.AssetIn(f"{kind}_validated")}
    if kind != "gazetteer":
        ins["gazetteer"] = dg.AssetIn(gazetteer_input)

    @dg.multi_asset(
        name=f"{kind}_conforming",
        group_name="conformed",
        partitions_def=partitions_of(kind),
        backfill_policy=backfill_policy_of(kind),
        ins=ins,
        outs={
            f"{kind}_conformed": dg.AssetOut(
                kinds={"pandas"}, owners=OWNERS, metadata=column_schema(conformed_table(kind)),
                description=f"{kind} rows with p-codes checked, names resolved, POA areas.",
            ),
            f"{kind}_rejected_at_conforming": dg.AssetOut(
                kinds={"pandas"}, owners=OWNERS, metadata=column_schema(rejected_table()),
                description=f"{kind} rows quarantined while conforming, with reason.",
            ),
        },
    )
    def _conform(context: dg.AssetExecutionContext, sources: SourcesFolder, validated: pd.DataFrame, **upstream):
        settings = sources.settings()
        units = upstream.get("gazetteer", validated)
        accepted, rejected = conform(
            validated,
            kind,
            Gazetteer(units),
            poa_area_of_pcode(settings),
            [area["name"] for area in settings["poa_areas"]],
            sources.entry_of(),
            load_crosswalk(sources.root, settings),
        )
        if kind == "gazetteer":  # the p-codes of settings.yaml must name the units the settings say they are
            problems = settings_pcode_problems(settings, Gazetteer(accepted))
            if problems:
                raise dg.Failure(description="; ".join(problems))
        notes = int((accepted["match_note"] != "").sum())
        context.log.info(f"{kind}: {len(accepted)} conformed, {len(rejected)} quarantined, {notes} names matched")
        context.add_output_metadata({"names_matched_not_exactly": notes}, output_name=f"{kind}_conformed")
        return accepted, rejected

    return _conform


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[conformed_asset(kind) for kind in KINDS])
