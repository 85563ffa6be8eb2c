"""The monthly area update of a Plan of Action area: what it shows, selected from the warehouse as of the end of the
report month and protected by the brief's disclosure rules (rendered in each language by `area_render`).

A month's update is built after the POA reporting deadline of the following month; every source is taken as of
the last day of the report month (`as_of.select_slice`), and "change" is measured against the update of the
month before. Counts of people are rounded and small counts suppressed exactly as in the brief (`disclosure`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ds_pipeline.lib.csv_safe import neutralise_cell
from ds_pipeline.lib.edition_calendar import month_end, previous_month
from ds_pipeline.lib.i18n import N_
from ds_pipeline.lib.metrics.severity import categorise_severity
from ds_pipeline.lib.products.disclosure import DisclosureParameters, DisclosureSpec, Suppression, protect_table
from ds_pipeline.lib.products.edition import AsOfSlice, KeyFigure

TOP_LOCATIONS = 10
DEFAULT_SENSITIVITY_LABEL = N_("Restricted – area-level coordination group and local authorities. "
                               "For humanitarian purposes only.")
SOURCE_KINDS = (
    ("displacement", N_("DTM Master List")),
    ("return_index", N_("Return Index")),
    ("household_survey", N_("Household survey")),
    ("poa_submission", N_("POA progress reports")),
    ("service_mapping", N_("4W service mapping")),
)


@dataclass(frozen=True)
class Place:
    """A place as the gazetteer names it: p-code, English and Arabic names (Arabic falls back to English)."""

    pcode: str
    name_en: str
    name_ar: str
    parent: str = ""  # the district of a sub-district

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" and self.name_ar else self.name_en


@dataclass(frozen=True)
class SourceAsOf:
    """What a source contributes to the update: its kind's label, the round or month used and its data date."""

    label: str
    used: str
    data_as_of: dt.date | None


@dataclass(frozen=True)
class Change:
    """A "what changed" sentence: a message of the catalogue and the values of its placeholders (numbers as
    KeyFigure-like values already protected and formatted by the renderer, places as Place)."""

    message: str
    values: dict[str, Any]


@dataclass
class AreaUpdate:
    """Everything the area update of one POA area and one report month shows."""

    area: Place
    month: str
    previous_month: str
    as_of: dt.date
    districts: list[Place]
    subdistricts: list[Place]
    sources: list[SourceAsOf]
    key_figures: list[KeyFigure]
    severity: pd.DataFrame  # the area's districts and sub-districts, protected, ranked by mean overall score
    severity_round: str
    locations: pd.DataFrame  # locations of return ranked by overall score (scores only: no counts)
    criteria: pd.DataFrame  # published criteria rows of the area (poa_area level), all 8 criteria x groups
    survey_round: str
    poa_status: pd.DataFrame
    poa_overdue: pd.DataFrame
    poa_timeliness: pd.DataFrame
    poa_month: str
    directory: pd.DataFrame
    coverage_month: str
    changes: list[Change]
    params: DisclosureParameters
    sensitivity_label: dict[str, str]
    suppressions: list[Suppression] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The area's name in file names: "Al-Bakar" -> "al-bakar"."""
        return "".join(c if c.isalnum() else "-" for c in self.area.name_en.lower()).strip("-")

    def stem(self, language: str) -> str:
        return f"IRQ_area_update_{self.slug}_{self.month}_{language}"


# --------------------------------------------------------------------------------------------------------------
# Places


def gazetteer_places(gazetteer: pd.DataFrame) -> dict[str, tuple[Place, str, int]]:
    """p-code -> (place, parent p-code, admin level) from the conformed gazetteer."""
    places: dict[str, tuple[Place, str, int]] = {}
    for row in gazetteer.itertuples(index=False):
        pcode = str(row.pcode)
        parent = "" if pd.isna(row.parent_pcode) else str(row.parent_pcode)
        name_ar = "" if pd.isna(row.name_ar) else str(row.name_ar)
        places[pcode] = (Place(pcode, str(row.name_en), name_ar, parent), parent, int(row.admin_level))
    return places


