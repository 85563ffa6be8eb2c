"""The criteria progress table (gap of each displaced group to non-displaced residents on the 8 IASC criteria,
household survey): its fields, HXL tags, disclosure spec (with the small-benchmark rule) and builder."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    DisclosureSpec,
    Suppression,
    is_small,
    protect_table,
    row_key,
)
from ds_pipeline.lib.products.edition import CRITERIA_KEYS, AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.tables.common import FLAG_FIELD, area_fields, column_relations, finish, pct, poa_members

NAME = "criteria_progress"
# published criteria cells that rest on the non-displaced benchmark
BENCHMARK_DERIVED = ("gap_pp", "share_at_or_above_benchmark_pct", "gap_change_pp")
DERIVED = ["value_pct", "gap_pp", "share_at_or_above_benchmark_pct", "gap_change_pp"]


def criteria_fields() -> list[Field]:
    return [
        Field("survey_round", "string", "Household survey round", "#meta+round"),
        *area_fields(),
        Field("population_group", "string", "Displaced group compared with non-displaced residents",
              "#population+type"),
        Field("criterion", "integer", "IASC durable-solutions criterion (1-8)", "#indicator+code"),
        Field("criterion_name", "string", "IASC criterion", "#indicator+name"),
        Field("assessed", "boolean", "False: not assessed (no indicator with data for both groups)",
              "#indicator+assessed"),
        Field("indicators_assessed", "integer", "Indicators with data", "#indicator+num"),
        Field("households", "integer", "Surveyed households of the group", "#indicator+num+hh"),
        Field("value_pct", "integer", "Group's weighted mean criterion score (%)", "#indicator+value+pct"),
        Field("benchmark_pct", "integer", "Non-displaced residents' mean score (%)",
              "#indicator+value+pct+benchmark"),
        Field("gap_pp", "integer", "Gap to non-displaced (percentage points; negative = displaced worse off)",
              "#indicator+value+gap"),
        Field("share_at_or_above_benchmark_pct", "integer", "Households at or above the benchmark (%)",
              "#indicator+value+pct+at_benchmark"),
        Field("gap_change_pp", "integer", "Change of the gap since the previous survey round (pp)",
              "#indicator+value+gap+change"),
        FLAG_FIELD,
    ]


def criteria_spec(data: pd.DataFrame, settings: dict[str, Any]) -> DisclosureSpec:
    """Households of the group are protected; every share and gap derives from them. The benchmark's own
    households are protected apart: `suppress_small_benchmarks`."""
    return DisclosureSpec(
        key_columns=list(CRITERIA_KEYS),
        counts={"households": ("households", "households")},
        # a POA area's households are the sum of its districts' (per group and criterion)
        column_relations=column_relations(data, poa_members(settings), ["population_group", "criterion"]),
        derived={c: ["households"] for c in DERIVED},
    )


def criteria_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = criteria_fields()
    data = part.criteria
    if data.empty:
        return finish(NAME, "Progress on the 8 IASC criteria", "", fields, pd.DataFrame())
    data = data.copy()
    data["assessed"] = data["assessed"].astype(bool)
    data["value_pct"] = pct(data["value"])
    data["benchmark_pct"] = pct(data["benchmark"])
    data["gap_pp"] = pct(data["gap"])
    data["share_at_or_above_benchmark_pct"] = pct(data["share_at_or_above_benchmark"])
    data["gap_change_pp"] = pct(data["gap_change_since_previous"])
    data["_level"] = data["area_level"].map({"poa_area": 0, "district": 1})
    data = data.sort_values(["_level", "area_id", "population_group", "criterion"], kind="mergesort")
    data = data.reset_index(drop=True)
    protected, suppressions = protect_table(NAME, data, criteria_spec(data, settings), params)
    protected, suppressions = suppress_small_benchmarks(protected, suppressions, params)
    return finish(
        NAME,
        "Progress on the 8 IASC criteria",
        "Gap of each displaced group to non-displaced residents of the same area, per criterion "
        "(household survey, weighted).",
        fields,
        protected,
        suppressions,
    )


def small_benchmark(row: pd.Series, params: DisclosureParameters, column: str = "benchmark_households") -> bool:
    """True where a criteria row's benchmark rests on 1 to threshold - 1 non-displaced households."""
    return is_small(row.get(column), params.min_households)


def suppress_small_benchmarks(
    protected: pd.DataFrame, suppressions: list[Suppression], params: DisclosureParameters
) -> tuple[pd.DataFrame, list[Suppression]]:
    """Blank the benchmark of a protected criteria table where it rests on fewer than the threshold of
    non-displaced households, with the gap, share at or above and gap change computed from it; blank the gap change
    where the previous round's benchmark did. Cells already blank keep their reason."""
    threshold = params.min_households
    keys = list(CRITERIA_KEYS)
    flagged = [{c.strip() for c in str(f or "").split(";") if c.strip()} for f in protected[SUPPRESSED_FLAG_COLUMN]]
    added: dict[tuple[int, str], str] = {}
    for position, row in protected.iterrows():
        if small_benchmark(row, params):
            added[(position, "benchmark_pct")] = (
                f"primary: benchmark from fewer than {threshold} non-displaced households"
            )
            added.update({(position, c): "derived: computed from suppressed benchmark_pct" for c in BENCHMARK_DERIVED})
        elif small_benchmark(row, params, "benchmark_households_previous"):
            added[(position, "gap_change_pp")] = (
                f"derived: previous benchmark from fewer than {threshold} non-displaced households"
            )
    added = {cell: reason for cell, reason in added.items() if cell[1] not in flagged[cell[0]]}
    if not added:
        return protected, suppressions
    protected = protected.copy()
    for position, column in added:
        protected.at[position, column] = pd.NA
        flagged[position].add(column)
    order = {c: i for i, c in enumerate(protected.columns)}
    protected[SUPPRESSED_FLAG_COLUMN] = ["; ".join(sorted(f, key=order.__getitem__)) for f in flagged]
    positions = {row_key(row, keys): position for position, row in protected.iterrows()}
    suppressions = suppressions + [
        Suppression(NAME, row_key(protected.iloc[position], keys), column, reason)
        for (position, column), reason in added.items()
    ]
    suppressions.sort(key=lambda s: (positions[s.row_key], order[s.column]))
    return protected, suppressions
