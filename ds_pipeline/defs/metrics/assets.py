"""Metrics stage: area severity, displacement by area, criteria progress, POA status, service coverage."""

import dagster as dg
import pandas as pd

from ds_pipeline.defs.partitions import rounds
from ds_pipeline.defs.resources import SourcesFolder
from ds_pipeline.lib.metrics.criteria import criteria_progress, iris_composite
from ds_pipeline.lib.metrics.displacement import displacement_by_area as displacement_by_area_table
from ds_pipeline.lib.metrics.poa import poa_status
from ds_pipeline.lib.metrics.services import service_coverage as service_coverage_table
from ds_pipeline.lib.metrics.severity import MEAN_INDICATOR_COLUMNS
from ds_pipeline.lib.metrics.severity import area_severity as area_severity_table

# Metrics over all rounds refresh by themselves once their inputs change (when automation is on in the UI).
REFRESH = dg.AutomationCondition.eager()


@dg.asset(group_name="metrics", partitions_def=rounds, kinds={"pandas"},
          description="IDPs and returnees by governorate, district and POA area, by shelter type, per round.")
def displacement_by_area(displacement_conformed: pd.DataFrame) -> pd.DataFrame:
    return displacement_by_area_table(displacement_conformed)


@dg.asset(group_name="metrics", partitions_def=rounds, kinds={"pandas"},
          description="Return Index severity of areas: returnees by severity, weighted scores, hotspots, per round.")
def area_severity(sources: SourcesFolder, return_index_conformed: pd.DataFrame) -> pd.DataFrame:
    cut = sources.settings()["return_index"]
    return area_severity_table(
        return_index_conformed, cut["medium_from"], cut["high_from"], cut["hotspot_min_returnees"]
    )


@dg.asset_check(asset=area_severity, blocking=True, description="shares in 0..1, scores in 0..100, counts add up")
def area_severity_in_range(area_severity: pd.DataFrame) -> dg.AssetCheckResult:
    share = area_severity[["returnees_in_high_severity_share", *MEAN_INDICATOR_COLUMNS]].stack().dropna()
    scores = area_severity[["mean_overall_score", "mean_scale1_score", "mean_scale2_score"]].stack().dropna()
    by_category = area_severity[["returnees_low", "returnees_medium", "returnees_high"]].sum(axis=1)
    problems = {
        "shares_outside_0_1": int((~share.between(0, 1)).sum()),
        "scores_outside_0_100": int((~scores.between(0, 100)).sum()),
        "categories_not_adding_up": int((by_category != area_severity["returnee_individuals"]).sum()),
    }
    return dg.AssetCheckResult(passed=not any(problems.values()), metadata=problems)


@dg.multi_asset(
    group_name="metrics",
    outs={
        "criteria_progress": dg.AssetOut(kinds={"pandas"}, automation_condition=REFRESH, description=(
            "Per area, displaced group and IASC criterion: value, non-displaced benchmark, gap, share at or above.")),
        "iris_composite": dg.AssetOut(kinds={"pandas"}, automation_condition=REFRESH, description=(
            "Share of displaced households at or above the benchmark on every assessed criterion (IRIS).")),
    },
)
def criteria_metrics(sources: SourcesFolder, household_survey_conformed: pd.DataFrame):
    indicators = sources.settings()["survey"]["indicators"]
    return (
        criteria_progress(household_survey_conformed, indicators),
        iris_composite(household_survey_conformed, indicators),
    )


@dg.multi_asset(
    group_name="metrics",
    outs={
        "poa_status_by_criterion": dg.AssetOut(kinds={"pandas"}, automation_condition=REFRESH, description=(
            "POA actions per area and criterion by status (on track, delayed, overdue, completed), per month.")),
        "poa_overdue_actions": dg.AssetOut(kinds={"pandas"}, automation_condition=REFRESH, description=(
            "Actions past their due date and not completed, with lead organisation, per month.")),
        "poa_timeliness": dg.AssetOut(kinds={"pandas"}, automation_condition=REFRESH, description=(
            "Whether each area's monthly POA report arrived by the deadline.")),
    },
)
def poa_metrics(sources: SourcesFolder, poa_submission_conformed: pd.DataFrame):
    deadline_day = int(sources.settings().get("poa", {}).get("deadline_day", 10))
    return poa_status(poa_submission_conformed, deadline_day=deadline_day)


@dg.asset(group_name="metrics", kinds={"pandas"}, automation_condition=REFRESH,
          description="Active organisations and activities per month, district, criterion and sector (4W).")
def service_coverage(service_mapping_conformed: pd.DataFrame) -> pd.DataFrame:
    return service_coverage_table(service_mapping_conformed)
