"""The brief's "What changed" sentences: a number, a place and a driver each, from the protected tables.

Ties are never hidden: where several areas, criteria or indicators share the largest value a sentence names, all
of them are named (in p-code, name or criterion order), compared on the values as published (rounded). A
component is called "stable" only when it moved by less than its naming threshold in either direction; a move
beyond the threshold the other way is named as such.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ds_pipeline.lib.canonical import IASC_CRITERIA
from ds_pipeline.lib.metrics.severity import MEAN_INDICATOR_COLUMNS
from ds_pipeline.lib.products.disclosure import DisclosureParameters, is_small, round_half_away
from ds_pipeline.lib.products.edition import AsOfSlice, KeyFigure, PublicationTable
from ds_pipeline.lib.products.formatting import format_people, group_label, is_suppressed, number_text

SCALE_LABELS = {
    "mean_scale1_score": "livelihoods and basic services",
    "mean_scale2_score": "safety and social cohesion",
}
SCALE_DRIVER_MIN_POINTS = 0.5  # a Return Index scale moving less than this is not named as the driver
INDICATOR_DRIVER_MIN_PP = 1.0  # an indicator mean moving less than this (percentage points) is not named either
INDICATOR_DRIVERS_NAMED = 2  # at most this many indicators are named as drivers (more when tied with the last)
MAX_SENTENCES = 5


def join_names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def tied_leaders(frame: pd.DataFrame, column: str, order_by: list[str], largest: bool = True) -> pd.DataFrame:
    """The rows sharing the largest (or smallest) value of `column`, ordered by `order_by`."""
    values = frame[column].astype(float)
    best = values.max() if largest else values.min()
    return frame[values == best].sort_values(order_by, kind="mergesort")


def _indicator_moves(source: pd.Series, worsening: int, indicator_names: dict[str, str]) -> list[tuple[str, float]]:
    """The indicators whose returnee-weighted mean moved most in the direction of the change (name, move in
    percentage points), largest move first; at most INDICATOR_DRIVERS_NAMED, plus any tied with the last one named
    (as shown, to the whole point); none moving by at least INDICATOR_DRIVER_MIN_PP gives []."""
    moves: dict[str, float] = {}
    for column in MEAN_INDICATOR_COLUMNS:
        if column not in source.index or f"{column}_previous" not in source.index:
            continue
        now, before = source[column], source[f"{column}_previous"]
        if pd.isna(now) or pd.isna(before):
            continue
        move = 100.0 * (float(now) - float(before))
        if worsening * move >= INDICATOR_DRIVER_MIN_PP:
            moves[column] = move
    ranked = sorted(moves, key=lambda c: (-round_half_away(worsening * moves[c]), c))
    named = ranked[:INDICATOR_DRIVERS_NAMED]
    if named:
        last = round_half_away(moves[named[-1]])
        named += [c for c in ranked[INDICATOR_DRIVERS_NAMED:] if round_half_away(moves[c]) == last]
    return [(str(indicator_names.get(c.removeprefix("mean_"), c.removeprefix("mean_"))), moves[c]) for c in named]


def _scales_against(scale_changes: dict[str, float], worsening: int) -> list[str]:
    """The scales that moved by at least the naming threshold against the direction of the change."""
    return [c for c in sorted(scale_changes) if -worsening * scale_changes[c] >= SCALE_DRIVER_MIN_POINTS]


def _scores_note(scale_changes: dict[str, float], worsening: int) -> str:
    against = _scales_against(scale_changes, worsening)
    if not against:
        return "scores stable"
    moved = "improving" if worsening > 0 else "worsening"
    parts = [f"{SCALE_LABELS[c]} {number_text(scale_changes[c], 1, signed=True)} points" for c in against]
    return f"scores {moved} ({join_names(parts)})"


def _severity_driver(source: pd.Series, direction: str, params: DisclosureParameters,
                     indicator_names: dict[str, str], amount_shown: bool = True) -> str:
    """What moved a district's returnees in high severity: the Return Index indicators (or, without indicator
    means, the scales) that worsened or improved most, the number of locations in high severity, or the number
    of returnees living in them. The change in returnees is not given when `amount_shown` is False (the district's
    returnees are suppressed in the published table) or when either round's count is below the threshold."""
    worsening = 1 if direction == "rose" else -1
    scale_changes = {c: float(source[c] - source[f"{c}_previous"]) for c in SCALE_LABELS}
    best = max(worsening * change for change in scale_changes.values())
    if best >= SCALE_DRIVER_MIN_POINTS:
        drivers = _indicator_moves(source, worsening, indicator_names)
        if drivers:
            moves = [f"{number_text(move, 0, signed=True)} pp" for _, move in drivers]
            named = [f"{drivers[0][0]} ({moves[0]} in the returnee-weighted share of the condition not met)"]
            named += [f"{name} ({move})" for (name, _), move in zip(drivers[1:], moves[1:], strict=True)]
            return "driven by " + join_names(named)
        scales = [c for c in sorted(scale_changes)
                  if round_half_away(worsening * scale_changes[c], 1) == round_half_away(best, 1)]
        points = number_text(scale_changes[scales[0]], 1, signed=True)
        if len(scales) > 1:
            return f"driven by both scales ({points} points each)"
        return f"driven by the {SCALE_LABELS[scales[0]]} scale ({points} points)"
    scores = _scores_note(scale_changes, worsening)
    locations = source["locations_high"] - source["locations_high_previous"]
    if not pd.isna(locations) and worsening * locations > 0:
        noun = "location" if abs(locations) == 1 else "locations"
        more = "more" if locations > 0 else "fewer"
        return f"driven by {abs(int(locations))} {more} {noun} in high severity, with {scores}"
    now, before = source["returnee_individuals"], source["returnee_individuals_previous"]
    returnees = float(now - before)
    more = "more" if returnees > 0 else "fewer"
    small = is_small(now, params.min_individuals) or is_small(before, params.min_individuals)
    amount = f" ({format_people(abs(returnees), params)})" if amount_shown and not small else ""
    if pd.isna(locations) or locations == 0:
        places = "locations in high severity unchanged"
    else:
        places = f"{abs(int(locations))} {'more' if locations > 0 else 'fewer'} locations in high severity"
    return f"driven by {more} returnees in the district{amount}, with {scores} and {places}"


