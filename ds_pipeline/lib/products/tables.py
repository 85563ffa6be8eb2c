"""Publication tables of severity, displacement, the IASC criteria, IRIS and area prioritisation, with their
disclosure specs, and the helpers shared by all publication tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    DisclosureSpec,
    Suppression,
    is_small,
    protect_table,
    round_half_away,
    round_to,
    row_key,
)
from ds_pipeline.lib.products.edition import (
    BENCHMARK_DERIVED,
    CRITERIA_KEYS,
    FLAG_FIELD,
    AsOfSlice,
    Field,
    PublicationTable,
    area_fields,
    iso,
)
from ds_pipeline.lib.settings import household_sizes


def _poa_members(settings: dict[str, Any]) -> dict[str, list[str]]:
    return {str(a["name"]): [str(p) for p in a.get("pcodes", [])] for a in settings.get("poa_areas", []) or []}


def _column_relations(
    frame: pd.DataFrame, poa_members: dict[str, list[str]], group_columns: list[str]
) -> list[tuple[int, list[int]]]:
    """Governorate = sum of its districts; POA area = sum of its districts (when all of them are districts of the
    table; a member district without a row in a group counts 0 there)."""
    relations: list[tuple[int, list[int]]] = []
    data = frame.reset_index(drop=True)
    known_districts = set(data.loc[data["area_level"] == "district", "area_id"].astype(str))
    groups = data.groupby(group_columns, sort=True).groups if group_columns else {(): data.index}
    for _group, index in groups.items():
        rows = data.loc[index]
        districts = rows[rows["area_level"] == "district"]
        for position, row in rows[rows["area_level"] == "governorate"].iterrows():
            parts = districts.index[districts["admin1_pcode"] == row["area_id"]].tolist()
            if parts:
                relations.append((int(position), [int(p) for p in parts]))
        by_id = {a: int(p) for p, a in districts["area_id"].items()}
        for position, row in rows[rows["area_level"] == "poa_area"].iterrows():
            members = poa_members.get(str(row["area_id"]), [])
            parts = [by_id[m] for m in members if m in by_id]
            if members and parts and all(m in known_districts for m in members):
                relations.append((int(position), parts))
    return relations


def _pct(values: pd.Series, scale: float = 100.0) -> pd.Series:
    return pd.array([pd.NA if pd.isna(v) else int(round_to(float(v) * scale, 1)) for v in values], dtype="Int64")


def _rounded(values: pd.Series, decimals: int) -> pd.Series:
    return pd.Series([round_half_away(v, decimals) for v in values], dtype="float64")


def finish(
    name: str, title: str, description: str, fields: list[Field], frame: pd.DataFrame,
    suppressions: list[Suppression] | None = None,
) -> PublicationTable:
    columns = [f.name for f in fields]
    data = frame.reindex(columns=columns).reset_index(drop=True)
    return PublicationTable(name, title, description, fields, data, list(suppressions or []))


def severity_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = [
        Field("round_id", "string", "DTM round of the Return Index data", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *area_fields(),
        Field("locations_assessed", "integer", "Locations of return assessed", "#indicator+num+locations"),
        Field("returnee_individuals", "integer",
              f"Returnees (individuals, rounded to {params.round_individuals_to})", "#affected+returnees+ind"),
        Field("returnees_low", "integer", "Returnees in low-severity locations", "#affected+returnees+ind+low"),
        Field("returnees_medium", "integer", "Returnees in medium-severity locations",
              "#affected+returnees+ind+medium"),
        Field("returnees_high", "integer", "Returnees in high-severity locations", "#affected+returnees+ind+high"),
        Field("returnees_in_high_severity_pct", "integer", "Share of returnees in high-severity locations (%)",
              "#affected+returnees+pct+high"),
        Field("mean_overall_score", "number", "Returnee-weighted mean overall score (0 good .. 100 worst)",
              "#severity+num", 1),
        Field("mean_scale1_score", "number", "Mean score, scale 1: livelihoods and basic services",
              "#severity+num+livelihoods", 1),
        Field("mean_scale2_score", "number", "Mean score, scale 2: safety and social cohesion",
              "#severity+num+safety", 1),
        Field("severity", "string", "Severity category of the mean overall score (low, medium, high)",
              "#severity+type"),
        Field("hotspot", "boolean", "Hotspot: high on either scale, or medium with many returnees",
              "#indicator+hotspot"),
        Field("previous_round_id", "string", "Previous round the change is measured against", "#meta+round+previous"),
        Field("returnees_in_high_severity_change", "integer",
              "Change in returnees in high-severity locations since the previous round",
              "#affected+returnees+ind+high+change"),
        FLAG_FIELD,
    ]
    data = part.severity
    if data.empty:
        return finish("area_severity", "Area severity", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    level_order = {"governorate": 0, "district": 1, "poa_area": 2}
    data["_level"] = data["area_level"].map(level_order)
    data = data.sort_values(["_level", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(iso)
    data["returnees_in_high_severity_change"] = data["returnees_high"] - data["returnees_high_previous"]
    data["returnees_in_high_severity_pct"] = _pct(data["returnees_in_high_severity_share"])
    for column in ("mean_overall_score", "mean_scale1_score", "mean_scale2_score"):
        data[column] = _rounded(data[column], 1)
    data["hotspot"] = data["hotspot"].astype(bool)
    counts = ["returnee_individuals", "returnees_low", "returnees_medium", "returnees_high"]
    spec = DisclosureSpec(
        key_columns=["area_level", "area_id"],
        counts={c: (c, "individuals") for c in counts},
        row_relations=[("returnee_individuals", ["returnees_low", "returnees_medium", "returnees_high"])],
        column_relations=_column_relations(data, _poa_members(settings), []),
        derived={
            "returnees_in_high_severity_pct": ["returnees_high", "returnee_individuals"],
            "returnees_in_high_severity_change": ["returnees_high"],
        },
        denominators={"returnees_in_high_severity_pct": "returnee_individuals"},
        changes=["returnees_in_high_severity_change"],
        previous={"returnees_in_high_severity_change": ("returnees_high_previous", "individuals")},
        rounded=counts + ["returnees_in_high_severity_change"],
    )
    protected, suppressions = protect_table("area_severity", data, spec, params)
    return finish(
        "area_severity",
        "Severity of conditions in areas of return",
        "Return Index by governorate, district and POA area for the latest round on or before the as-of date.",
        fields,
        protected,
        suppressions,
    )


def displacement_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = [
        Field("round_id", "string", "DTM Master List round", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *area_fields(),
        Field("population_type", "string", "idp or returnee", "#population+type"),
        Field("locations", "integer", "Locations hosting the population", "#indicator+num+locations"),
        Field("individuals", "integer", f"Individuals (rounded to {params.round_individuals_to})", "#affected+ind"),
        Field("individuals_in_camp", "integer", "Individuals in camps", "#affected+ind+camp"),
        Field("individuals_in_critical_shelter", "integer", "Individuals in critical shelter",
              "#affected+ind+critical_shelter"),
        Field("individuals_in_private", "integer", "Individuals in private settings", "#affected+ind+private"),
        Field("individuals_in_unknown_shelter", "integer", "Individuals whose shelter is unknown",
              "#affected+ind+unknown_shelter"),
        Field("previous_round_id", "string", "Previous round the changes are measured against",
              "#meta+round+previous"),
        Field("individuals_change", "integer", "Change in individuals since the previous round",
              "#affected+ind+change"),
        Field("individuals_in_camp_change", "integer", "Change in individuals in camps since the previous round",
              "#affected+ind+camp+change"),
        FLAG_FIELD,
    ]
    data = part.displacement
    if data.empty:
        return finish("displacement", "Displacement and returns", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    data["_level"] = data["area_level"].map({"governorate": 0, "district": 1, "poa_area": 2})
    data = data.sort_values(["population_type", "_level", "admin1_pcode", "area_id"], kind="mergesort")
    data = data.reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(iso)
    data["individuals_change"] = data["individuals"] - data["individuals_previous"]
    data["individuals_in_camp_change"] = data["individuals_in_camp"] - data["individuals_in_camp_previous"]
    shelter = ["camp", "critical_shelter", "private", "unknown_shelter"]
    counts = {"individuals": ("families", "households")}
    counts.update({f"individuals_in_{s}": (f"families_in_{s}", "households") for s in shelter})
    spec = DisclosureSpec(
        key_columns=["population_type", "area_level", "area_id"],
        counts=counts,
        row_relations=[("individuals", [f"individuals_in_{s}" for s in shelter])],
        column_relations=_column_relations(data, _poa_members(settings), ["population_type"]),
        derived={
            "individuals_change": ["individuals"],
            "individuals_in_camp_change": ["individuals_in_camp"],
        },
        changes=["individuals_change", "individuals_in_camp_change"],
        previous={
            change: (f"{basis}_previous", "households")
            for change, basis in (
                ("individuals_change", "families"), ("individuals_in_camp_change", "families_in_camp")
            )
            if f"{basis}_previous" in data.columns
        },
        rounded=list(counts) + ["individuals_change", "individuals_in_camp_change"],
        # rows of individuals-only data (no families) are protected on individuals
        fallbacks={
            **{basis: published for published, (basis, _unit) in counts.items()},
            "families_previous": "individuals_previous", "families_in_camp_previous": "individuals_in_camp_previous",
        },
    )
    protected, suppressions = protect_table("displacement", data, spec, params)
    sizes = household_sizes(settings)
    return finish(
        "displacement",
        "IDPs and returnees by area and shelter",
        "DTM Master List figures for the latest round on or before the as-of date; individuals are DTM "
        f"estimates (families x {sizes.household_size}, x {sizes.camp_household_size} in camps) where families are "
        "given; shelter figures are empty where a source gives individuals only. Disclosure control is applied on "
        "families, on individuals where no families are given.",
        fields,
        protected,
        suppressions,
    )


def criteria_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = [
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
    data = part.criteria
    if data.empty:
        return finish("criteria_progress", "Progress on the 8 IASC criteria", "", fields, pd.DataFrame())
    data = data.copy()
    data["assessed"] = data["assessed"].astype(bool)
    data["value_pct"] = _pct(data["value"])
    data["benchmark_pct"] = _pct(data["benchmark"])
    data["gap_pp"] = _pct(data["gap"])
    data["share_at_or_above_benchmark_pct"] = _pct(data["share_at_or_above_benchmark"])
    data["gap_change_pp"] = _pct(data["gap_change_since_previous"])
    data["_level"] = data["area_level"].map({"poa_area": 0, "district": 1})
    data = data.sort_values(["_level", "area_id", "population_group", "criterion"], kind="mergesort")
    data = data.reset_index(drop=True)
    derived = ["value_pct", "gap_pp", "share_at_or_above_benchmark_pct", "gap_change_pp"]
    spec = DisclosureSpec(
        key_columns=list(CRITERIA_KEYS),
        counts={"households": ("households", "households")},
        # a POA area's households are the sum of its districts' (per group and criterion)
        column_relations=_column_relations(data, _poa_members(settings), ["population_group", "criterion"]),
        derived={c: ["households"] for c in derived},
    )
    protected, suppressions = protect_table("criteria_progress", data, spec, params)
    protected, suppressions = _suppress_small_benchmarks(protected, suppressions, params)
    return finish(
        "criteria_progress",
        "Progress on the 8 IASC criteria",
        "Gap of each displaced group to non-displaced residents of the same area, per criterion "
        "(household survey, weighted).",
        fields,
        protected,
        suppressions,
    )


def _small_benchmark(row: pd.Series, params: DisclosureParameters, column: str = "benchmark_households") -> bool:
    """True where a criteria row's benchmark rests on 1 to threshold - 1 non-displaced households."""
    return is_small(row.get(column), params.min_households)


