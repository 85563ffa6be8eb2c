"""Metrics of each data slice (rounds and 4W month an as-of date chooses): data slices, service gaps, area priority,
the referral directory, and their checks."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from ds_pipeline.defs.metadata import metric_out
from ds_pipeline.defs.metrics.assets import REFRESH
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.metrics import data_slices as slices
from ds_pipeline.lib.metrics.prioritisation import priority_weights

ALL_ROUNDS = dg.AllPartitionMapping()
SLICE_KEY_NOTE = " One row set per data slice (slice_key: the rounds and 4W month an as-of date chooses)."


def _result(asset: str, check: str, problems: list[str], rows: int, passed_message: str) -> dg.AssetCheckResult:
    listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    return dg.AssetCheckResult(
        asset_key=asset, check_name=check, passed=not problems,
        metadata={"rows": rows, "problems": len(problems), "message": listed or passed_message},
    )


def slices_and_keys(asset: str, table: pd.DataFrame, data_slices: pd.DataFrame) -> dg.AssetCheckResult:
    problems = slices.unknown_slices(table, data_slices) + slices.duplicate_rows(table, slices.SLICE_METRIC_KEYS[asset])
    return _result(asset, f"{asset}_slices_and_keys", problems, len(table), "every slice is known and every row unique")


def service_gaps_without_active_organisations(
    service_gaps: pd.DataFrame, service_coverage: pd.DataFrame, data_slices: pd.DataFrame
) -> dg.AssetCheckResult:
    problems = slices.gaps_with_active_organisations(service_gaps, service_coverage, data_slices)
    return _result("service_gaps", "service_gaps_without_active_organisations", problems, len(service_gaps),
                   "no organisation is active on any gap")


def area_priority_ranks(area_priority: pd.DataFrame, settings: dict) -> dg.AssetCheckResult:
    problems = slices.rank_problems(area_priority, priority_weights(settings))
    return _result("area_priority", "area_priority_ranks", problems, len(area_priority),
                   "ranks and components are complete")


def referral_directory_no_personal_data(referral_directory: pd.DataFrame) -> dg.AssetCheckResult:
    problems = slices.personal_data(referral_directory)
    return _result("referral_directory", "referral_directory_no_personal_data", problems, len(referral_directory),
                   "no personal data")


def _keys_description(asset: str) -> str:
    keys = slices.SLICE_METRIC_KEYS[asset]
    return (f"Every slice of {asset} is in data_slices, and no two rows of a slice share "
            f"{', '.join(keys) if len(keys) < 4 else 'every column'}")


# Blocking checks of the slice metrics, run by the step that computes them (one step instead of six).
CHECK_SPECS = [
    *[dg.AssetCheckSpec(f"{asset}_slices_and_keys", asset=asset, blocking=True, description=_keys_description(asset))
      for asset in ("service_gaps", "area_priority", "referral_directory")],
    dg.AssetCheckSpec(
        "service_gaps_without_active_organisations", asset="service_gaps", blocking=True,
        description="A service gap only where the 4W month of its slice reports no active organisation on the "
        "criterion in the district"),
    dg.AssetCheckSpec(
        "area_priority_ranks", asset="area_priority", blocking=True,
        description="Ranks of each slice are 1..n in order of priority score, unranked districts have none, and "
        "components assessed and not assessed name every weighted component"),
    dg.AssetCheckSpec(
        "referral_directory_no_personal_data", asset="referral_directory", blocking=True,
        description="The referral directory holds no personal data: no column for people's names, phone or e-mail, "
        "and no value that looks like a phone number or an e-mail address"),
]
SLICE_TABLES = ("data_slices", "service_gaps", "area_priority", "referral_directory")


@dg.multi_asset(
    name="slice_metrics",
    group_name="metrics",
    ins={"area_severity": dg.AssetIn(partition_mapping=ALL_ROUNDS),
         "displacement_by_area": dg.AssetIn(partition_mapping=ALL_ROUNDS)},
    outs={
        "data_slices": metric_out("data_slices", automation_condition=REFRESH, description=(
            "The data slices: Return Index round, DTM round per population type, survey round and 4W month an "
            "as-of date chooses, with the date each applies from.")),
        "service_gaps": metric_out("service_gaps", automation_condition=REFRESH, description=(
            "Districts in need on an IASC criterion where the 4W month reports no active organisation on it."
            + SLICE_KEY_NOTE)),
        "area_priority": metric_out("area_priority", automation_condition=REFRESH, description=(
            "Districts ranked by an explainable priority score (severity, returns, IDPs, criteria gap, actors)."
            + SLICE_KEY_NOTE)),
        "referral_directory": metric_out("referral_directory", automation_condition=REFRESH, description=(
            "Who provides what where: organisations active in the 4W month, by district." + SLICE_KEY_NOTE)),
    },
    check_specs=CHECK_SPECS,
)
def slice_metrics(
    sources: SourcesFolder,
    area_severity: pd.DataFrame,
    displacement_by_area: pd.DataFrame,
    criteria_progress: pd.DataFrame,
    service_coverage: pd.DataFrame,
    service_mapping_conformed: pd.DataFrame,
    source_inventory: pd.DataFrame,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    settings = sources.settings()
    tables = slices.slice_metric_tables(
        area_severity, displacement_by_area, criteria_progress, service_coverage, service_mapping_conformed,
        source_inventory, settings,
    )
    for name in SLICE_TABLES:
        yield dg.Output(tables[name], output_name=name)
    for asset in ("service_gaps", "area_priority", "referral_directory"):
        yield slices_and_keys(asset, tables[asset], tables["data_slices"])
    yield service_gaps_without_active_organisations(tables["service_gaps"], service_coverage, tables["data_slices"])
    yield area_priority_ranks(tables["area_priority"], settings)
    yield referral_directory_no_personal_data(tables["referral_directory"])