def _area_places(area: dict[str, Any], places: dict[str, tuple[Place, str, int]]) -> tuple[list[Place], list[Place]]:
    """The districts and sub-districts an area covers (a p-code of either level in settings `poa_areas`)."""
    districts: dict[str, Place] = {}
    subdistricts: dict[str, Place] = {}
    for pcode in area.get("pcodes", []):
        place, parent, level = places.get(pcode, (Place(pcode, pcode, ""), "", 2))
        if level == 3:
            subdistricts[pcode] = place
            if parent in places:
                districts.setdefault(parent, places[parent][0])
        else:
            districts[pcode] = place
            for code, (child, child_parent, child_level) in places.items():
                if child_level == 3 and child_parent == pcode:
                    subdistricts[code] = child
    return sorted(districts.values(), key=lambda p: p.pcode), sorted(subdistricts.values(), key=lambda p: p.pcode)


# --------------------------------------------------------------------------------------------------------------
# Key figures of the area


def _poa_row(frame: pd.DataFrame, area: str, population_type: str | None = None) -> pd.DataFrame:
    if frame.empty:
        return frame
    rows = frame[(frame["area_level"] == "poa_area") & (frame["area_id"].astype(str) == area)]
    if population_type is not None:
        rows = rows[rows["population_type"].astype(str) == population_type]
    return rows


def _total(rows: pd.DataFrame, columns: list[str]) -> float | None:
    """Sum of `columns` over `rows`; None (not assessed) when no cell holds a number."""
    if rows.empty:
        return None
    total = rows[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1).sum(min_count=1)
    return None if pd.isna(total) else float(total)


def area_figures(part: AsOfSlice, area: str) -> list[KeyFigure]:
    """The area's headline numbers in a slice (unrounded; `previous` filled in by the caller)."""
    returnees = _poa_row(part.displacement_by_type, area, "returnee")
    idps = _poa_row(part.displacement_by_type, area, "idp")
    severity = _poa_row(part.severity, area)
    dtm = "DTM"
    return [
        KeyFigure("returnees", N_("Returnees"), "individuals", _total(returnees, ["individuals"]), None,
                  f"{dtm} {part.displacement_rounds_by_type.get('returnee', '')}".strip()),
        KeyFigure("returnees_in_high_severity", N_("Returnees in high-severity locations"), "individuals",
                  _total(severity, ["returnees_high"]) if part.severity_round else None, None,
                  f"RI {part.severity_round}".strip()),
        KeyFigure("idps_in_camps", N_("IDPs in camps in the area"), "individuals",
                  _total(idps, ["individuals_in_camp"]), None,
                  f"{dtm} {part.displacement_rounds_by_type.get('idp', '')}".strip()),
        KeyFigure("idps_in_critical_shelter", N_("IDPs in critical shelter in the area"), "individuals",
                  _total(idps, ["individuals_in_critical_shelter"]), None,
                  f"{dtm} {part.displacement_rounds_by_type.get('idp', '')}".strip()),
    ]


# --------------------------------------------------------------------------------------------------------------
# Severity of sub-districts and locations


def area_severity_rows(
    part: AsOfSlice, districts: list[Place], subdistricts: list[Place], params: DisclosureParameters
) -> tuple[pd.DataFrame, list[Suppression]]:
    """The area's districts and sub-districts in the Return Index round of the slice, protected: returnees and
    returnees in high-severity locations suppressed when small, with each district's sub-districts as parts of it
    (so that one blank sub-district cannot be recovered from the district), rounded; ranked by overall score."""
    severity = part.severity
    if severity.empty or not part.severity_round:
        return pd.DataFrame(), []
    district_codes = [p.pcode for p in districts]
    sub_codes = [p.pcode for p in subdistricts]
    names = {p.pcode: p for p in [*districts, *subdistricts]}
    rows = severity[
        ((severity["area_level"] == "district") & severity["area_id"].isin(district_codes))
        | ((severity["area_level"] == "subdistrict") & severity["area_id"].isin(sub_codes))
    ].copy()
    if rows.empty:
        return rows, []
    rows["district"] = [a if level == "district" else names[a].parent
                        for a, level in zip(rows["area_id"], rows["area_level"], strict=True)]
    rows = rows.sort_values(["district", "area_level", "mean_overall_score", "area_id"],
                            ascending=[True, True, False, True], kind="mergesort").reset_index(drop=True)
    relations = []
    for district in district_codes:
        total = rows.index[(rows["area_level"] == "district") & (rows["area_id"] == district)]
        parts = rows.index[(rows["area_level"] == "subdistrict") & (rows["district"] == district)]
        if len(total) and len(parts):
            relations.append((int(total[0]), [int(p) for p in parts]))
    counts = ["returnee_individuals", "returnees_high"]
    spec = DisclosureSpec(
        key_columns=["area_level", "area_id"],
        counts={c: (c, "individuals") for c in counts},
        column_relations=relations,
        rounded=counts,
    )
    protected, suppressions = protect_table("area_update_severity", rows, spec, params)
    protected["place"] = protected["area_id"].map(names)
    protected = protected.sort_values(
        ["area_level", "mean_overall_score", "area_id"], ascending=[True, False, True], kind="mergesort"
    ).reset_index(drop=True)
    protected["rank"] = protected.groupby("area_level").cumcount() + 1
    return protected, suppressions


