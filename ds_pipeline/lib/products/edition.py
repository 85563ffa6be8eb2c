"""Edition of the weekly brief: the as-of slice of the warehouse tables, key figures, highlights and the
disclosure-protected publication tables that the brief and the RWG pack are rendered from.

An edition is an ISO week ("2026-W47"); its as-of date is the Sunday ending that week. Only data dated on or
before the as-of date is used (DESIGN.md §3, team contract "Edition"):

- Return Index and DTM rounds whose reporting date is <= as-of (the latest such round is shown; the round before
  it gives the change since the previous round); the key figures of each DTM population type come from the latest
  such round with data on that population type (a partial round may carry IDPs but no returnees yet);
- POA report months whose last day is <= as-of (the latest month is shown);
- survey rounds dated <= as-of (a round is dated by the last interview of its households, `survey_round_end` of
  the criteria table; tables without it fall back on the household-survey files' data_as_of in the source
  inventory);
- the 4W month of the as-of date (or the latest month before it present in the service coverage);
- source files whose data_as_of is <= as-of (and the 4W files with activities in the 4W month, whose data_as_of
  is the end of their period), and the quarantined rows of those files.

"Change since last edition" is the same figure computed as of the previous week.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ds_pipeline.lib.edition_calendar import month_end, month_of, month_start, week_as_of, week_of
from ds_pipeline.lib.metrics.severity import MEAN_INDICATOR_COLUMNS
from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    DisclosureSpec,
    Suppression,
    is_small,
    protect_table,
    round_half_away,
    round_significant,
    round_to,
    row_key,
)
from ds_pipeline.lib.settings import household_sizes

SCALE_LABELS = {
    "mean_scale1_score": "livelihoods and basic services",
    "mean_scale2_score": "safety and social cohesion",
}
GROUP_LABELS = {
    "idp_in_camp": "IDPs in camps",
    "idp_out_of_camp": "IDPs out of camps",
    "returnee": "Returnees",
    "non_displaced": "Non-displaced residents",
}
GROUP_LABELS_IN_TEXT = {
    "idp_in_camp": "IDPs in camps",
    "idp_out_of_camp": "IDPs out of camps",
    "returnee": "returnees",
    "non_displaced": "non-displaced residents",
}
DEFAULT_LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
DEFAULT_GAP_THRESHOLD = -0.10
CRITERIA_KEYS = ("area_level", "area_id", "population_group", "criterion")
# published criteria cells that rest on the non-displaced benchmark
BENCHMARK_DERIVED = ("gap_pp", "share_at_or_above_benchmark_pct", "gap_change_pp")
KIND_ORDER = ("displacement", "return_index", "household_survey", "poa_submission", "service_mapping", "gazetteer")


# --------------------------------------------------------------------------------------------------------------
# Weeks and dates


# ISO weeks, as-of dates and months: ds_pipeline.lib.edition_calendar (week_as_of, week_of re-exported here).


def round_number(round_id: str) -> int:
    """The integer in a round id ("R131" -> 131); -1 when it has none."""
    match = re.search(r"\d+", str(round_id))
    return int(match.group()) if match else -1


def _natural_key(value: str) -> tuple:
    parts = re.split(r"(\d+)", str(value))
    return tuple((0, int(p), "") if i % 2 else (1, 0, p) for i, p in enumerate(parts))


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.normalize()


def _iso(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).date().isoformat()


# --------------------------------------------------------------------------------------------------------------
# Publication tables


@dataclass(frozen=True)
class Field:
    """A published column: Frictionless type, description, HXL hashtag and the decimals of numbers."""

    name: str
    type: str  # string | integer | number | boolean | date
    description: str
    hxl: str
    decimals: int | None = None


@dataclass
class PublicationTable:
    """A disclosure-protected table as it appears in the brief and in the pack (blank cells are NA)."""

    name: str
    title: str
    description: str
    fields: list[Field]
    frame: pd.DataFrame
    suppressions: list[Suppression] = field(default_factory=list)

    @property
    def has_disclosure_control(self) -> bool:
        return any(f.name == SUPPRESSED_FLAG_COLUMN for f in self.fields)


FLAG_FIELD = Field(
    SUPPRESSED_FLAG_COLUMN,
    "string",
    "Columns of this row left empty by disclosure control (see the suppressions list in datapackage.json)",
    "#meta+suppressed",
)


def _area_fields() -> list[Field]:
    return [
        Field("area_level", "string", "Area level: governorate, district or poa_area", "#meta+level"),
        Field("admin1_pcode", "string", "Governorate p-code (empty for a POA area)", "#adm1+code"),
        Field("area_id", "string", "P-code of the area, or the POA area name", "#loc+code"),
        Field("area_name", "string", "English name of the area", "#loc+name"),
    ]


@dataclass
class KeyFigure:
    """A headline number of the edition and its value as of the previous edition."""

    figure: str
    label: str
    unit: str  # individuals | percent | districts | actions
    value: float | None
    previous: float | None
    source: str

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class AsOfSlice:
    """Warehouse rows of one as-of date (unprotected; the brief only shows the protected tables)."""

    as_of: dt.date
    severity_round: str = ""
    severity_previous_round: str = ""
    severity: pd.DataFrame = field(default_factory=pd.DataFrame)
    displacement_round: str = ""  # the latest eligible DTM round, whatever population types it carries
    # each population type's rows of its latest eligible round with data on it, with the previous round's values
    displacement: pd.DataFrame = field(default_factory=pd.DataFrame)
    # population type -> latest eligible DTM round with data on it (and the round before it with data on it),
    # and the rows of those rounds and types
    displacement_rounds_by_type: dict[str, str] = field(default_factory=dict)
    displacement_previous_rounds_by_type: dict[str, str] = field(default_factory=dict)
    displacement_by_type: pd.DataFrame = field(default_factory=pd.DataFrame)
    survey_round: str = ""
    criteria: pd.DataFrame = field(default_factory=pd.DataFrame)
    iris: pd.DataFrame = field(default_factory=pd.DataFrame)
    poa_month: str = ""
    poa_by_criterion: pd.DataFrame = field(default_factory=pd.DataFrame)
    poa_overdue: pd.DataFrame = field(default_factory=pd.DataFrame)
    poa_timeliness: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage_month: str = ""
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    service_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    area_priority: pd.DataFrame = field(default_factory=pd.DataFrame)
    referral_directory: pd.DataFrame = field(default_factory=pd.DataFrame)
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Edition:
    """Everything the brief and the pack show for one ISO week."""

    week: str
    as_of: dt.date
    previous_week: str
    previous_as_of: dt.date
    settings: dict[str, Any]
    disclosure: DisclosureParameters
    current: AsOfSlice
    previous: AsOfSlice
    key_figures: list[KeyFigure]
    highlights: list[str]
    new_data: list[str]
    tables: dict[str, PublicationTable]

    @property
    def edition_settings(self) -> dict[str, Any]:
        return self.settings.get("edition", {}) or {}

    @property
    def title(self) -> str:
        return str(self.edition_settings.get("title", "Durable Solutions evidence brief"))

    @property
    def producer(self) -> str:
        return str(self.edition_settings.get("producer", ""))

    @property
    def contact(self) -> str:
        return str(self.edition_settings.get("contact", ""))

    @property
    def sensitivity_label(self) -> str:
        return str(self.edition_settings.get("sensitivity_label", "For humanitarian purposes only."))

    @property
    def pack_sensitivity_label(self) -> str:
        return str(self.edition_settings.get("pack_sensitivity_label", self.sensitivity_label))

    @property
    def licence(self) -> dict[str, str]:
        return dict(self.edition_settings.get("license", DEFAULT_LICENCE))

    @property
    def suppressions(self) -> list[Suppression]:
        return [s for table in self.tables.values() for s in table.suppressions]

    @property
    def brief_stem(self) -> str:
        return f"IRQ_DSTWG_brief_{self.week}_en"

    @property
    def pack_name(self) -> str:
        return f"IRQ_RWG_pack_{self.week}.zip"


# --------------------------------------------------------------------------------------------------------------
# The as-of slice


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    return frame.copy() if frame is not None else pd.DataFrame()


def _eligible_rounds(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    """Rounds whose reporting date is <= as_of, oldest first."""
    if frame.empty or "round_id" not in frame.columns:
        return []
    last_date = _dates(frame["reporting_date"]).groupby(frame["round_id"].astype(str)).max()
    rounds = [r for r, d in last_date.items() if not pd.isna(d) and d.date() <= as_of]
    return sorted(rounds, key=lambda r: (round_number(r), r))


def _with_previous_round(
    frame: pd.DataFrame, rounds: list[str], keys: list[str], columns: list[str]
) -> tuple[pd.DataFrame, str]:
    """Rows of the latest round with `<column>_previous` of the same area in its latest earlier round."""
    data = frame[frame["round_id"].astype(str).isin(rounds)].copy()
    data["_order"] = data["round_id"].astype(str).map({r: i for i, r in enumerate(rounds)})
    current = data[data["_order"] == len(rounds) - 1].copy()
    earlier = data[data["_order"] < len(rounds) - 1].sort_values("_order", kind="mergesort")
    earlier = earlier.drop_duplicates(keys, keep="last")
    previous = earlier[keys + ["round_id"] + columns].rename(
        columns={"round_id": "previous_round_id", **{c: f"{c}_previous" for c in columns}}
    )
    merged = current.merge(previous, on=keys, how="left").drop(columns="_order")
    merged["previous_round_id"] = merged["previous_round_id"].fillna("").astype(str)
    previous_round = rounds[-2] if len(rounds) > 1 else ""
    return merged.reset_index(drop=True), previous_round


def _survey_round_dates(criteria: pd.DataFrame, inventory: pd.DataFrame) -> dict[str, dt.date | None]:
    """Date of each survey round: the last interview of its households (`survey_round_end`).

    Rounds without it (tables written before the column existed, or no interview date at all) are dated by the
    source inventory: a household-survey file whose round_id names the round dates that round; other rounds take
    the latest data_as_of of the household-survey files that carry no round_id. Without any household-survey file
    in the inventory such rounds are undated (taken as available).
    """
    rounds = sorted(set(criteria["survey_round"].astype(str)), key=_natural_key) if not criteria.empty else []
    ends: dict[str, pd.Timestamp] = {}
    if "survey_round_end" in criteria.columns and not criteria.empty:
        ends = _dates(criteria["survey_round_end"]).groupby(criteria["survey_round"].astype(str)).max().to_dict()
    dates: dict[str, dt.date | None] = {}
    fallback = _inventory_round_dates(rounds, inventory)
    for survey_round in rounds:
        end = ends.get(survey_round, pd.NaT)
        dates[survey_round] = fallback[survey_round] if pd.isna(end) else end.date()
    return dates


def _inventory_round_dates(rounds: list[str], inventory: pd.DataFrame) -> dict[str, dt.date | None]:
    """Dates of survey rounds from the data_as_of of the household-survey files in the source inventory."""
    if inventory.empty or "kind" not in inventory.columns or not (inventory["kind"] == "household_survey").any():
        return {r: None for r in rounds}
    survey_files = inventory[inventory["kind"] == "household_survey"]
    as_of = _dates(survey_files["data_as_of"])
    by_round = as_of.groupby(survey_files["round_id"].fillna("").astype(str)).max()
    undated = by_round.get("", pd.NaT)
    dates: dict[str, dt.date | None] = {}
    for survey_round in rounds:
        value = by_round.get(survey_round, undated)
        dates[survey_round] = dt.date.max if pd.isna(value) else value.date()  # undatable rounds are never shown
    return dates


def _with_previous_benchmark_households(criteria: pd.DataFrame, survey_round: str, rounds: list[str]) -> pd.DataFrame:
    """Criteria rows of `survey_round` with `benchmark_households_previous`: the benchmark households of the same
    area, group and criterion in the latest earlier round with a row for it (the round its gap change is
    measured against). Tables without benchmark_households are returned as they are."""
    current = criteria[criteria["survey_round"].astype(str) == survey_round].reset_index(drop=True)
    if "benchmark_households" not in criteria.columns:
        return current
    earlier = rounds[: rounds.index(survey_round)]
    keys = list(CRITERIA_KEYS)
    previous = criteria[criteria["survey_round"].astype(str).isin(earlier)].copy()
    previous["_order"] = previous["survey_round"].astype(str).map({r: i for i, r in enumerate(earlier)})
    previous = previous.sort_values("_order", kind="mergesort").drop_duplicates(keys, keep="last")
    previous = previous[keys + ["benchmark_households"]].rename(
        columns={"benchmark_households": "benchmark_households_previous"}
    )
    return current.merge(previous, on=keys, how="left")


def _empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


def _service_mapping_files(mapping: pd.DataFrame, month: str) -> set[str]:
    """4W files with an ongoing or completed activity in `month`: they feed the edition even when their period
    (their data_as_of) ends after the as-of date."""
    if not month or mapping.empty or "source_file" not in mapping.columns:
        return set()
    from ds_pipeline.lib.metrics.services import ACTIVE_STATUSES, presence_period

    first, last = pd.Timestamp(month_start(month)), pd.Timestamp(month_end(month))
    start, end = presence_period(mapping)  # a presence-only row: its file's data as-of
    status = mapping["status"].fillna("").astype(str).str.strip()
    active = status.isin(ACTIVE_STATUSES) & (start <= last) & (end >= first)
    return set(mapping.loc[active, "source_file"].astype(str))


def min_priority_components(settings: dict[str, Any]) -> int:
    """Components an area must be scored on to be ranked (settings: prioritisation.min_components)."""
    from ds_pipeline.lib.metrics.prioritisation import DEFAULT_MIN_COMPONENTS

    return int((settings.get("prioritisation", {}) or {}).get("min_components", DEFAULT_MIN_COMPONENTS))


def select_slice(tables: dict[str, pd.DataFrame], as_of: dt.date, settings: dict[str, Any]) -> AsOfSlice:
    """Rows of every warehouse table available on `as_of`, and the service gaps, area priority and referral
    directory computed from them."""
    from ds_pipeline.lib.metrics.prioritisation import area_priority
    from ds_pipeline.lib.metrics.services import referral_directory, service_gaps

    part = AsOfSlice(as_of=as_of)

    severity = _table(tables, "area_severity")
    rounds = _eligible_rounds(severity, as_of)
    if rounds:
        part.severity, part.severity_previous_round = _with_previous_round(
            severity,
            rounds,
            ["area_level", "area_id"],
            ["returnees_high", "returnee_individuals", "returnees_in_high_severity_share", "mean_overall_score",
             "mean_scale1_score", "mean_scale2_score", "locations_high",
             *(c for c in MEAN_INDICATOR_COLUMNS if c in severity.columns)],
        )
        part.severity_round = rounds[-1]
    else:
        part.severity = _empty_like(severity)

    displacement = _table(tables, "displacement_by_area")
    rounds = _eligible_rounds(displacement, as_of)
    if rounds:
        # each population type from the latest eligible round with data on it (a partial release may carry
        # IDPs but no returnees yet), its change measured against the latest earlier round with data on it
        part.displacement_round = rounds[-1]
        typed, current_rows = [], []
        for population_type in sorted(set(displacement["population_type"].astype(str))):
            of_type = displacement[displacement["population_type"].astype(str) == population_type]
            with_data = [r for r in rounds if (of_type["round_id"].astype(str) == r).any()]
            if not with_data:
                continue
            rows, previous_round = _with_previous_round(
                of_type,
                with_data,
                ["area_level", "area_id", "population_type"],
                ["individuals", "individuals_in_camp", "individuals_in_critical_shelter",
                 *(c for c in ("families", "families_in_camp") if c in displacement.columns)],
            )
            part.displacement_rounds_by_type[population_type] = with_data[-1]
            part.displacement_previous_rounds_by_type[population_type] = previous_round
            typed.append(rows)
            current_rows.append(of_type[of_type["round_id"].astype(str) == with_data[-1]])
        part.displacement = pd.concat(typed, ignore_index=True) if typed else _empty_like(displacement)
        part.displacement_by_type = (
            pd.concat(current_rows, ignore_index=True) if current_rows else _empty_like(displacement)
        )
    else:
        part.displacement = _empty_like(displacement)
        part.displacement_by_type = _empty_like(displacement)

    criteria = _table(tables, "criteria_progress")
    iris = _table(tables, "iris_composite")
    survey_dates = _survey_round_dates(criteria, _table(tables, "source_inventory"))
    survey_rounds = [r for r, d in survey_dates.items() if d is None or d <= as_of]
    if survey_rounds:
        part.survey_round = survey_rounds[-1]
        part.criteria = _with_previous_benchmark_households(criteria, part.survey_round, list(survey_dates))
        part.iris = (
            iris[iris["survey_round"].astype(str) == part.survey_round].reset_index(drop=True)
            if not iris.empty
            else iris
        )
    else:
        part.criteria, part.iris = _empty_like(criteria), _empty_like(iris)

    by_criterion = _table(tables, "poa_status_by_criterion")
    months = sorted(
        m for m in set(by_criterion.get("report_month", pd.Series(dtype=str)).astype(str)) if month_end(m) <= as_of
    )
    overdue = _table(tables, "poa_overdue_actions")
    timeliness = _table(tables, "poa_timeliness")
    if months:
        part.poa_month = months[-1]

        def of_month(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame
            return frame[frame["report_month"].astype(str) == part.poa_month].reset_index(drop=True)

        part.poa_by_criterion = of_month(by_criterion)
        part.poa_overdue = of_month(overdue)
        part.poa_timeliness = of_month(timeliness)
    else:
        part.poa_by_criterion = _empty_like(by_criterion)
        part.poa_overdue = _empty_like(overdue)
        part.poa_timeliness = _empty_like(timeliness)

    coverage = _table(tables, "service_coverage")
    as_of_month = month_of(as_of)
    coverage_months = sorted(
        m for m in set(coverage.get("month", pd.Series(dtype=str)).astype(str)) if m <= as_of_month
    )
    if coverage_months:
        part.coverage_month = coverage_months[-1]
        part.coverage = coverage[coverage["month"].astype(str) == part.coverage_month].reset_index(drop=True)
    else:
        part.coverage = _empty_like(coverage)

    inventory = _table(tables, "source_inventory")
    if not inventory.empty:
        dated = _dates(inventory["data_as_of"]).dt.date <= as_of
        used_4w = inventory["source_file"].isin(
            _service_mapping_files(_table(tables, "service_mapping_conformed"), part.coverage_month)
        )
        inventory = inventory[dated | used_4w].copy()
        inventory = inventory.sort_values(["source_id", "source_file"], kind="mergesort").reset_index(drop=True)
    part.inventory = inventory
    quarantine = _table(tables, "quarantine") if "quarantine" in tables else _table(tables, "quarantine_log")
    if not quarantine.empty and "source_inventory" in tables:
        quarantine = quarantine[quarantine["source_file"].isin(set(inventory.get("source_file", [])))]
    part.quarantine = quarantine.reset_index(drop=True)

    # Metrics of the one as-of slice.
    severity_slice = severity.iloc[0:0] if not part.severity_round else (
        severity[severity["round_id"].astype(str) == part.severity_round].reset_index(drop=True)
    )
    gap_threshold = float((settings.get("service_gaps", {}) or {}).get("gap_threshold", DEFAULT_GAP_THRESHOLD))
    part.service_gaps = service_gaps(severity_slice, part.criteria, part.coverage, gap_threshold)
    prioritisation = settings.get("prioritisation", {}) or {}
    part.area_priority = area_priority(
        severity_slice, part.displacement_by_type, part.criteria, part.coverage, prioritisation.get("weights", {}),
        min_priority_components(settings),
    )
    mapping = _table(tables, "service_mapping_conformed")
    if part.coverage_month and not mapping.empty:
        part.referral_directory = referral_directory(mapping, part.coverage_month)
    else:
        part.referral_directory = pd.DataFrame(
            columns=["area_id", "area_name", "sector_code", "org_acronym", "org_name", "org_type", "activity",
                     "iasc_criterion", "status"]
        )
    return part


# --------------------------------------------------------------------------------------------------------------
# Key figures


def _level_rows(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    if frame.empty or "area_level" not in frame.columns:
        return frame
    return frame[frame["area_level"] == level]


def _source_label(inventory: pd.DataFrame, kind: str, fallback: str, round_id: str = "") -> str:
    if not inventory.empty:
        rows = inventory[inventory["kind"] == kind]
        if round_id and "round_id" in rows.columns and (rows["round_id"].astype(str) == round_id).any():
            rows = rows[rows["round_id"].astype(str) == round_id]
        if not rows.empty:
            titles = sorted(set(rows["title"].astype(str)))
            return "; ".join(titles)
    return fallback


def key_figures(part: AsOfSlice) -> list[KeyFigure]:
    """The headline numbers of a slice (values unrounded; previous filled in by the caller).

    IDP and returnee figures each come from the latest DTM round with data on that population type, named in the
    figure's source; a population type without data in any round has no value ("n/a"), never 0, and neither do
    the shelter figures when no source gives families by shelter.
    """
    severity = _level_rows(part.severity, "governorate")
    displacement = _level_rows(part.displacement_by_type, "governorate")
    poa = part.poa_by_criterion
    actions = float(poa["actions"].sum()) if not poa.empty else 0.0

    def population(population_type: str, columns: list[str]) -> tuple[float | None, str]:
        round_id = part.displacement_rounds_by_type.get(population_type, "")
        label = _source_label(part.inventory, "displacement", "DTM Master List", round_id)
        if not round_id:
            return None, label
        rows = displacement[displacement["population_type"].astype(str) == population_type]
        # shelter figures of individuals-only data are empty: "n/a" when no row gives them, never 0
        total = rows[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1).sum(min_count=1)
        return (None if pd.isna(total) else float(total)), f"{label} {round_id}"

    ri = f"{_source_label(part.inventory, 'return_index', 'Return Index')} {part.severity_round}".strip()
    critical, critical_source = population("idp", ["individuals_in_critical_shelter"])
    camps, camps_source = population("idp", ["individuals_in_camp"])
    returnees, returnees_source = population("returnee", ["individuals"])
    return [
        KeyFigure(
            "returnees_in_high_severity",
            "Returnees living in high-severity locations",
            "individuals",
            float(severity["returnees_high"].sum()) if part.severity_round else None,
            None,
            ri,
        ),
        KeyFigure(
            "idps_out_of_camp_in_critical_shelter",
            "Out-of-camp IDPs in critical shelter",
            "individuals",
            critical,
            None,
            critical_source,
        ),
        KeyFigure("idps_in_camps", "IDPs in camps", "individuals", camps, None, camps_source),
        KeyFigure("returnees", "Returnees (total)", "individuals", returnees, None, returnees_source),
        KeyFigure(
            "poa_actions_on_track_or_completed",
            "POA actions on track or completed",
            "percent",
            100.0 * float(poa["on_track"].sum() + poa["completed"].sum()) / actions if actions else None,
            None,
            f"POA progress reports {part.poa_month}".strip(),
        ),
        KeyFigure(
            "districts_with_service_gap",
            "Districts with a need and no active service",
            "districts",
            float(part.service_gaps["area_id"].nunique()) if part.coverage_month else None,
            None,
            f"4W service mapping {part.coverage_month}".strip(),
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Formatting shared by highlights and the brief


def format_people(value: float | None, params: DisclosureParameters, significant: bool = False) -> str:
    """Individuals as published: rounded to the rounding base (or 3 significant figures), small counts hidden."""
    if value is None or pd.isna(value):
        return "n/a"
    if 0 < abs(value) < params.min_individuals:
        return f"fewer than {params.min_individuals}"
    rounded = round_significant(value, 3) if significant else round_to(value, params.round_individuals_to)
    if significant and abs(rounded) >= 1_000_000:
        return f"{rounded / 1_000_000:.3g}M"
    return f"{rounded:,.0f}"


def key_figure_suppressions(figure: KeyFigure, params: DisclosureParameters) -> dict[str, str]:
    """Cells of a key figure left out by disclosure control (value, previous_value, change) with the reason.

    Figures in individuals from 1 to `min_individuals - 1` are left out, and so is a change of that size. value =
    previous + change, so a change is left out with a suppressed value or previous value, and the previous value is
    left out with a suppressed change.
    """
    if figure.unit != "individuals":
        return {}
    threshold = params.min_individuals
    reasons: dict[str, str] = {}
    if is_small(figure.value, threshold):
        reasons["value"] = f"primary: fewer than {threshold} individuals"
    if is_small(figure.previous, threshold):
        reasons["previous_value"] = f"primary: fewer than {threshold} individuals"
    change = figure.change
    if change is not None:
        if is_small(change, threshold):
            reasons["change"] = f"primary: change of fewer than {threshold} individuals"
        elif reasons:
            reasons["change"] = f"derived: computed from suppressed {', '.join(reasons)}"
        if "change" in reasons and "previous_value" not in reasons:
            reasons["previous_value"] = "secondary: protects change"
    return reasons


def format_change(figure: KeyFigure, params: DisclosureParameters) -> str:
    """▲/▼ with the absolute change, "no change", or "new" when the previous edition had no value. A change
    left out by disclosure control shows its direction only ("fewer than 60" for a small change)."""
    if figure.value is None:
        return "no data"
    change = figure.change
    if change is None:
        return "new this edition"
    reason = key_figure_suppressions(figure, params).get("change", "")
    if reason and not reason.startswith("primary"):
        return f"{'▲' if change > 0 else '▼'} (size suppressed)"
    if figure.unit == "percent":
        points = int(round_half_away(change))
        if points == 0:
            return "no change" if change == 0 else "▲ <1 pp" if change > 0 else "▼ <1 pp"
        return f"{'▲' if points > 0 else '▼'} {abs(points)} pp"
    if change == 0:
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    if figure.unit == "individuals":
        return f"{arrow} {format_people(abs(change), params)}"
    return f"{arrow} {abs(change):,.0f}"


def format_figure_value(figure: KeyFigure, params: DisclosureParameters) -> str:
    if figure.value is None:
        return "n/a"
    if figure.unit == "individuals":
        return format_people(figure.value, params, significant=True)
    if figure.unit == "percent":
        return f"{round_half_away(figure.value):.0f}%"
    return f"{figure.value:,.0f}"


# --------------------------------------------------------------------------------------------------------------
# Publication tables


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


def _finish(
    name: str, title: str, description: str, fields: list[Field], frame: pd.DataFrame,
    suppressions: list[Suppression] | None = None,
) -> PublicationTable:
    columns = [f.name for f in fields]
    data = frame.reindex(columns=columns).reset_index(drop=True)
    return PublicationTable(name, title, description, fields, data, list(suppressions or []))


def _severity_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = [
        Field("round_id", "string", "DTM round of the Return Index data", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *_area_fields(),
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
        return _finish("area_severity", "Area severity", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    level_order = {"governorate": 0, "district": 1, "poa_area": 2}
    data["_level"] = data["area_level"].map(level_order)
    data = data.sort_values(["_level", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(_iso)
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
    return _finish(
        "area_severity",
        "Severity of conditions in areas of return",
        "Return Index by governorate, district and POA area for the latest round on or before the as-of date.",
        fields,
        protected,
        suppressions,
    )


def _displacement_table(
    part: AsOfSlice, settings: dict[str, Any], params: DisclosureParameters
) -> PublicationTable:
    fields = [
        Field("round_id", "string", "DTM Master List round", "#meta+round"),
        Field("reporting_date", "date", "End of the round's data collection", "#date+reported"),
        *_area_fields(),
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
        return _finish("displacement", "Displacement and returns", "", fields, pd.DataFrame())
    data = data[data["area_level"].isin(["governorate", "district", "poa_area"])].copy()
    data["_level"] = data["area_level"].map({"governorate": 0, "district": 1, "poa_area": 2})
    data = data.sort_values(["population_type", "_level", "admin1_pcode", "area_id"], kind="mergesort")
    data = data.reset_index(drop=True)
    data["reporting_date"] = data["reporting_date"].map(_iso)
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
    return _finish(
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


def _criteria_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = [
        Field("survey_round", "string", "Household survey round", "#meta+round"),
        *_area_fields(),
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
        return _finish("criteria_progress", "Progress on the 8 IASC criteria", "", fields, pd.DataFrame())
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
    return _finish(
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


def _iris_table(part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any]) -> PublicationTable:
    fields = [
        Field("survey_round", "string", "Household survey round", "#meta+round"),
        *_area_fields(),
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
        return _finish("iris_composite", "IRIS composite", "", fields, pd.DataFrame())
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
    return _finish(
        "iris_composite",
        "Overcoming displacement-related vulnerabilities (IRIS composite)",
        "EGRISS IRIS criterion-level composite over criteria 1-5.",
        fields,
        protected,
        suppressions,
    )


def _published_district_values(
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


def _copy_published(
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


def _with_reasons(
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


def _priority_table(
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
        return _finish("area_priority", "Area priority", "", fields, pd.DataFrame())
    data = data.reset_index(drop=True)  # already ranked, districts listed apart last
    raw = data.copy()
    data["priority_score"] = _rounded(data["priority_score"], 1)
    reasons: dict[tuple[int, str], str] = {}
    for component in components:
        data[f"{component}_score"] = _rounded(data[f"{component}_score"], 2)
        data[f"{component}_points"] = _rounded(data[f"{component}_points"], 1)
        if component in count_sources:
            population_type, columns = count_sources[component]
            published = _published_district_values(displacement, columns, population_type)
            source = f"displacement ({', '.join(columns)})"
            reasons.update(_copy_published(data, f"{component}_value", published, source))
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 0).astype("Int64")
        elif component == "actor_presence":
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 0).astype("Int64")
        else:
            data[f"{component}_value"] = _rounded(data[f"{component}_value"], 3)
    if "severity_value" in data.columns:
        # (share in high severity + mean score / 100) / 2 gives the share back: published only where area severity
        # publishes the share
        shares = _published_district_values(severity, ["returnees_in_high_severity_pct"])
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
    data, suppressions = _with_reasons(
        "area_priority", data, ["area_id"], reasons, [f.name for f in fields if f.name != SUPPRESSED_FLAG_COLUMN]
    )
    return _finish(
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


def _poa_tables(part: AsOfSlice) -> list[PublicationTable]:
    status_fields = [
        Field("report_month", "string", "POA report month (YYYY-MM)", "#date+month"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("iasc_criterion", "integer", "IASC criterion (1-8)", "#indicator+code"),
        Field("criterion_name", "string", "IASC criterion", "#indicator+name"),
        Field("actions", "integer", "Actions in the plan", "#activity+num"),
        Field("completed", "integer", "Actions completed", "#activity+num+completed"),
        Field("on_track", "integer", "Actions on track", "#activity+num+on_track"),
        Field("delayed", "integer", "Actions delayed", "#activity+num+delayed"),
        Field("overdue", "integer", "Actions past their due date and not completed", "#activity+num+overdue"),
        Field("not_started", "integer", "Actions not started", "#activity+num+not_started"),
        Field("target", "number", "Sum of action targets", "#targeted+num", 0),
        Field("achieved", "number", "Sum of achievements", "#reached+num", 0),
        Field("achieved_pct", "integer", "Achieved against target (%)", "#reached+pct"),
    ]
    status = part.poa_by_criterion.copy()
    if not status.empty:
        status = status.sort_values(["area", "iasc_criterion"], kind="mergesort").reset_index(drop=True)
        status["achieved_pct"] = _pct(status["achieved_share"])
    overdue_fields = [
        Field("report_month", "string", "POA report month", "#date+month"),
        Field("lead_org", "string", "Lead organisation", "#org+lead"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("action_id", "string", "Action id in the plan", "#activity+code"),
        Field("action", "string", "Action", "#activity+name"),
        Field("iasc_criterion", "integer", "IASC criterion", "#indicator+code"),
        Field("due_date", "date", "Due date", "#date+end"),
        Field("days_overdue", "integer", "Days past the due date at the end of the month", "#indicator+num+overdue"),
        Field("status", "string", "Status as reported", "#status"),
    ]
    overdue = part.poa_overdue.copy()
    if not overdue.empty:
        overdue["due_date"] = overdue["due_date"].map(_iso)
        overdue = overdue.sort_values(
            ["lead_org", "days_overdue", "area", "action_id"], ascending=[True, False, True, True], kind="mergesort"
        ).reset_index(drop=True)
    timeliness_fields = [
        Field("report_month", "string", "POA report month", "#date+month"),
        Field("area", "string", "POA area", "#loc+name+poa"),
        Field("submitted_on", "date", "Date the report was submitted", "#date+reported"),
        Field("deadline", "date", "Reporting deadline", "#date+deadline"),
        Field("on_time", "boolean", "Submitted by the deadline", "#indicator+on_time"),
        Field("actions_reported", "integer", "Actions reported", "#activity+num"),
    ]
    timeliness = part.poa_timeliness.copy()
    if not timeliness.empty:
        timeliness["submitted_on"] = timeliness["submitted_on"].map(_iso)
        timeliness["deadline"] = timeliness["deadline"].map(_iso)
        timeliness["on_time"] = timeliness["on_time"].astype(bool)
        timeliness = timeliness.sort_values("area", kind="mergesort").reset_index(drop=True)
    return [
        _finish("poa_status", "Plan of Action status by area and criterion",
                "Latest submission per action, assessed as of the end of the report month.", status_fields, status),
        _finish("poa_overdue_actions", "Overdue POA actions by lead organisation",
                "Actions past their due date and not completed.", overdue_fields, overdue),
        _finish("poa_timeliness", "POA reporting timeliness", "Submission date against the deadline.",
                timeliness_fields, timeliness),
    ]


def _gap_reason(
    row: pd.Series, severity: PublicationTable, criteria: PublicationTable, gap_threshold: float,
    raw_criteria: pd.DataFrame,
) -> str:
    """Readable need of a service gap, built from the protected tables (no unrounded or small counts)."""
    reasons = []
    sev = severity.frame
    if not sev.empty:
        match = sev[(sev["area_level"] == "district") & (sev["area_id"] == row["area_id"])]
        if not match.empty and int(row["iasc_criterion"]) <= 4:
            flags = []
            if match.iloc[0]["severity"] == "high":
                flags.append("high severity")
            if bool(match.iloc[0]["hotspot"]):
                flags.append("hotspot")
            if flags:
                reasons.append(f"Return Index {' and '.join(flags)}")
    if not raw_criteria.empty:
        raw = raw_criteria[
            (raw_criteria["area_level"] == "district") & (raw_criteria["area_id"] == row["area_id"])
            & (raw_criteria["criterion"] == row["iasc_criterion"]) & raw_criteria["assessed"].astype(bool)
            & (raw_criteria["gap"] <= gap_threshold)
        ]
        published = criteria.frame
        parts = []
        for group in sorted(raw["population_group"].astype(str)):
            cell = published[
                (published["area_level"] == "district") & (published["area_id"] == row["area_id"])
                & (published["criterion"] == row["iasc_criterion"]) & (published["population_group"] == group)
            ]
            gap = cell.iloc[0]["gap_pp"] if not cell.empty else pd.NA
            label = GROUP_LABELS_IN_TEXT.get(group, group)
            text = f"{int(gap):+d}".replace("-", "−") if not pd.isna(gap) else ""
            parts.append(f"{label} {text} pp" if text else f"{label} (small sample)")
        if parts:
            reasons.append("gap to non-displaced: " + ", ".join(parts))
    return "; ".join(reasons)


def _services_tables(
    part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any],
    severity: PublicationTable, criteria: PublicationTable,
) -> list[PublicationTable]:
    gap_fields = [
        Field("admin1_pcode", "string", "Governorate p-code", "#adm1+code"),
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("iasc_criterion", "integer", "IASC criterion in need", "#indicator+code"),
        Field("criterion_name", "string", "IASC criterion", "#indicator+name"),
        Field("need_reason", "string", "Why the district is in need on the criterion", "#inneed+reason"),
        Field("returnee_individuals", "integer",
              "Returnees in the district as published in area severity (Return Index, rounded)",
              "#affected+returnees+ind"),
        Field("active_orgs", "integer", "Organisations active on the criterion in the month", "#org+num"),
        Field("sectors_active_elsewhere_in_governorate", "string",
              "Sectors active on the criterion in other districts of the governorate", "#sector+code+elsewhere"),
        FLAG_FIELD,
    ]
    gaps = part.service_gaps.copy()
    gap_threshold = float((settings.get("service_gaps", {}) or {}).get("gap_threshold", DEFAULT_GAP_THRESHOLD))
    gaps_table = _finish("service_gaps", "Service gaps", "", gap_fields, pd.DataFrame())
    if not gaps.empty:
        gaps = gaps.sort_values(["iasc_criterion", "admin1_pcode", "area_id"], kind="mergesort").reset_index(drop=True)
        gaps["need_reason"] = [
            _gap_reason(row, severity, criteria, gap_threshold, part.criteria) for _i, row in gaps.iterrows()
        ]
        # the district's returnees as published in area severity (blank where it suppresses them)
        reasons = _copy_published(
            gaps, "returnee_individuals", _published_district_values(severity, ["returnee_individuals"]),
            "area_severity",
        )
        gaps["returnee_individuals"] = _rounded(gaps["returnee_individuals"], 0).astype("Int64")
        protected, suppressions = _with_reasons(
            "service_gaps", gaps, ["area_id", "iasc_criterion"], reasons,
            [f.name for f in gap_fields if f.name != SUPPRESSED_FLAG_COLUMN],
        )
        gaps_table = _finish(
            "service_gaps",
            "Service gaps: need without an active service",
            f"Districts in need on a criterion with no organisation active on it in {part.coverage_month}.",
            gap_fields,
            protected,
            suppressions,
        )
    coverage_fields = [
        Field("month", "string", "4W month (YYYY-MM)", "#date+month"),
        Field("admin1_pcode", "string", "Governorate p-code", "#adm1+code"),
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("iasc_criterion", "integer", "IASC criterion served", "#indicator+code"),
        Field("sector_code", "string", "Global cluster code", "#sector+code"),
        Field("active_orgs", "integer", "Organisations active", "#org+num"),
        Field("active_activities", "integer", "Activities active", "#activity+num"),
        Field("people_targeted", "integer", f"People targeted (rounded to {params.round_individuals_to})",
              "#targeted+ind"),
        Field("people_reached", "integer", f"People reached (rounded to {params.round_individuals_to})",
              "#reached+ind"),
        Field("activities_reach_not_reported", "integer", "Active activities that report no people reached",
              "#activity+num+unreported"),
        Field("criterion_inferred", "boolean", "The criterion was inferred from the sector (the 3W gives none)",
              "#indicator+inferred"),
        FLAG_FIELD,
    ]
    coverage = part.coverage.copy()
    coverage_table = _finish("service_coverage", "Service coverage", "", coverage_fields, pd.DataFrame())
    if not coverage.empty:
        coverage = coverage.sort_values(
            ["admin1_pcode", "area_id", "iasc_criterion", "sector_code"], kind="mergesort"
        ).reset_index(drop=True)
        counts = ["people_targeted", "people_reached"]
        spec = DisclosureSpec(
            key_columns=["area_id", "iasc_criterion", "sector_code"],
            counts={c: (c, "individuals") for c in counts},
            rounded=counts,
        )
        protected, suppressions = protect_table("service_coverage", coverage, spec, params)
        coverage_table = _finish(
            "service_coverage",
            "Active services by district, criterion and sector",
            f"4W activities ongoing or completed in {part.coverage_month}.",
            coverage_fields,
            protected,
            suppressions,
        )
    directory_fields = [
        Field("area_id", "string", "District p-code", "#adm2+code"),
        Field("area_name", "string", "District", "#adm2+name"),
        Field("sector_code", "string", "Global cluster code", "#sector+code"),
        Field("org_acronym", "string", "Organisation acronym", "#org+acronym"),
        Field("org_name", "string", "Organisation", "#org+name"),
        Field("org_type", "string", "Organisation type", "#org+type"),
        Field("activity", "string", "Activity", "#activity+name"),
        Field("iasc_criterion", "integer", "IASC criterion served", "#indicator+code"),
        Field("status", "string", "Activity status", "#status"),
    ]
    directory = part.referral_directory.copy()
    if not directory.empty:
        directory = directory.sort_values(
            ["area_id", "sector_code", "org_acronym", "activity"], kind="mergesort"
        ).reset_index(drop=True)
    return [
        gaps_table,
        coverage_table,
        _finish("referral_directory", "Referral directory: who provides what where",
                f"Organisations active in {part.coverage_month} by district and sector.", directory_fields, directory),
    ]


def _source_tables(part: AsOfSlice) -> list[PublicationTable]:
    source_fields = [
        Field("source_id", "string", "Source id in the registry", "#meta+source+id"),
        Field("kind", "string", "Source kind", "#meta+type"),
        Field("title", "string", "Source title", "#meta+source"),
        Field("provider", "string", "Data provider", "#org+provider"),
        Field("data_as_of", "date", "Latest date the source's data refer to", "#date+reported"),
        Field("files", "integer", "Files read", "#meta+num+files"),
        Field("rows_read", "integer", "Rows read", "#meta+num+read"),
        Field("rows_accepted", "integer", "Rows accepted", "#meta+num+accepted"),
        Field("rows_quarantined", "integer", "Rows quarantined", "#meta+num+quarantined"),
    ]
    inventory = part.inventory
    rows = []
    if not inventory.empty:
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        ranked = inventory.assign(_kind=inventory["kind"].map(order).fillna(len(order)))
        ranked = ranked.sort_values(["_kind", "source_id", "source_file"], kind="mergesort")
        for source_id, files in ranked.groupby("source_id", sort=False):
            first = files.iloc[0]
            rows.append(
                {
                    "source_id": source_id,
                    "kind": first["kind"],
                    "title": first["title"],
                    "provider": first["provider"],
                    "data_as_of": _iso(_dates(files["data_as_of"]).max()),
                    "files": int(files["source_file"].nunique()),
                    "rows_read": int(files["rows_read"].sum()),
                    "rows_accepted": int(files["rows_accepted"].sum()),
                    "rows_quarantined": int(files["rows_quarantined"].sum()),
                }
            )
    reason_fields = [
        Field("source_id", "string", "Source id", "#meta+source+id"),
        Field("check", "string", "Failed rule", "#meta+check"),
        Field("column", "string", "Provider's column (empty: the row as a whole)", "#meta+column"),
        Field("rows", "integer", "Rows quarantined for this reason", "#meta+num"),
    ]
    quarantine = part.quarantine
    reasons = pd.DataFrame(columns=[f.name for f in reason_fields])
    if not quarantine.empty:
        reasons = (
            quarantine.assign(column=quarantine["column"].fillna("").astype(str))
            .groupby(["source_id", "check", "column"], sort=True)
            .size()
            .rename("rows")
            .reset_index()
            .sort_values(["rows", "source_id", "check", "column"], ascending=[False, True, True, True],
                         kind="mergesort")
            .reset_index(drop=True)
        )
    return [
        _finish("sources", "Sources, coverage and data quality",
                "Rows read, accepted and quarantined per source, for files dated on or before the as-of date.",
                source_fields, pd.DataFrame(rows)),
        _finish("quarantine_reasons", "Quarantine reasons", "Rows set aside by validation, by rule and column.",
                reason_fields, reasons),
    ]


def _key_figure_table(figures: list[KeyFigure], params: DisclosureParameters) -> PublicationTable:
    fields = [
        Field("figure", "string", "Figure id", "#indicator+code"),
        Field("label", "string", "Figure", "#indicator+name"),
        Field("unit", "string", f"individuals (rounded to {params.round_individuals_to}), percent, or districts",
              "#indicator+unit"),
        Field("value", "number", "Value in this edition", "#indicator+value", 0),
        Field("previous_value", "number", "Value in the previous edition", "#indicator+value+previous", 0),
        Field("change", "number", "Change since the previous edition", "#indicator+value+change", 0),
        Field("source", "string", "Source and round", "#meta+source"),
        FLAG_FIELD,
    ]
    rows, suppressions = [], []
    for figure in figures:

        def shown(value: float | None, figure: KeyFigure = figure) -> float | None:
            if value is None:
                return None
            if figure.unit == "individuals":
                return round_to(value, params.round_individuals_to)
            return round_to(value, 1)

        row = {
            "figure": figure.figure,
            "label": figure.label,
            "unit": figure.unit,
            "value": shown(figure.value),
            "previous_value": shown(figure.previous),
            "change": shown(figure.change),
            "source": figure.source,
        }
        reasons = key_figure_suppressions(figure, params)
        for column in ("value", "previous_value", "change"):
            if column in reasons:
                row[column] = None
                suppressions.append(Suppression("key_figures", f"figure={figure.figure}", column, reasons[column]))
        row[SUPPRESSED_FLAG_COLUMN] = "; ".join(c for c in ("value", "previous_value", "change") if c in reasons)
        rows.append(row)
    return _finish("key_figures", "Key figures", "Headline figures and their change since the previous edition.",
                   fields, pd.DataFrame(rows), suppressions)


def _new_data(current: AsOfSlice, previous: AsOfSlice) -> list[str]:
    """Data that arrived since the previous edition."""
    news = []
    pairs = [
        ("Return Index round", current.severity_round, previous.severity_round),
        ("DTM Master List round", current.displacement_round, previous.displacement_round),
        ("household survey round", current.survey_round, previous.survey_round),
        ("POA progress reports for", current.poa_month, previous.poa_month),
        ("4W month", current.coverage_month, previous.coverage_month),
    ]
    for label, now, before in pairs:
        if now and now != before:
            news.append(f"{label} {now}")
    return news


# --------------------------------------------------------------------------------------------------------------
# The edition


def build_edition(tables: dict[str, pd.DataFrame], week: str, settings: dict[str, Any]) -> Edition:
    """Select the as-of slice of `tables` for ISO week `week` and assemble the edition."""
    as_of = week_as_of(week)
    previous_as_of = as_of - dt.timedelta(days=7)
    params = DisclosureParameters.from_settings(settings)
    current = select_slice(tables, as_of, settings)
    previous = select_slice(tables, previous_as_of, settings)

    figures = key_figures(current)
    for figure, before in zip(figures, key_figures(previous), strict=True):
        figure.previous = before.value

    severity = _severity_table(current, settings, params)
    displacement = _displacement_table(current, settings, params)
    criteria = _criteria_table(current, params, settings)
    publication = [
        _key_figure_table(figures, params),
        severity,
        displacement,
        _priority_table(current, severity, displacement, params, min_priority_components(settings)),
        criteria,
        _iris_table(current, params, settings),
        *_poa_tables(current),
        *_services_tables(current, params, settings, severity, criteria),
        *_source_tables(current),
    ]
    tables_by_name = {table.name: table for table in publication}
    indicator_names = (settings.get("return_index", {}) or {}).get("indicators", {}) or {}
    from ds_pipeline.lib.products.what_changed import what_changed  # it builds on this module's tables

    highlights = what_changed(tables_by_name, current, params, {f.figure: f for f in figures}, indicator_names)
    return Edition(
        week=week,
        as_of=as_of,
        previous_week=week_of(previous_as_of),
        previous_as_of=previous_as_of,
        settings=settings,
        disclosure=params,
        current=current,
        previous=previous,
        key_figures=figures,
        highlights=highlights,
        new_data=_new_data(current, previous),
        tables=tables_by_name,
    )
