"""The DSTWG weekly brief: HTML from a Jinja2 template with inline SVG charts, and its PDF from WeasyPrint.

The brief shows only the disclosure-protected publication tables of the edition. The PDF is byte-reproducible:
SOURCE_DATE_EPOCH is set to the edition's as-of date while WeasyPrint writes it (fontTools stamps font subsets
with that time) and restored afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from ds_pipeline.lib.canonical import IASC_CRITERIA, SECTOR_CODES
from ds_pipeline.lib.freshness import StaleSource
from ds_pipeline.lib.products import charts
from ds_pipeline.lib.products.edition import Edition
from ds_pipeline.lib.products.formatting import SUPPRESSED_MARK, cell, group_label, number_text, percent
from ds_pipeline.lib.products.formatting import published_value as _value
from ds_pipeline.lib.products.key_figures import format_change, format_figure_value
from ds_pipeline.lib.settings import household_sizes

# Brief templates and styles live in the project's reports/ folder (reports/templates/).
TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "reports" / "templates"
SECTION_TITLES: tuple[str, ...] = (
    "Key figures",
    "What changed",
    "Area severity",
    "Progress on the 8 IASC criteria",
    "Plan of Action status",
    "Service gaps",
    "Sources, coverage and data quality",
    "Method, limitations and disclosure control",
)
NOT_ASSESSED_MARK = "n/a"
TOP_DISTRICTS = 15
TOP_TABLE_ROWS = 10
TOP_GAPS = 25
MAP_DISCLAIMER = (
    "The boundaries and names shown and the designations used on this map do not imply official endorsement or "
    "acceptance by the United Nations or the members of the DSTWG. The tile-grid map is schematic: one tile per "
    "governorate, placed roughly by geography."
)
GROUP_CODES = {"idp_in_camp": "C", "idp_out_of_camp": "O", "returnee": "R"}
SHORT_CRITERIA = {
    1: "1 Safety", 2: "2 Living std", 3: "3 Livelihoods", 4: "4 HLP", 5: "5 Documents", 6: "6 Family",
    7: "7 Participation", 8: "8 Justice",
}


# --------------------------------------------------------------------------------------------------------------
# Sections


def _masthead(edition: Edition, label: str) -> dict[str, Any]:
    sources = edition.tables["sources"].frame
    current = edition.current
    used = []
    if current.severity_round:
        used.append(f"Return Index {current.severity_round}")
    if current.displacement_round:
        used.append(f"DTM Master List {current.displacement_round}")
    if current.survey_round:
        used.append(f"household survey {current.survey_round}")
    if current.poa_month:
        used.append(f"POA reports {current.poa_month}")
    if current.coverage_month:
        used.append(f"4W {current.coverage_month}")
    return {
        "title": edition.title,
        "week": edition.week,
        "as_of": edition.as_of.isoformat(),
        "previous_week": edition.previous_week,
        "label": label,
        "producer": edition.producer,
        "contact": edition.contact,
        "data_used": ", ".join(used),
        "sources": [
            {"title": row["title"], "provider": row["provider"], "as_of": row["data_as_of"]}
            for _i, row in sources.iterrows()
        ],
    }


def _key_figures(edition: Edition) -> list[dict[str, str]]:
    boxes = []
    for number, figure in enumerate(edition.key_figures, start=1):
        change = figure.change
        boxes.append(
            {
                "label": figure.label,
                "value": format_figure_value(figure, edition.disclosure),
                "change": format_change(figure, edition.disclosure),
                "direction": "up" if change and change > 0 else "down" if change and change < 0 else "flat",
                "source": figure.source,
                "note": number,
            }
        )
    return boxes


def _severity_cells(row: pd.Series) -> dict[str, str]:
    """The cells an area's severity row shows in the brief's tables (returnees, high severity, score, hotspot)."""
    return {
        "returnees": cell(row, "returnee_individuals"),
        "high": cell(row, "returnees_high"),
        "share": cell(row, "returnees_in_high_severity_pct", suffix="%"),
        "score": cell(row, "mean_overall_score", 1),
        "severity": row["severity"],
        "hotspot": "yes" if bool(row["hotspot"]) else "",
    }


def _severity(edition: Edition) -> dict[str, Any]:
    table = edition.tables["area_severity"].frame
    context: dict[str, Any] = {"available": not table.empty}
    if table.empty:
        return context
    first = table.iloc[0]
    context["round"] = first["round_id"]
    context["reporting_date"] = first["reporting_date"]
    governorate_names = dict(
        zip(table.loc[table["area_level"] == "governorate", "area_id"],
            table.loc[table["area_level"] == "governorate", "area_name"], strict=True)
    )
    districts = table[table["area_level"] == "district"].copy()
    districts["_high"] = [_value(r, "returnees_high") for _i, r in districts.iterrows()]
    ranked = districts.dropna(subset=["_high"])
    ranked = ranked[ranked["_high"] > 0].sort_values(["_high", "area_id"], ascending=[False, True], kind="mergesort")
    top = ranked.head(TOP_DISTRICTS)
    context["ranked_count"] = len(top)
    context["ranked_svg"] = Markup(
        charts.ranked_bars(
            "ranked", [f"{r.area_name} ({governorate_names.get(r.admin1_pcode, r.admin1_pcode)})"
                       for r in top.itertuples()],
            top["_high"].astype(float).tolist(), "Returnees living in high-severity locations (individuals)",
        )
    )
    context["top_rows"] = [
        {
            "district": row["area_name"],
            "governorate": governorate_names.get(row["admin1_pcode"], row["admin1_pcode"]),
            **_severity_cells(row),
            "change": cell(row, "returnees_in_high_severity_change", signed=True),
        }
        for _i, row in top.iterrows()
    ]
    governorates = table[table["area_level"] == "governorate"].sort_values("area_name", kind="mergesort")
    stack_labels, low, medium, high, omitted = [], [], [], [], []
    for _i, row in governorates.iterrows():
        parts = [_value(row, c) for c in ("returnees_low", "returnees_medium", "returnees_high")]
        if any(p is None for p in parts) or sum(parts) == 0:  # type: ignore[arg-type]
            omitted.append(row["area_name"])
            continue
        stack_labels.append(row["area_name"])
        low.append(parts[0])
        medium.append(parts[1])
        high.append(parts[2])
    context["stacked_svg"] = Markup(charts.severity_stacked_bars("stacked", stack_labels, low, medium, high))
    context["stacked_omitted"] = ", ".join(omitted)
    context["governorate_rows"] = [
        {
            "governorate": row["area_name"],
            "locations": cell(row, "locations_assessed"),
            "returnees": cell(row, "returnee_individuals"),
            "low": cell(row, "returnees_low"),
            "medium": cell(row, "returnees_medium"),
            "high": cell(row, "returnees_high"),
            "share": cell(row, "returnees_in_high_severity_pct", suffix="%"),
            "score": cell(row, "mean_overall_score", 1),
            "severity": row["severity"],
        }
        for _i, row in governorates.iterrows()
    ]
    severity_by_pcode = {row["area_id"]: str(row["severity"]) for _i, row in governorates.iterrows()}
    notes = {}
    for _i, row in governorates.iterrows():
        share = cell(row, "returnees_in_high_severity_pct", suffix="%")
        notes[row["area_id"]] = f"{share} in high" if share not in ("", SUPPRESSED_MARK) else str(row["severity"])
    context["map_svg"] = Markup(charts.tile_grid_map("tilemap", severity_by_pcode, notes))
    hotspots = districts[districts["hotspot"].astype(bool)].copy()
    # ordering only: hotspots whose returnees are suppressed are listed after the others
    hotspots["_returnees"] = [_value(r, "returnee_individuals") or -1.0 for _i, r in hotspots.iterrows()]
    context["hotspot_count"] = len(hotspots)
    hotspots = hotspots.sort_values(["_returnees", "area_id"], ascending=[False, True], kind="mergesort")
    hotspots = hotspots.head(TOP_DISTRICTS)
    context["hotspots"] = [
        {
            "district": row["area_name"],
            "governorate": governorate_names.get(row["admin1_pcode"], row["admin1_pcode"]),
            "severity": row["severity"],
            "scale1": cell(row, "mean_scale1_score", 1),
            "scale2": cell(row, "mean_scale2_score", 1),
            "returnees": cell(row, "returnee_individuals"),
        }
        for _i, row in hotspots.iterrows()
    ]
    poa = table[table["area_level"] == "poa_area"].sort_values("area_id", kind="mergesort")
    context["poa_rows"] = [{"area": row["area_name"], **_severity_cells(row)} for _i, row in poa.iterrows()]
    return context


def _displacement(edition: Edition) -> dict[str, Any]:
    table = edition.tables["displacement"].frame
    if table.empty:
        return {"available": False}
    idps = table[(table["area_level"] == "governorate") & (table["population_type"] == "idp")].copy()
    # ordering only: a suppressed cell orders as 0; the cell itself shows "s"
    idps["_order"] = [-(_value(r, "individuals_in_camp") or 0) - (_value(r, "individuals_in_critical_shelter") or 0)
                      for _i, r in idps.iterrows()]
    idps = idps.sort_values(["_order", "area_id"], kind="mergesort")
    return {
        "available": True,
        "round": table.iloc[0]["round_id"],
        "rows": [
            {
                "governorate": row["area_name"],
                "idps": cell(row, "individuals"),
                "camp": cell(row, "individuals_in_camp"),
                "critical": cell(row, "individuals_in_critical_shelter"),
                "camp_change": cell(row, "individuals_in_camp_change", signed=True),
            }
            for _i, row in idps.iterrows()
        ],
    }


def _points_cell(row: pd.Series, column: str) -> str:
    """Points of a component: "s" when suppressed, "n/a" when the component was not assessed, else 0.1 points."""
    text = cell(row, column, 1)
    return NOT_ASSESSED_MARK if text == "" else text


def _priority(edition: Edition) -> dict[str, Any]:
    table = edition.tables["area_priority"]
    frame = table.frame
    if frame.empty:
        return {"available": False}
    components = [f.name[: -len("_points")] for f in table.fields if f.name.endswith("_points")]
    settings = (edition.settings.get("prioritisation", {}) or {})

    def line(row: pd.Series) -> dict[str, Any]:
        return {
            "rank": cell(row, "rank"),
            "district": row["area_name"],
            "score": cell(row, "priority_score", 1),
            "assessed": cell(row, "components_assessed"),
            "points": [_points_cell(row, f"{c}_points") for c in components],
        }

    ranked = frame[frame["ranked"].astype(bool)]
    apart = frame[~frame["ranked"].astype(bool)]
    return {
        "available": True,
        "components": [c.replace("_", " ") for c in components],
        "weights": ", ".join(
            f"{k.replace('_', ' ')} {float(v):.2f}" for k, v in sorted((settings.get("weights", {}) or {}).items())
        ),
        "min_components": int(settings.get("min_components", 3)),
        "rows": [line(row) for _i, row in ranked.head(TOP_TABLE_ROWS).iterrows()],
        "apart": len(apart),
        "apart_names": ", ".join(apart["area_name"].astype(str).head(TOP_TABLE_ROWS)),
    }


def _criteria(edition: Edition) -> dict[str, Any]:
    table = edition.tables["criteria_progress"].frame
    if table.empty:
        return {"available": False}
    criteria = list(range(1, 9))
    areas = table[["area_level", "area_id", "area_name"]].drop_duplicates()
    areas = areas.assign(_level=areas["area_level"].map({"poa_area": 0, "district": 1}))
    areas = areas.sort_values(["_level", "area_name", "area_id"], kind="mergesort")
    row_labels, cells, matrix_rows = [], [], []
    for area in areas.itertuples():
        rows = table[(table["area_level"] == area.area_level) & (table["area_id"] == area.area_id)]
        line, text_line = [], []
        for criterion in criteria:
            group_rows = rows[rows["criterion"] == criterion]
            assessed = group_rows[group_rows["assessed"].astype(bool)]
            gaps = [(_value(r, "gap_pp"), r["population_group"]) for _i, r in assessed.iterrows()]
            published = [(g, grp) for g, grp in gaps if g is not None]
            if published:
                worst, group = min(published, key=lambda item: (item[0], item[1]))
                line.append(("gap", worst))
                shown = number_text(worst, signed=True)
                text_line.append(f"{shown} {GROUP_CODES.get(group, group)}")
            elif not assessed.empty:
                line.append(("suppressed", float("nan")))
                text_line.append(SUPPRESSED_MARK)
            else:
                line.append(("not_assessed", float("nan")))
                text_line.append("not assessed")
        label = area.area_name if area.area_level == "poa_area" else f"{area.area_name} (district)"
        row_labels.append(label)
        cells.append(line)
        matrix_rows.append({"area": label, "cells": text_line})
    iris = edition.tables["iris_composite"].frame
    iris_rows = [
        {
            "area": row["area_name"] if row["area_level"] == "poa_area" else f"{row['area_name']} (district)",
            "group": group_label(row["population_group"], sentence_start=True),
            "criteria": cell(row, "criteria_assessed"),
            "households": cell(row, "households"),
            "share": cell(row, "share_overcome_vulnerabilities_pct", suffix="%"),
        }
        for _i, row in iris[iris["area_level"] == "poa_area"].iterrows()
    ]
    return {
        "available": True,
        "survey_round": table.iloc[0]["survey_round"],
        "criteria": [f"{c}. {IASC_CRITERIA[c]}" for c in criteria],
        "short_criteria": [SHORT_CRITERIA[c] for c in criteria],
        "matrix_svg": Markup(charts.heat_matrix("matrix", row_labels, [SHORT_CRITERIA[c] for c in criteria], cells)),
        "matrix_rows": matrix_rows,
        "iris_rows": iris_rows,
    }


def _poa(edition: Edition) -> dict[str, Any]:
    status = edition.tables["poa_status"].frame
    if status.empty:
        return {"available": False}
    keys = [("completed", "Completed"), ("on_track", "On track"), ("delayed", "Delayed"), ("overdue", "Overdue"),
            ("not_started", "Not started")]
    totals = status.groupby("area", sort=True)[["actions", "target", "achieved"] + [k for k, _l in keys]].sum()
    areas = list(totals.index)
    svg = charts.stacked_count_bars(
        "poa", areas, [(k, label, totals[k].astype(float).tolist()) for k, label in keys], "POA actions"
    )
    timeliness = edition.tables["poa_timeliness"].frame
    on_time = {row["area"]: row for _i, row in timeliness.iterrows()}
    rows = []
    for area, total in totals.iterrows():
        report = on_time.get(area)
        achieved = percent(100 * total["achieved"] / total["target"]) if total["target"] else ""
        rows.append(
            {
                "area": area,
                "actions": f"{total['actions']:,.0f}",
                "counts": [f"{total[k]:,.0f}" for k, _l in keys],
                "achieved": achieved,
                "submitted": report["submitted_on"] if report is not None else "not received",
                "on_time": ("yes" if bool(report["on_time"]) else "late") if report is not None else "",
            }
        )
    overdue = edition.tables["poa_overdue_actions"].frame
    by_lead = []
    for lead, actions in overdue.groupby("lead_org", sort=True):
        by_lead.append(
            {
                "lead": lead,
                "actions": [
                    {
                        "area": row["area"],
                        "action_id": row["action_id"],
                        "action": row["action"],
                        "criterion": int(row["iasc_criterion"]),
                        "due": row["due_date"],
                        "days": f"{int(row['days_overdue']):,}",
                    }
                    for _i, row in actions.iterrows()
                ],
            }
        )
    return {
        "available": True,
        "month": status.iloc[0]["report_month"],
        "status_labels": [label for _k, label in keys],
        "svg": Markup(svg),
        "rows": rows,
        "overdue_count": len(overdue),
        "by_lead": by_lead,
    }


def _services(edition: Edition) -> dict[str, Any]:
    gaps = edition.tables["service_gaps"].frame
    coverage = edition.tables["service_coverage"].frame
    month = edition.current.coverage_month
    context: dict[str, Any] = {"month": month, "available": bool(month)}
    if not month:
        return context
    previous_criterion = None
    context["gap_rows"] = []
    context["gap_count"] = len(gaps)
    shown = gaps.copy()
    if not shown.empty:
        # ordering only: districts whose returnees are suppressed or not assessed come after the others
        shown["_returnees"] = [_value(r, "returnee_individuals") or -1.0 for _i, r in shown.iterrows()]
        shown = shown.sort_values(["_returnees", "area_id", "iasc_criterion"], ascending=[False, True, True],
                                  kind="mergesort").head(TOP_GAPS)
        shown = shown.sort_values(["iasc_criterion", "_returnees", "area_id"], ascending=[True, False, True],
                                  kind="mergesort")
    for _i, row in shown.iterrows():
        criterion = int(row["iasc_criterion"])
        context["gap_rows"].append(
            {
                "criterion": f"{criterion}. {IASC_CRITERIA.get(criterion, '')}" if criterion != previous_criterion
                else "",
                "district": row["area_name"],
                "need": row["need_reason"],
                "returnees": cell(row, "returnee_individuals") or NOT_ASSESSED_MARK,
                "elsewhere": row["sectors_active_elsewhere_in_governorate"] or "none",
            }
        )
        previous_criterion = criterion
    sectors = sorted(set(coverage["sector_code"].astype(str))) if not coverage.empty else []
    active = coverage[coverage["active_orgs"] > 0] if not coverage.empty else coverage
    matrix = []
    for criterion in range(1, 9):
        line = []
        for sector in sectors:
            districts = active[(active["iasc_criterion"] == criterion) & (active["sector_code"] == sector)]
            line.append(str(districts["area_id"].nunique()) if not districts.empty else "")
        gap_count = gaps[gaps["iasc_criterion"] == criterion]["area_id"].nunique() if not gaps.empty else 0
        matrix.append({"criterion": SHORT_CRITERIA[criterion], "cells": line, "gaps": str(gap_count)})
    context["sectors"] = sectors
    context["sector_names"] = ", ".join(f"{s} {SECTOR_CODES.get(s, s)}" for s in sectors)
    # sectors whose activities on a criterion came (at least partly) from 3W rows without one
    inferred = coverage[coverage["criterion_inferred"].astype(object).eq(True)] if (
        "criterion_inferred" in coverage.columns and not coverage.empty) else coverage.iloc[0:0]
    context["inferred_sectors"] = ", ".join(sorted(set(inferred["sector_code"].astype(str)))) if len(inferred) else ""
    context["matrix"] = matrix
    context["districts_with_services"] = int(active["area_id"].nunique()) if not active.empty else 0
    context["organisations"] = int(len(edition.tables["referral_directory"].frame["org_acronym"].unique()))
    return context


def _sources(edition: Edition, stale: Sequence[StaleSource] | None = None) -> dict[str, Any]:
    """Sources and data quality: each source's files and rows, the top quarantine reasons and, when `stale` is
    given (None: freshness not assessed), one line per source older than its expected cadence."""
    sources = edition.tables["sources"].frame
    reasons = edition.tables["quarantine_reasons"].frame
    return {
        "rows": [
            {
                "title": row["title"],
                "provider": row["provider"],
                "as_of": row["data_as_of"],
                "files": f"{int(row['files']):,}",
                "read": f"{int(row['rows_read']):,}",
                "accepted": f"{int(row['rows_accepted']):,}",
                "quarantined": f"{int(row['rows_quarantined']):,}",
            }
            for _i, row in sources.iterrows()
        ],
        "reasons": [
            {"source": row["source_id"], "check": row["check"], "column": row["column"] or "(whole row)",
             "rows": f"{int(row['rows']):,}"}
            for _i, row in reasons.head(5).iterrows()
        ],
        "total_quarantined": f"{int(sources['rows_quarantined'].sum()):,}" if not sources.empty else "0",
        "stale": None if stale is None else [source.message() for source in stale],
    }


def _method(edition: Edition) -> dict[str, Any]:
    settings = edition.settings
    ri = settings.get("return_index", {}) or {}
    sizes = household_sizes(settings)
    params = edition.disclosure
    suppressions = edition.suppressions
    by_table: dict[str, int] = {}
    for suppression in suppressions:
        by_table[suppression.table] = by_table.get(suppression.table, 0) + 1  # a count starts at 0
    return {
        "medium_from": f"{float(ri['medium_from']):g}",
        "high_from": f"{float(ri['high_from']):g}",
        "hotspot_min_returnees": f"{int(ri['hotspot_min_returnees']):,}",
        "household_size": sizes.household_size,
        "camp_household_size": sizes.camp_household_size,
        "min_households": params.min_households,
        "min_individuals": params.min_individuals,
        "round_to": params.round_individuals_to,
        "suppressed_cells": len(suppressions),
        "suppressed_by_table": ", ".join(f"{k} {v}" for k, v in sorted(by_table.items())) or "none",
        "primary": sum(1 for s in suppressions if s.reason.startswith("primary")),
        "secondary": sum(1 for s in suppressions if s.reason.startswith("secondary")),
        "derived": sum(1 for s in suppressions if s.reason.startswith("derived")),
        "disclaimer": MAP_DISCLAIMER,
    }


def brief_context(
    edition: Edition,
    label: str | None = None,
    no_data: dict[str, str] | None = None,
    stale: Sequence[StaleSource] | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as plain strings and lists. `no_data` (section title -> why) marks the
    sections printed as "No data in this edition: <why>" (default: the edition's own section gaps); `stale`
    lists the sources older than their cadence (lib.freshness; None: freshness not assessed)."""
    from ds_pipeline.lib.products.gates import no_data_reasons

    return {
        "sections": SECTION_TITLES,
        "no_data": no_data_reasons(edition) if no_data is None else no_data,
        "masthead": _masthead(edition, label or edition.sensitivity_label),
        "key_figures": _key_figures(edition),
        "highlights": edition.highlights,
        "new_data": edition.new_data,
        "severity": _severity(edition),
        "displacement": _displacement(edition),
        "priority": _priority(edition),
        "criteria": _criteria(edition),
        "poa": _poa(edition),
        "services": _services(edition),
        "sources": _sources(edition, stale),
        "method": _method(edition),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_brief_html(
    edition: Edition,
    label: str | None = None,
    no_data: dict[str, str] | None = None,
    stale: Sequence[StaleSource] | None = None,
) -> str:
    """The brief as one self-contained HTML document (CSS and SVG charts inline). `label` replaces the
    sensitivity label of the DSTWG brief (the RWG pack carries its copy under the pack's label); `no_data` and
    `stale` as in `brief_context`."""
    environment = _environment()
    css = (TEMPLATES_DIR / "brief.css").read_text(encoding="utf-8")
    template = environment.get_template("brief.html.j2")
    return template.render(css=Markup(css), **brief_context(edition, label, no_data, stale))


@contextmanager
def source_date_epoch(day: dt.date) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH to midnight UTC of `day` for the duration of the block, then restore it."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    epoch = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def prepare_renderer() -> None:
    """Import WeasyPrint and its PDF writer now (about 1 s of one core), ahead of the first render: a publish does it
    while its round runs work in other processes, and the processes it forks later find them imported."""
    import weasyprint  # noqa: F401
    import weasyprint.pdf  # noqa: F401


def render_pdf(html: str, as_of: dt.date) -> tuple[bytes, int]:
    """PDF bytes of a product's HTML and its page count, byte-reproducible (SOURCE_DATE_EPOCH = the as-of date);
    charts go to WeasyPrint as images of their SVG (`charts.as_images`)."""
    import weasyprint

    with source_date_epoch(as_of):
        document = weasyprint.HTML(string=charts.as_images(html)).render()
        pdf = document.write_pdf()
    return pdf, len(document.pages)


def render_brief_document(html: str, edition: Edition) -> tuple[bytes, int]:
    """PDF bytes of the brief and its page count."""
    return render_pdf(html, edition.as_of)


def render_brief_pdf(html: str, edition: Edition) -> bytes:
    """The brief as PDF (A4, "Page X of Y" and the sensitivity label on every page), byte-reproducible."""
    return render_brief_document(html, edition)[0]
