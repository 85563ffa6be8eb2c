"""The area priority table (candidate districts ranked by a weighted, renormalised score): its fields, HXL tags,
disclosure rules (values taken from the protected displacement, severity and criteria tables, derived cells left
out with them) and builder."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ds_pipeline.lib.products.disclosure import SUPPRESSED_FLAG_COLUMN, DisclosureParameters
from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.tables.common import (
    FLAG_FIELD,
    copy_published,
    finish,
    published_district_values,
    rounded,
    with_reasons,
)
from ds_pipeline.lib.products.tables.criteria import small_benchmark

NAME = "area_priority"
# components that are counts, and the published displacement cells (population type, columns) they are sums of
COUNT_SOURCES = {
    "returns": ("returnee", ["individuals"]),
    "idps_in_camps_and_critical_shelter": ("idp", ["individuals_in_camp", "individuals_in_critical_shelter"]),
}


def priority_fields(components: list[str], min_components: int) -> list[Field]:
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
        is_integer = component in COUNT_SOURCES or component == "actor_presence"
        label = component.replace("_", " ")
        if component in COUNT_SOURCES:
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


def suppress_derived_cells(
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
    fields = priority_fields(components, min_components)
    if data.empty:
        return finish(NAME, "Area priority", "", fields, pd.DataFrame())
    data = data.reset_index(drop=True)  # already ranked, districts listed apart last
    raw = data.copy()
    data["priority_score"] = rounded(data["priority_score"], 1)
    reasons: dict[tuple[int, str], str] = {}
    for component in components:
        data[f"{component}_score"] = rounded(data[f"{component}_score"], 2)
        data[f"{component}_points"] = rounded(data[f"{component}_points"], 1)
        if component in COUNT_SOURCES:
            # the published (suppressed and rounded) cells of the displacement table the count is a sum of
            population_type, columns = COUNT_SOURCES[component]
            published = published_district_values(displacement, columns, population_type)
            source = f"displacement ({', '.join(columns)})"
            reasons.update(copy_published(data, f"{component}_value", published, source))
            data[f"{component}_value"] = rounded(data[f"{component}_value"], 0).astype("Int64")
        elif component == "actor_presence":
            data[f"{component}_value"] = rounded(data[f"{component}_value"], 0).astype("Int64")
        else:
            data[f"{component}_value"] = rounded(data[f"{component}_value"], 3)
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
        small = {str(r["area_id"]) for _i, r in districts.iterrows() if small_benchmark(r, params)}
        for position, area_id in enumerate(data["area_id"].astype(str)):
            if area_id in small and not pd.isna(data.at[position, "criteria_gap_value"]):
                data.at[position, "criteria_gap_value"] = np.nan
                reasons[(position, "criteria_gap_value")] = (
                    f"derived: benchmark from fewer than {params.min_households} non-displaced households "
                    "in criteria_progress"
                )
    suppress_derived_cells(data, raw, components, reasons)
    data, suppressions = with_reasons(
        NAME, data, ["area_id"], reasons, [f.name for f in fields if f.name != SUPPRESSED_FLAG_COLUMN]
    )
    return finish(
        NAME,
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
