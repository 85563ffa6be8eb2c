"""Metrics stage: area severity, displacement by area, criteria progress, POA status, service coverage."""

import dagster as dg
import pandas as pd

from ds_pipeline.defs.metadata import metric_asset_args, metric_out
from ds_pipeline.defs.partitions import ROUND_BACKFILL, rounds
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.metrics.criteria import criteria_progress, iris_composite, scored_households
from ds_pipeline.lib.metrics.displacement import displacement_by_area as displacement_by_area_table
from ds_pipeline.lib.metrics.poa import poa_status
from ds_pipeline.lib.metrics.reconcile import severity_totals_mismatch
from ds_pipeline.lib.metrics.services import service_coverage as service_coverage_table
from ds_pipeline.lib.metrics.severity import area_severity as area_severity_table
from ds_pipeline.lib.settings import household_sizes, sector_criteria

# Metrics over all rounds refresh by themselves once their inputs change (when automation is on in the UI).
REFRESH = dg.AutomationCondition.eager()


@dg.asset(group_name="metrics", partitions_def=rounds, backfill_policy=ROUND_BACKFILL,
          **metric_asset_args("displacement_by_area"),
          description="IDPs and returnees by governorate, district and POA area, by shelter type, per round.")
def displacement_by_area(sources: SourcesFolder, displacement_conformed: pd.DataFrame) -> pd.DataFrame:
    sizes = household_sizes(sources.settings())
    return displacement_by_area_table(displacement_conformed, sizes.camp_household_size, sizes.household_size)


@dg.asset(group_name="metrics", partitions_def=rounds, backfill_policy=ROUND_BACKFILL,
          **metric_asset_args("area_severity"),
          description="Return Index severity of areas: returnees by severity, weighted scores, hotspots, per round.")
def area_severity(sources: SourcesFolder, return_index_conformed: pd.DataFrame) -> pd.DataFrame:
    cut = sources.settings()["return_index"]
    return area_severity_table(
        return_index_conformed, cut["medium_from"], cut["high_from"], cut["hotspot_min_returnees"]
    )


@dg.asset_check(
    asset=area_severity, blocking=True, partitions_def=rounds,
    additional_ins={"return_index_conformed": dg.AssetIn("return_index_conformed")},
    description="Returnees per governorate, district and sub-district equal the sum of the round's conformed "
    "Return Index locations; low + medium + high = returnees",
)
def area_severity_matches_return_index(
    area_severity: pd.DataFrame, return_index_conformed: pd.DataFrame
) -> dg.AssetCheckResult:
    mismatch = severity_totals_mismatch(area_severity, return_index_conformed)
    listed = "; ".join(f"{r.round_id} {r.area_level} {r.area_id}: {r.problem} ({r.area_severity} vs {r.return_index})"
                       for r in mismatch.head(5).itertuples())
    return dg.AssetCheckResult(
        passed=mismatch.empty,
        metadata={
            "areas": len(area_severity),
            "mismatched_areas": len(mismatch),
            "message": "every area matches the Return Index" if mismatch.empty
            else f"area_severity does not match the Return Index: {listed}",
        },
    )


@dg.multi_asset(
    group_name="metrics",
    outs={
        "criteria_progress": metric_out("criteria_progress", automation_condition=REFRESH, description=(
            "Per area, displaced group and IASC criterion: value, non-displaced benchmark, gap, share at or above.")),
        "iris_composite": metric_out("iris_composite", automation_condition=REFRESH, description=(
            "Share of displaced households at or above the benchmark on every assessed criterion (IRIS).")),
    },
)
def criteria_metrics(sources: SourcesFolder, household_survey_conformed: pd.DataFrame):
    indicators = sources.settings()["survey"]["indicators"]
    scored = scored_households(household_survey_conformed, indicators)  # once, for both tables
    return (
        criteria_progress(household_survey_conformed, indicators, scored),
        iris_composite(household_survey_conformed, indicators, scored),
    )


@dg.multi_asset(
    group_name="metrics",
    outs={
        "poa_status_by_criterion": metric_out("poa_status_by_criterion", automation_condition=REFRESH, description=(
            "POA actions per area and criterion by status (on track, delayed, overdue, completed), per month.")),
        "poa_overdue_actions": metric_out("poa_overdue_actions", automation_condition=REFRESH, description=(
            "Actions past their due date and not completed, with lead organisation, per month.")),
        "poa_timeliness": metric_out("poa_timeliness", automation_condition=REFRESH, description=(
            "Whether each area's monthly POA report arrived by the deadline.")),
    },
)
def poa_metrics(sources: SourcesFolder, poa_submission_conformed: pd.DataFrame):
    deadline_day = int(sources.settings().get("poa", {}).get("deadline_day", 10))
    return poa_status(poa_submission_conformed, deadline_day=deadline_day)


@dg.asset(group_name="metrics", **metric_asset_args("service_coverage"), automation_condition=REFRESH,
          description="Active organisations and activities per month, district, criterion and sector (4W).")
def service_coverage(sources: SourcesFolder, service_mapping_conformed: pd.DataFrame) -> pd.DataFrame:
    return service_coverage_table(service_mapping_conformed, sector_criteria(sources.settings()))
