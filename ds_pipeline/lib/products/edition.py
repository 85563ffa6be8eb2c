"""The weekly edition: the publication data model (Field, PublicationTable, KeyFigure, AsOfSlice, Edition) and
`build_edition`, which assembles an edition from the as-of slice of the warehouse tables, its key figures, highlights
and the disclosure-protected publication tables that the brief and the RWG pack are rendered from.

An edition is an ISO week ("2026-W47"); its as-of date is the Sunday ending that week. Only data dated on or
before the as-of date is used (DESIGN.md §3, team contract "Edition"; the as-of rules: `as_of.select_slice`).

"Change since last edition" is the same figure computed as of the previous week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ds_pipeline.lib.edition_calendar import week_as_of, week_of
from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    Suppression,
)

DEFAULT_LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
CRITERIA_KEYS = ("area_level", "area_id", "population_group", "criterion")

# ISO weeks, as-of dates and months: ds_pipeline.lib.edition_calendar (week_as_of, week_of re-exported here).


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
    # the builders build on this module's data model, so they are imported here, not at import time
    from ds_pipeline.lib.products.as_of import min_priority_components, select_slice
    from ds_pipeline.lib.products.key_figures import key_figure_table, key_figures
    from ds_pipeline.lib.products.tables import (
        criteria_table,
        displacement_table,
        iris_table,
        poa_tables,
        priority_table,
        services_tables,
        severity_table,
        source_tables,
    )
    from ds_pipeline.lib.products.what_changed import what_changed

    as_of = week_as_of(week)
    previous_as_of = as_of - dt.timedelta(days=7)
    params = DisclosureParameters.from_settings(settings)
    current = select_slice(tables, as_of, settings)
    previous = select_slice(tables, previous_as_of, settings)

    figures = key_figures(current)
    for figure, before in zip(figures, key_figures(previous), strict=True):
        figure.previous = before.value

    severity = severity_table(current, settings, params)
    displacement = displacement_table(current, settings, params)
    criteria = criteria_table(current, params, settings)
    publication = [
        key_figure_table(figures, params),
        severity,
        displacement,
        priority_table(current, severity, displacement, params, min_priority_components(settings)),
        criteria,
        iris_table(current, params, settings),
        *poa_tables(current),
        *services_tables(current, params, settings, severity, criteria),
        *source_tables(current),
    ]
    tables_by_name = {table.name: table for table in publication}
    indicator_names = (settings.get("return_index", {}) or {}).get("indicators", {}) or {}
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