def _suppress_small_benchmarks(
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
        if _small_benchmark(row, params):
            added[(position, "benchmark_pct")] = (
                f"primary: benchmark from fewer than {threshold} non-displaced households"
            )
            added.update({(position, c): "derived: computed from suppressed benchmark_pct" for c in BENCHMARK_DERIVED})
        elif _small_benchmark(row, params, "benchmark_households_previous"):
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
        Suppression("criteria_progress", row_key(protected.iloc[position], keys), column, reason)
        for (position, column), reason in added.items()
    ]
    suppressions.sort(key=lambda s: (positions[s.row_key], order[s.column]))
    return protected, suppressions


def iris_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = [
        Field("survey_round", "string", "Household survey round", "#meta+round"),
        *area_fields(),
        Field("population_group", "string", "Displaced group", "#population+type"),
        Field("criteria_assessed", "integer", "Criteria 1-5 assessed", "#indicator+num"),
        Field("households", "integer", "Surveyed households of the group", "#indicator+num+hh"),
        Field("share_overcome_vulnerabilities_pct", "integer",
              "Households at or above the non-displaced benchmark on every assessed criterion 1-5 (%)",
              "#indicator+value+pct+iris"),
        FLAG_FIELD,
    ]
    data = part.iris
    if data.empty:
        return finish("iris_composite", "IRIS composite", "", fields, pd.DataFrame())
    data = data.copy()
    data["share_overcome_vulnerabilities_pct"] = _pct(data["share_overcome_vulnerabilities"])
    data["_level"] = data["area_level"].map({"poa_area": 0, "district": 1})
    data = data.sort_values(["_level", "area_id", "population_group"], kind="mergesort").reset_index(drop=True)
    spec = DisclosureSpec(
        key_columns=["area_level", "area_id", "population_group"],
        counts={"households": ("households", "households")},
        column_relations=_column_relations(data, _poa_members(settings), ["population_group"]),
        derived={"share_overcome_vulnerabilities_pct": ["households"]},
    )
    protected, suppressions = protect_table("iris_composite", data, spec, params)
    return finish(
        "iris_composite",
        "Overcoming displacement-related vulnerabilities (IRIS composite)",
        "EGRISS IRIS criterion-level composite over criteria 1-5.",
        fields,
        protected,
        suppressions,
    )


