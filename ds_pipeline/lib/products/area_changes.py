"""What changed in a POA area since last month: 3-5 sentences, each naming a number, a place and a driver, as
catalogue messages with their values (people through the key figures' disclosure control, never raw counts)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ds_pipeline.lib.canonical import IASC_CRITERIA
from ds_pipeline.lib.i18n import N_
from ds_pipeline.lib.products.area_update import AreaUpdate, Change, Place
from ds_pipeline.lib.products.edition import AsOfSlice, KeyFigure

SCALES = {
    "mean_scale1_score": N_("livelihoods and basic services"),
    "mean_scale2_score": N_("safety and social cohesion"),
}
GROUPS = {
    "idp_in_camp": N_("IDPs in camps"),
    "idp_out_of_camp": N_("IDPs out of camps"),
    "returnee": N_("returnees"),
}


@dataclass(frozen=True)
class Number:
    """A number of a sentence that is not a count of people: actions, organisations, a score, percentage points."""

    value: float
    kind: str  # count | score | points


@dataclass(frozen=True)
class Term:
    """A catalogue term inside a sentence (a criterion, a scale, a population group)."""

    message: str


def _figure(update: AreaUpdate, name: str) -> KeyFigure:
    return next(f for f in update.key_figures if f.figure == name)


def _largest_change_subdistrict(update: AreaUpdate, current: AsOfSlice, previous: AsOfSlice) -> Place | None:
    """The sub-district whose returnees (Return Index) moved most between last month's round and this month's."""
    if current.severity_round == previous.severity_round or previous.severity.empty or current.severity.empty:
        return None
    codes = {p.pcode: p for p in update.subdistricts}

    def by_subdistrict(part: AsOfSlice) -> pd.Series:
        rows = part.severity[(part.severity["area_level"] == "subdistrict") & part.severity["area_id"].isin(codes)]
        return pd.to_numeric(rows.set_index("area_id")["returnee_individuals"], errors="coerce")

    # only sub-districts with Return Index data in both rounds: a sub-district assessed in one of them is not a
    # movement of its whole population
    change = by_subdistrict(current).sub(by_subdistrict(previous)).abs().dropna()
    change = change[change > 0]
    if change.empty:
        return None
    ranked = change.sort_index(kind="mergesort").sort_values(ascending=False, kind="mergesort")
    return codes[str(ranked.index[0])]


def _returnees(update: AreaUpdate, current: AsOfSlice, previous: AsOfSlice) -> Change:
    figure = _figure(update, "returnees")
    if figure.value is None:
        return Change(N_("No DTM data on returnees in {place} as of {date}."), {"place": update.area,
                                                                                "date": update.as_of})
    driver = _largest_change_subdistrict(update, current, previous)
    if driver is not None:
        return Change(
            N_("Returnees in {place}: {figure} at the end of {month} ({change} since {previous_month}); the "
               "Return Index shows the largest movement in {driver}."),
            {"place": update.area, "figure": figure, "change": figure, "month": update.month,
             "previous_month": update.previous_month, "driver": driver},
        )
    return Change(
        N_("Returnees in {place}: {figure} at the end of {month} ({change} since {previous_month}), as counted by "
           "DTM round {round}."),
        {"place": update.area, "figure": figure, "change": figure, "month": update.month,
         "previous_month": update.previous_month, "round": figure.source.removeprefix("DTM ")},
    )


def _severity(update: AreaUpdate, current: AsOfSlice) -> Change | None:
    figure = _figure(update, "returnees_in_high_severity")
    rows = current.severity[(current.severity["area_level"] == "poa_area")
                            & (current.severity["area_id"].astype(str) == update.area.name_en)] \
        if not current.severity.empty else current.severity
    if figure.value is None or rows.empty:
        return None
    scores = {column: float(rows.iloc[0][column]) for column in SCALES if pd.notna(rows.iloc[0][column])}
    if not scores:
        return None
    worst = max(sorted(scores), key=lambda column: scores[column])
    return Change(
        N_("{figure} returnees in {place} live in locations of high severity; conditions are worst on the "
           "{driver} scale (mean score {score} out of 100, Return Index {round})."),
        {"figure": figure, "place": update.area, "driver": Term(SCALES[worst]),
         "score": Number(scores[worst], "score"), "round": update.severity_round},
    )


def _criteria(update: AreaUpdate) -> Change | None:
    criteria = update.criteria
    gaps = criteria[criteria["assessed"] & criteria["gap_pp"].notna()] if "gap_pp" in criteria.columns \
        else criteria.iloc[0:0]
    if gaps.empty:
        return None
    worst = gaps.assign(gap=pd.to_numeric(gaps["gap_pp"], errors="coerce")).sort_values(
        ["gap", "criterion", "population_group"], kind="mergesort").iloc[0]
    if worst["gap"] >= 0:
        return None
    return Change(
        N_("The widest gap to non-displaced residents in {place} is on {driver}: {points} percentage points for "
           "{group} (household survey {round})."),
        {"place": update.area, "driver": Term(IASC_CRITERIA[int(worst["criterion"])]),
         "points": Number(float(worst["gap"]), "points"), "group": Term(GROUPS[str(worst["population_group"])]),
         "round": update.survey_round},
    )


def _poa(update: AreaUpdate) -> Change:
    status = update.poa_status
    if status.empty:
        return Change(N_("No POA progress report from {place} for {month}."),
                      {"place": update.area, "month": update.month})
    total = int(pd.to_numeric(status["actions"]).sum())
    overdue = update.poa_overdue
    if overdue.empty:
        done = int(pd.to_numeric(status["completed"]).sum() + pd.to_numeric(status["on_track"]).sum())
        return Change(
            N_("None of the {total} POA actions in {place} was overdue at the end of {month}; {count} are completed "
               "or on track."),
            {"total": Number(total, "count"), "place": update.area, "month": update.month,
             "count": Number(done, "count")},
        )
    leads = overdue["lead_org"].astype(str).value_counts().sort_index(kind="mergesort")
    lead = leads.sort_values(ascending=False, kind="mergesort").index[0]
    return Change(
        N_("{count} of the {total} POA actions in {place} were overdue at the end of {month}; {driver} leads "
           "{lead_count} of them."),
        {"count": Number(len(overdue), "count"), "total": Number(total, "count"), "place": update.area,
         "month": update.month, "driver": lead, "lead_count": Number(int(leads[lead]), "count")},
    )


def _services(update: AreaUpdate) -> Change:
    directory = update.directory
    if directory.empty or not update.coverage_month:
        return Change(N_("The 4W reports no organisation active in {place} for {month}."),
                      {"place": update.area, "month": update.coverage_month or update.month})
    organisations = directory["org_acronym"].astype(str).nunique()
    criteria = pd.to_numeric(directory["iasc_criterion"], errors="coerce").dropna().astype(int)
    if criteria.empty:
        return Change(N_("{count} organisations reported activities in {place} in {month} (4W)."),
                      {"count": Number(organisations, "count"), "place": update.area, "month": update.coverage_month})
    top = criteria.value_counts().sort_index().sort_values(ascending=False, kind="mergesort").index[0]
    return Change(
        N_("{count} organisations reported activities in {place} in {month} (4W), most of them on {driver}."),
        {"count": Number(organisations, "count"), "place": update.area, "month": update.coverage_month,
         "driver": Term(IASC_CRITERIA[int(top)])},
    )


def area_changes(update: AreaUpdate, current: AsOfSlice, previous: AsOfSlice) -> list[Change]:
    """3 to 5 sentences: returnees, high severity, the widest criterion gap, the POA, who is active."""
    changes: list[Change | None] = [
        _returnees(update, current, previous), _severity(update, current), _criteria(update), _poa(update),
        _services(update),
    ]
    return [c for c in changes if c is not None]