def _area_names(tables: dict[str, PublicationTable]) -> dict[str, str]:
    names: dict[str, str] = {}
    for name in ("area_severity", "displacement"):
        frame = tables[name].frame
        if not frame.empty:
            governorates = frame[frame["area_level"] == "governorate"]
            names.update(dict(zip(governorates["area_id"], governorates["area_name"], strict=True)))
    return names


def _criteria_text(criteria: Sequence[int]) -> str:
    numbers = sorted(int(c) for c in criteria)
    names = [IASC_CRITERIA.get(c, "").lower() for c in numbers]
    if len(numbers) == 1:
        return f"criterion {numbers[0]}, {names[0]}"
    return f"criteria {join_names([str(n) for n in numbers])} ({'; '.join(names)})"


def _severity_sentence(tables: dict[str, PublicationTable], part: AsOfSlice, params: DisclosureParameters,
                       indicator_names: dict[str, str]) -> str | None:
    severity = tables["area_severity"].frame
    if severity.empty:
        return None
    names = _area_names(tables)
    districts = severity[severity["area_level"] == "district"].copy()
    raw_districts = part.severity[part.severity["area_level"] == "district"].set_index("area_id")
    changed = districts.dropna(subset=["returnees_in_high_severity_change"])
    changed = changed[changed["returnees_in_high_severity_change"] != 0]
    if not changed.empty:
        rises = changed[changed["returnees_in_high_severity_change"] > 0]
        pool = (rises if not rises.empty else changed).copy()
        pool["_size"] = pool["returnees_in_high_severity_change"].abs().astype(float)
        leaders = tied_leaders(pool, "_size", ["admin1_pcode", "area_id"])
        pick = leaders.iloc[0]
        source = raw_districts.loc[pick["area_id"]]
        direction = "rose" if pick["returnees_in_high_severity_change"] > 0 else "fell"
        value = pick["returnees_high"]
        driver = _severity_driver(source, direction, params, indicator_names,
                                  amount_shown=not is_suppressed(pick, "returnee_individuals"))
        text = (
            f"{pick['area_name']} ({names.get(pick['admin1_pcode'], pick['admin1_pcode'])}): returnees living in "
            f"high-severity locations {direction} by "
            f"{format_people(abs(float(pick['returnees_in_high_severity_change'])), params)} to "
            f"{format_people(value, params) if not pd.isna(value) else 'a suppressed number'} between "
            f"{pick['previous_round_id']} and {pick['round_id']}; {driver}."
        )
        if len(leaders) > 1:
            others = [f"{r['area_name']} ({names.get(r['admin1_pcode'], r['admin1_pcode'])})"
                      for _i, r in leaders.iloc[1:].iterrows()]
            text += f" The number {direction} by as much in {join_names(others)}."
        return text
    published = districts.dropna(subset=["returnees_high"])
    if published.empty:
        return None
    leaders = tied_leaders(published, "returnees_high", ["admin1_pcode", "area_id"])
    places = [f"{r['area_name']} ({names.get(r['admin1_pcode'], r['admin1_pcode'])})" for _i, r in leaders.iterrows()]
    top = leaders.iloc[0]
    if len(leaders) > 1:
        return (
            f"{join_names(places)} have the most returnees in high-severity locations "
            f"({format_people(top['returnees_high'], params)} each, {top['round_id']})."
        )
    source = raw_districts.loc[top["area_id"]]
    scores = {c: round_half_away(float(source[c]), 1) for c in sorted(SCALE_LABELS)}
    worst = max(scores.values())
    worse = [c for c in scores if scores[c] == worst]
    if len(worse) > 1:
        scale_text = f"its two scales score the same ({worst:.1f})"
    else:
        scale_text = f"its {SCALE_LABELS[worse[0]]} score is the worse of the two scales ({worst:.1f})"
    return (
        f"{places[0]} has the most returnees in high-severity locations "
        f"({format_people(top['returnees_high'], params)}, {top['round_id']}); {scale_text}."
    )