def published_district_values(
    table: PublicationTable, columns: list[str], population_type: str = ""
) -> dict[str, float | None]:
    """District p-code -> sum of the published cells `columns` of its row in a protected table (None when any of
    them is blank there)."""
    frame = table.frame
    if frame.empty:
        return {}
    rows = frame[frame["area_level"] == "district"]
    if population_type:
        rows = rows[rows["population_type"] == population_type]
    values: dict[str, float | None] = {}
    for _i, row in rows.iterrows():
        cells = [row[c] for c in columns]
        values[str(row["area_id"])] = None if any(pd.isna(c) for c in cells) else float(sum(cells))
    return values


def copy_published(
    data: pd.DataFrame, column: str, published: dict[str, float | None], source: str
) -> dict[tuple[int, str], str]:
    """Replace `column` of `data` (one row per district, positions 0..n-1) by the values published for the same
    district in another protected table: blank where that table leaves it blank, missing where the metric has no
    value (not assessed), 0 where the metric has a value but that table has no row (the metric counts such a
    district as 0). Returns the blanked cells with their reason."""
    reasons: dict[tuple[int, str], str] = {}
    values: list[Any] = []
    for position, (area_id, metric) in enumerate(zip(data["area_id"].astype(str), data[column], strict=True)):
        if pd.isna(metric):
            values.append(pd.NA)
            continue
        value = published.get(area_id, 0.0)  # no row there: the metric's own zero
        if value is None:
            reasons[(position, column)] = f"derived: suppressed in {source}"
        values.append(pd.NA if value is None else value)
    data[column] = pd.array(values, dtype="Float64")
    return reasons


