"""Key figures of an edition: the headline figures, their change since the previous edition, their disclosure
control and formatting (shared by the highlights and the brief), and the key-figure publication table."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    Suppression,
    is_small,
    round_half_away,
    round_to,
)
from ds_pipeline.lib.products.edition import AsOfSlice, Field, KeyFigure, PublicationTable
from ds_pipeline.lib.products.formatting import format_people, percent
from ds_pipeline.lib.products.tables.common import FLAG_FIELD, finish


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
# Disclosure control and text of a key figure (shared by the highlights and the brief)


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
    """The figure's value as the brief shows it ("n/a" when it has none)."""
    if figure.value is None:
        return "n/a"
    if figure.unit == "individuals":
        return format_people(figure.value, params, significant=True)
    if figure.unit == "percent":
        return percent(figure.value)
    return f"{figure.value:,.0f}"


# --------------------------------------------------------------------------------------------------------------
# The key-figure publication table


def key_figure_table(figures: list[KeyFigure], params: DisclosureParameters) -> PublicationTable:
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
    return finish("key_figures", "Key figures", "Headline figures and their change since the previous edition.",
                   fields, pd.DataFrame(rows), suppressions)