def _camps_sentence(tables: dict[str, PublicationTable], part: AsOfSlice, params: DisclosureParameters,
                    camps: KeyFigure) -> str | None:
    idp_round = part.displacement_rounds_by_type.get("idp", "")
    if camps.value is None or not idp_round:
        return None
    displacement = tables["displacement"].frame
    text = f"IDPs in camps number {format_people(camps.value, params, significant=True)} in {idp_round}"
    previous_round = part.displacement_previous_rounds_by_type.get("idp", "")
    if previous_round:
        raw_idp = part.displacement[
            (part.displacement["area_level"] == "governorate") & (part.displacement["population_type"] == "idp")
        ]
        compared = raw_idp.dropna(subset=["individuals_in_camp_previous"])
        now = float(compared["individuals_in_camp"].sum())
        before = float(compared["individuals_in_camp_previous"].sum())
        round_change = now - before
        verb = "up" if round_change > 0 else "down" if round_change < 0 else "unchanged"
        hidden = is_small(now, params.min_individuals) or is_small(before, params.min_individuals)
        amount = f" {format_people(abs(round_change), params)}" if round_change and not hidden else ""
        text += f", {verb}{amount} since {previous_round}"
    governorates = displacement.iloc[0:0]
    if not displacement.empty:
        governorates = displacement[
            (displacement["area_level"] == "governorate") & (displacement["population_type"] == "idp")
        ].dropna(subset=["individuals_in_camp_change"])
        governorates = governorates[governorates["individuals_in_camp_change"] != 0].copy()
    if not governorates.empty:
        governorates["_size"] = governorates["individuals_in_camp_change"].abs().astype(float)
        leaders = tied_leaders(governorates, "_size", ["area_id"])
        changes = [
            f"{r['area_name']} ({'+' if float(r['individuals_in_camp_change']) > 0 else '−'}"
            f"{format_people(abs(float(r['individuals_in_camp_change'])), params)} in camps)"
            for _i, r in leaders.iterrows()
        ]
        largest = "the largest change is" if len(changes) == 1 else "the largest changes, of the same size, are"
        text += f"; {largest} in {join_names(changes)}"
    return text + "."