def with_reasons(
    table: str, data: pd.DataFrame, key_columns: list[str], reasons: dict[tuple[int, str], str], columns: list[str]
) -> tuple[pd.DataFrame, list[Suppression]]:
    """Flag column and suppressions of cells blanked in `data` (positions 0..n-1), in row and column order."""
    order = {c: i for i, c in enumerate(columns)}
    data[SUPPRESSED_FLAG_COLUMN] = [
        "; ".join(c for c in columns if (position, c) in reasons) for position in range(len(data))
    ]
    suppressions = [
        Suppression(table, row_key(data.iloc[position], key_columns), column, reason)
        for (position, column), reason in sorted(reasons.items(), key=lambda item: (item[0][0], order[item[0][1]]))
    ]
    return data, suppressions


def _priority_fields(components: list[str], min_components: int) -> list[Field]:
    count_components = {"returns", "idps_in_camps_and_critical_shelter"}
    fields = [
        Field("rank", "integer", f"Priority rank (1 = highest); empty for a district scored on fewer than "
              f"{min_components} components, listed apart", "#priority+rank"),
        Field("ranked", "boolean", f"Ranked: scored on at least {min_components} components", "#priority+ranked"),
        Field("admin1_pcode", "string", "Governorate p-code", "#adm1+code"),
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("priority_score", "number", "Priority score (0-100): the points of the assessed components, their "
              "weights renormalised to 100", "#priority+num", 1),
        Field("components_assessed", "integer", "Components the district was scored on", "#priority+num+assessed"),
        Field("components_not_assessed", "string", "Components without data for the district (no points)",
              "#priority+not_assessed"),
    ]
    for component in components:
        is_integer = component in count_components or component == "actor_presence"
        label = component.replace("_", " ")
        if component in count_components:
            label += " (individuals as published in the displacement table)"
        fields += [
            Field(f"{component}_value", "integer" if is_integer else "number",
                  f"Raw value (empty: not assessed): {label}", f"#indicator+value+{component}",
                  None if is_integer else 3),
            Field(f"{component}_score", "number", f"Score 0-1 across districts, rounded to 0.01: {label}",
                  f"#indicator+score+{component}", 2),
            Field(f"{component}_points", "number", f"Weighted points, rounded to 0.1: {label}",
                  f"#indicator+points+{component}", 1),
        ]
    return [*fields, FLAG_FIELD]


