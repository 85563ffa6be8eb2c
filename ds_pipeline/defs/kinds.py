"""Which source kinds are partitioned by round, and the asset names of each stage."""

from ds_pipeline.defs.partitions import rounds

KINDS = ("gazetteer", "displacement", "return_index", "service_mapping", "poa_submission", "household_survey")
ROUND_KINDS = ("displacement", "return_index")


def partitions_of(kind: str):
    return rounds if kind in ROUND_KINDS else None


def indicator_columns(kind: str, settings: dict) -> list[str]:
    """The survey's indicator columns (from settings) are validated as 1 / 0 / blank."""
    return list(settings["survey"]["indicators"]) if kind == "household_survey" else []