def area_locations(
    return_index: pd.DataFrame, round_id: str, districts: list[Place], settings: dict[str, Any],
    places: dict[str, tuple[Place, str, int]],
) -> pd.DataFrame:
    """Locations of return of the area in the round, ranked by overall severity score (worst first), with the two
    Return Index scales. Scores only: location counts of returnees are not published."""
    if return_index.empty or not round_id:
        return pd.DataFrame()
    rows = return_index[(return_index["round_id"].astype(str) == round_id)
                        & return_index["admin2_pcode"].isin([p.pcode for p in districts])].copy()
    if rows.empty:
        return rows
    for column in ("overall_score", "scale1_score", "scale2_score"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce")
    cut = settings.get("return_index", {}) or {}
    rows["severity"] = categorise_severity(rows["overall_score"], cut["medium_from"], cut["high_from"])
    rows = rows.sort_values(["overall_score", "location_id"], ascending=[False, True], kind="mergesort")
    rows = rows.head(TOP_LOCATIONS)
    rows["subdistrict"] = [places[c][0] if c in places else Place(str(c), str(n), "")
                           for c, n in zip(rows["admin3_pcode"], rows["admin3_name_en"], strict=True)]
    rows["location"] = rows["location_name_en"].map(neutralise_cell)
    rows["rank"] = range(1, len(rows) + 1)
    return rows[["rank", "location_id", "location", "subdistrict", "overall_score", "scale1_score", "scale2_score",
                 "severity"]].reset_index(drop=True)



# --------------------------------------------------------------------------------------------------------------
# Criteria, POA, who is active where


def _of_area(table: pd.DataFrame, column: str, area: str) -> pd.DataFrame:
    if table.empty or column not in table.columns:
        return table
    return table[table[column].astype(str) == area].reset_index(drop=True)


def area_criteria(published: pd.DataFrame, area: str) -> pd.DataFrame:
    """The area's gaps to non-displaced residents: one row per IASC criterion (1-8) and displaced group, from the
    published (protected) criteria table; a criterion the survey does not assess is a row with `assessed` False."""
    from ds_pipeline.lib.canonical import IASC_CRITERIA

    rows = published
    if not published.empty:
        rows = published[(published["area_level"] == "poa_area") & (published["area_id"].astype(str) == area)]
    groups = ("idp_in_camp", "idp_out_of_camp", "returnee")
    grid = pd.DataFrame([(c, g) for c in IASC_CRITERIA for g in groups], columns=["criterion", "population_group"])
    if rows.empty:
        grid["assessed"] = False
        return grid
    keep = ["criterion", "population_group", "assessed", "households", "value_pct", "benchmark_pct", "gap_pp"]
    merged = grid.merge(rows[keep].astype({"criterion": int}), on=["criterion", "population_group"], how="left")
    # no row for a criterion and group: the survey did not assess it (False is "not assessed", not a zero)
    merged["assessed"] = merged["assessed"].astype("boolean").fillna(False).astype(bool)
    return merged


def area_directory(directory: pd.DataFrame, districts: list[Place]) -> pd.DataFrame:
    """Who is active where in the area on which criterion: organisations, sectors, activities and sub-districts
    (organisations only: the referral directory carries no person's name, phone or e-mail)."""
    if directory.empty:
        return directory
    rows = directory[directory["area_id"].isin([p.pcode for p in districts])].copy()
    for column in ("org_acronym", "org_name", "activity"):
        rows[column] = rows[column].map(neutralise_cell)
    order = [c for c in ("iasc_criterion", "sector_code", "org_acronym", "activity") if c in rows.columns]
    return rows.sort_values(order, kind="mergesort", na_position="last").reset_index(drop=True)


def _sources(part: AsOfSlice) -> list[SourceAsOf]:
    used = {
        "displacement": ", ".join(sorted(set(part.displacement_rounds_by_type.values()))),
        "return_index": part.severity_round,
        "household_survey": part.survey_round,
        "poa_submission": part.poa_month,
        "service_mapping": part.coverage_month,
    }
    inventory = part.inventory
    sources = []
    for kind, label in SOURCE_KINDS:
        dates = (pd.to_datetime(inventory.loc[inventory["kind"] == kind, "data_as_of"], errors="coerce")
                 if not inventory.empty else pd.Series(dtype="datetime64[ns]"))
        latest = dates.max() if not dates.empty else pd.NaT
        sources.append(SourceAsOf(label, used[kind], None if pd.isna(latest) else latest.date()))
    return sources


# --------------------------------------------------------------------------------------------------------------
# The update


def sensitivity_labels(settings: dict[str, Any]) -> dict[str, str]:
    """The label per language from settings `area_updates` (empty: the catalogue's default label in the
    language). An English label without an Arabic one is an error, not an English label in the Arabic update."""
    from ds_pipeline.lib.settings import SettingsError

    own = settings.get("area_updates", {}) or {}
    if "sensitivity_label" not in own:
        return {}
    if not own.get("sensitivity_label_ar"):
        raise SettingsError("area_updates: sensitivity_label is set but sensitivity_label_ar is not; the Arabic "
                            "area update needs its own label")
    return {"en": str(own["sensitivity_label"]), "ar": str(own["sensitivity_label_ar"])}


def build_area_updates(tables: dict[str, pd.DataFrame], month: str, settings: dict[str, Any]) -> list[AreaUpdate]:
    """The update of every POA area of settings `poa_areas` for report `month` (YYYY-MM), in the settings' order."""
    from ds_pipeline.lib.products.area_changes import area_changes
    from ds_pipeline.lib.products.as_of import select_slice
    from ds_pipeline.lib.products.tables import criteria_table, poa_tables

    params = DisclosureParameters.from_settings(settings)
    as_of, before = month_end(month), month_end(previous_month(month))
    current, previous = select_slice(tables, as_of, settings), select_slice(tables, before, settings)
    places = gazetteer_places(tables.get("gazetteer_conformed", pd.DataFrame(
        columns=["pcode", "name_en", "name_ar", "parent_pcode", "admin_level"])))
    criteria = criteria_table(current, params, settings).frame
    poa = {table.name: table.frame for table in poa_tables(current)}
    labels = sensitivity_labels(settings)
    updates = []
    for area in settings.get("poa_areas", []) or []:
        name = str(area["name"])
        districts, subdistricts = _area_places(area, places)
        figures = area_figures(current, name)
        for figure, earlier in zip(figures, area_figures(previous, name), strict=True):
            figure.previous = earlier.value
        severity, suppressions = area_severity_rows(current, districts, subdistricts, params)
        update = AreaUpdate(
            area=Place(name, name, str(area.get("name_ar", "") or "")),
            month=month,
            previous_month=previous_month(month),
            as_of=as_of,
            districts=districts,
            subdistricts=subdistricts,
            sources=_sources(current),
            key_figures=figures,
            severity=severity,
            severity_round=current.severity_round,
            locations=area_locations(tables.get("return_index_conformed", pd.DataFrame()), current.severity_round,
                                     districts, settings, places),
            criteria=area_criteria(criteria, name),
            survey_round=current.survey_round,
            poa_status=_of_area(poa["poa_status"], "area", name),
            poa_overdue=_of_area(poa["poa_overdue_actions"], "area", name),
            poa_timeliness=_of_area(poa["poa_timeliness"], "area", name),
            poa_month=current.poa_month,
            directory=area_directory(current.referral_directory, districts),
            coverage_month=current.coverage_month,
            changes=[],
            params=params,
            sensitivity_label=labels,
            suppressions=suppressions,
        )
        update.changes = area_changes(update, current, previous)
        updates.append(update)
    return updates