def _suppress_derived_priority_cells(
    data: pd.DataFrame, raw: pd.DataFrame, components: list[str], reasons: dict[tuple[int, str], str]
) -> None:
    """Blank what a suppressed component value can be recovered from, in place, adding the reasons.

    A component's score is value / largest value (or 1 - orgs / most orgs) and its points are the score times a
    weight that the published list of assessed components gives back; the priority score is the sum of the points.
    So with a suppressed value go its score, its points and the priority score; and where the largest value of a
    component (the scale's denominator) is suppressed, every score and points of that component go, since any
    published value over its score would give the largest back.
    """
    for component in components:
        value, score, points = f"{component}_value", f"{component}_score", f"{component}_points"
        hidden = [position for position in range(len(data)) if (position, value) in reasons]
        top = raw[score].astype(float) == raw[score].max()
        denominators = [p for p in range(len(data)) if bool(top.iloc[p])]
        denominator_hidden = bool(denominators) and all(p in hidden for p in denominators)
        for position in range(len(data)):
            if pd.isna(raw.at[position, score]):
                continue
            if position in hidden:
                why = f"derived: computed from suppressed {value}"
            elif denominator_hidden and component != "actor_presence":
                why = f"derived: scaled by the largest {value}, which is suppressed"
            else:
                continue
            for column in (score, points, "priority_score"):
                if (position, column) not in reasons:
                    reasons[(position, column)] = why
                    data.at[position, column] = np.nan


