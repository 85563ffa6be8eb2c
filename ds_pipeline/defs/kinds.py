"""Which source kinds are partitioned by round, and the asset names of each stage."""

import dagster as dg

from ds_pipeline.defs.partitions import ROUND_BACKFILL, rounds

KINDS = ("gazetteer", "displacement", "return_index", "service_mapping", "poa_submission", "household_survey")
ROUND_KINDS = ("displacement", "return_index")


def partitions_of(kind: str) -> dg.DynamicPartitionsDefinition | None:
    return rounds if kind in ROUND_KINDS else None


def backfill_policy_of(kind: str) -> dg.BackfillPolicy | None:
    """Round kinds: several rounds per run (partitions.ROUND_BACKFILL)."""
    return ROUND_BACKFILL if kind in ROUND_KINDS else None


def indicator_columns(kind: str, settings: dict) -> list[str]:
    """The survey's indicator columns (from settings) are validated as 1 / 0 / blank."""
    return list(settings["survey"]["indicators"]) if kind == "household_survey" else []