def _poa_sentence(tables: dict[str, PublicationTable], part: AsOfSlice) -> str | None:
    if not part.poa_month:
        return None
    overdue = tables["poa_overdue_actions"].frame
    if overdue.empty:
        return f"No POA action was overdue at the end of {part.poa_month}."
    by_area = overdue.groupby("area").size().rename("actions").reset_index()
    areas = tied_leaders(by_area, "actions", ["area"])
    by_criterion = overdue.groupby("iasc_criterion").size().rename("actions").reset_index()
    criteria = tied_leaders(by_criterion, "actions", ["iasc_criterion"])["iasc_criterion"].tolist()
    count = int(areas["actions"].iloc[0])
    leads = ", ".join(sorted(set(overdue.loc[overdue["area"].isin(areas["area"]), "lead_org"].astype(str))))
    where = (
        f"{count} of them in {areas['area'].iloc[0]}" if len(areas) == 1
        else f"{count} each in {join_names(areas['area'].tolist())}"
    )
    if len(criteria) == 1:
        concern = "most concern"
    elif len(criteria) == len(by_criterion):
        concern = "they concern, in equal numbers,"
    else:
        concern = "most concern, in equal numbers,"
    return (
        f"{len(overdue)} POA action{'s' if len(overdue) != 1 else ''} overdue at the end of {part.poa_month}, "
        f"{where} (lead: {leads}); {concern} {_criteria_text(criteria)}."
    )


def _criteria_sentence(tables: dict[str, PublicationTable]) -> str | None:
    criteria = tables["criteria_progress"].frame
    if criteria.empty:
        return None
    published = criteria[criteria["assessed"].astype(bool)].dropna(subset=["gap_pp"])
    if published.empty:
        return None
    published = published.assign(_gap=published["gap_pp"].astype(float))
    published["_level"] = published["area_level"].map({"poa_area": 0, "district": 1})
    leaders = tied_leaders(published, "_gap", ["_level", "area_id", "criterion", "population_group"], largest=False)
    # a POA area that is one district repeats the district's row: one place, named once
    leaders = leaders.drop_duplicates(["area_name", "population_group", "criterion"])
    worst = leaders.iloc[0]
    if worst["_gap"] >= 0:
        return None
    text = (
        f"The widest criteria gap is in {worst['area_name']}: "
        f"{group_label(worst['population_group'])} are "
        f"{abs(int(worst['_gap']))} percentage points below non-displaced residents on criterion "
        f"{int(worst['criterion'])}, {worst['criterion_name'].lower()} ({worst['survey_round']} survey)."
    )
    if len(leaders) > 1:
        others = [
            f"{group_label(r['population_group'])} in {r['area_name']} on "
            f"criterion {int(r['criterion'])}"
            for _i, r in leaders.iloc[1:].iterrows()
        ]
        text += f" The gap is as wide for {join_names(others)}."
    return text


def _service_gap_sentence(tables: dict[str, PublicationTable], part: AsOfSlice) -> str | None:
    gaps = tables["service_gaps"].frame
    if not part.coverage_month or gaps.empty:
        return None
    raw = part.service_gaps.dropna(subset=["returnee_individuals"])
    if raw.empty:  # no district in need has Return Index data: name the first in p-code order
        raw = part.service_gaps
    ranked = raw.assign(_returnees=raw["returnee_individuals"].fillna(0.0).astype(float))  # ordering only
    leaders = tied_leaders(ranked, "_returnees", ["area_id"]).drop_duplicates("area_id")
    top = leaders.iloc[0]
    top_criteria = sorted(int(c) for c in raw.loc[raw["area_id"] == top["area_id"], "iasc_criterion"])
    published = gaps[(gaps["area_id"] == top["area_id"]) & (gaps["iasc_criterion"] == top_criteria[0])]
    reason = published.iloc[0]["need_reason"] if not published.empty else ""
    districts = gaps["area_id"].nunique()
    text = (
        f"{districts} district{'s' if districts != 1 else ''} have a need with no active service in "
        f"{part.coverage_month}; in {top['area_name']} nobody is active on {_criteria_text(top_criteria)}"
        f"{f' ({reason})' if reason and len(top_criteria) == 1 else ''}."
    )
    if len(leaders) > 1:
        text += f" {join_names(leaders['area_name'].iloc[1:].tolist())} host as many returnees and have gaps too."
    return text


def what_changed(tables: dict[str, PublicationTable], part: AsOfSlice, params: DisclosureParameters,
                 figures: dict[str, KeyFigure], indicator_names: dict[str, str]) -> list[str]:
    """Up to five sentences: severity, camps, POA, criteria gaps, service gaps (in that order, when available)."""
    sentences = [
        _severity_sentence(tables, part, params, indicator_names),
        _camps_sentence(tables, part, params, figures["idps_in_camps"]),
        _poa_sentence(tables, part),
        _criteria_sentence(tables),
        _service_gap_sentence(tables, part),
    ]
    return [s for s in sentences if s][:MAX_SENTENCES]