def priority_table(
    part: AsOfSlice, severity: PublicationTable, displacement: PublicationTable, params: DisclosureParameters,
    min_components: int,
) -> PublicationTable:
    """Area priority with the raw values that are counts taken from the protected displacement table, the
    severity value left out where area severity suppresses the district's share in high severity, the criteria
    gap value left out where a benchmark of the district rests on too few non-displaced households, and every
    score, point and priority score derived from a left-out value left out with it. Components that were not
    assessed are empty (no value, score or points), never 0."""
    data = part.area_priority.copy()
    components = [c[: -len("_points")] for c in data.columns if c.endswith("_points")]
    # count components: the published (suppressed and rounded) cells of the displacement table they are sums of
    count_sources = {
        "returns": ("returnee", ["individuals"]),
        "idps_in_camps_and_critical_shelter": ("idp", ["individuals_in_camp", "individuals_in_critical_shelter"]),
    }
    fields = _priority_fields(components, min_components)
    if data.empty:
        return finish("area_priority", "Area priority", "", fields, pd.DataFrame())
    data = data.reset_index(drop=True)  # already ranked, districts listed apart last
    raw = data.copy()
    data["priority_score"] = _rounded(data["priority_score"], 1)
    reasons: dict[tuple[int, str], str] = {}
    for component in components:
        data[f"{component}_score"] = _rounded(data[f"{component}_score"], 2)
        data[f"{component}_points"] = _rounded(data[f"{component}_points"], 1)
        if component in count_sources:
            population_type, columns = count_sources[component]
            published = published_district_values(displacement, columns, population_type)
            source = f"displacement ({', '.join(columns)})"
            reasons.update(copy_published(data, f"{component}_value", published, source))
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 0).astype("Int64")
        elif component == "actor_presence":
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 0).astype("Int64")
        else:
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 3)
    if "severity_value" in data.columns:
        # (share in high severity + mean score / 100) / 2 gives the share back: published only where area severity
        # publishes the share
        shares = published_district_values(severity, ["returnees_in_high_severity_pct"])
        for position, area_id in enumerate(data["area_id"].astype(str)):
            if area_id in shares and shares[area_id] is None and not pd.isna(data.at[position, "severity_value"]):
                data.at[position, "severity_value"] = np.nan
                reasons[(position, "severity_value")] = (
                    "derived: returnees_in_high_severity_pct suppressed in area_severity"
                )
    if "criteria_gap_value" in data.columns and not part.criteria.empty:
        # the mean gap of a district gives back a gap that criteria_progress blanks for its small benchmark
        districts = part.criteria[(part.criteria["area_level"] == "district") & part.criteria["assessed"].astype(bool)]
        small = {str(r["area_id"]) for _i, r in districts.iterrows() if _small_benchmark(r, params)}
        for position, area_id in enumerate(data["area_id"].astype(str)):
            if area_id in small and not pd.isna(data.at[position, "criteria_gap_value"]):
                data.at[position, "criteria_gap_value"] = np.nan
                reasons[(position, "criteria_gap_value")] = (
                    f"derived: benchmark from fewer than {params.min_households} non-displaced households "
                    "in criteria_progress"
                )
    _suppress_derived_priority_cells(data, raw, components, reasons)
    data, suppressions = with_reasons(
        "area_priority", data, ["area_id"], reasons, [f.name for f in fields if f.name != SUPPRESSED_FLAG_COLUMN]
    )
    return finish(
        "area_priority",
        "Candidate areas ranked by priority score",
        "Transparent, weighted ranking of districts; weights from the settings. A component without data for a "
        "district is not assessed (empty) and the weights of the assessed ones are renormalised; districts scored "
        f"on fewer than {min_components} components are listed apart, unranked. Scores are relative across "
        "districts and rounded (scores to 0.01, points to 0.1); returns and IDP values are the displacement "
        "table's published figures, empty where that table suppresses them, and every score, point and priority "
        "score derived from a suppressed value is suppressed with it.",
        fields,
        data,
        suppressions,
    )
