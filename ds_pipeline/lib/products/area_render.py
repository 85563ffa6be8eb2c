"""Area updates rendered in one language: the HTML document (right to left in Arabic, every word from the message
catalogue, place names from the gazetteer), its chart drawn as paths, and the reproducible PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
from functools import lru_cache
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from ds_pipeline.lib.canonical import IASC_CRITERIA, SECTOR_CODES
from ds_pipeline.lib.csv_safe import neutralise_cell
from ds_pipeline.lib.i18n import N_, Language
from ds_pipeline.lib.products.area_changes import GROUPS, SCALES, Number, Term
from ds_pipeline.lib.products.area_update import DEFAULT_SENSITIVITY_LABEL, AreaUpdate, Place
from ds_pipeline.lib.products.brief import TEMPLATES_DIR, render_pdf
from ds_pipeline.lib.products.disclosure import is_small, round_half_away, round_to
from ds_pipeline.lib.products.edition import KeyFigure
from ds_pipeline.lib.products.key_figures import key_figure_suppressions

ARABIC_FONT = "Noto Naskh Arabic"  # SIL Open Font License; Debian fonts-noto-core, installed by set-up
LATIN_FONT = "DejaVu Sans"
SEVERITY_TERMS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}
STATUS_TERMS = {
    "completed": N_("completed"), "on_track": N_("on track"), "delayed": N_("delayed"),
    "overdue": N_("overdue"), "not_started": N_("not started"), "ongoing": N_("ongoing"), "planned": N_("planned"),
}
POA_STATUSES = ("completed", "on_track", "delayed", "overdue", "not_started")
MAX_DIRECTORY_ROWS = 30


class AreaFormatter:
    """Numbers, places and terms of one area update in one language, with the brief's disclosure rules."""

    def __init__(self, update: AreaUpdate, language: Language) -> None:
        self.update, self.language = update, language
        self._ = language.gettext

    def ltr(self, text: str) -> Markup:
        """A number or code kept left to right (and in the language's digits) inside the text."""
        return Markup('<bdi dir="ltr">{}</bdi>').format(self.language.number_text(str(text)))

    def code(self, text: str) -> Markup:
        return Markup('<bdi dir="ltr" class="code">{}</bdi>').format(text)

    def text(self, value: Any) -> str:
        """Partner text (organisation, action): formula starts neutralised; markup is escaped by the template."""
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(neutralise_cell(value))

    def place(self, place: Place) -> str:
        return place.name(self.language.code)

    def term(self, message: str) -> str:
        return self._(message)

    def criterion(self, number: Any) -> str:
        return self._(IASC_CRITERIA[int(number)]) if pd.notna(number) else ""

    def month(self, month: str) -> str:
        return self.language.month(month) if month else self._("no data")

    def number(self, value: Any, decimals: int = 0, signed: bool = False) -> Markup | str:
        if value is None or pd.isna(value):
            return self._("n/a")
        rounded = round_half_away(float(value), decimals) if decimals else round_half_away(float(value))
        text = f"{rounded:+,.{decimals}f}" if signed else f"{rounded:,.{decimals}f}"
        return self.ltr(text.replace("-", "−"))

    def people(self, value: Any) -> Markup | str:
        """Individuals as published: "fewer than 60" when small, else rounded like the brief."""
        if value is None or pd.isna(value):
            return self._("n/a")
        threshold = self.update.params.min_individuals
        if is_small(float(value), threshold):
            return Markup(escape(self._("fewer than {number}"))).format(number=self.ltr(str(threshold)))
        return self.ltr(f"{round_to(float(value), self.update.params.round_individuals_to):,.0f}")

    def figure_value(self, figure: KeyFigure) -> Markup | str:
        if figure.value is None:
            return self._("not assessed")
        return self.people(figure.value)

    def figure_change(self, figure: KeyFigure) -> Markup | str:
        if figure.value is None:
            return self._("no data")
        change = figure.change
        if change is None:
            return self._("new this month")
        if change == 0:
            return self._("no change")
        arrow = "▲" if change > 0 else "▼"
        reason = key_figure_suppressions(figure, self.update.params).get("change", "")
        if reason and not reason.startswith("primary"):
            return Markup("{} {}").format(arrow, self._("size suppressed"))
        return Markup("{} {}").format(arrow, self.people(abs(change)))

    def value(self, value: Any) -> Markup | str:
        """A placeholder value of a "what changed" sentence."""
        if isinstance(value, Place):
            return self.place(value)
        if isinstance(value, Term):
            return self.term(value.message)
        if isinstance(value, Number):
            return self.number(value.value, 1 if value.kind == "score" else 0, signed=value.kind == "points")
        if isinstance(value, dt.date):
            return self.language.date(value)
        if isinstance(value, str) and len(value) == 7 and value[4] == "-" and value[:4].isdigit():
            return self.month(value)
        if isinstance(value, str) and value[:1].isalpha() and value[1:].isdigit():
            return self.code(value)  # a round id: R139, S2026
        return self.text(value)

    def sentence(self, message: str, values: dict[str, Any]) -> Markup:
        shown: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, KeyFigure):
                shown[key] = self.figure_change(value) if key == "change" else self.figure_value(value)
            else:
                shown[key] = self.value(value)
        return Markup(escape(self._(message))).format(**shown)


# --------------------------------------------------------------------------------------------------------------
# Chart


@lru_cache(maxsize=1)
def _arabic_font_file() -> str:
    """The file of the Arabic font (fontconfig), so the charts find it even if matplotlib's font list is older."""
    result = subprocess.run(["fc-match", "-f", "%{file}", f"{ARABIC_FONT}:style=Regular"], capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() if ARABIC_FONT.replace(" ", "") in result.stdout.replace(" ", "") else ""


def severity_chart(update: AreaUpdate, fmt: AreaFormatter) -> str:
    """Sub-districts ranked by mean overall severity score: horizontal bars, names in the language, text as paths
    (Arabic shaped and ordered by matplotlib, so the PDF renderer has no text to lay out)."""
    from matplotlib import font_manager

    from ds_pipeline.lib.products.charts import ranked_bars

    rows = update.severity
    if not rows.empty:
        rows = rows[(rows["area_level"] == "subdistrict") & rows["mean_overall_score"].notna()]
    title = fmt.term(N_("Mean overall severity score (0 = all conditions met, 100 = none)"))
    fonts: tuple[str, ...] = (LATIN_FONT,)  # paths in both languages: the PDF holds only the faces the CSS declares
    if fmt.language.direction == "rtl":
        font = _arabic_font_file()
        if font:
            font_manager.fontManager.addfont(font)  # matplotlib's font list may predate the font's installation
        fonts = (ARABIC_FONT, LATIN_FONT)
    labels = [fmt.place(p) for p in rows["place"]] if not rows.empty else []
    values = [float(v) for v in rows["mean_overall_score"]] if not rows.empty else []
    return ranked_bars("area-severity", labels, values, title, fonts, fmt.term(N_("No data for this chart")),
                       description=title)


# --------------------------------------------------------------------------------------------------------------
# Sections


def _severity_rows(update: AreaUpdate, fmt: AreaFormatter) -> list[dict[str, Any]]:
    rows = []
    for row in update.severity.itertuples(index=False) if not update.severity.empty else []:
        rows.append({
            "level": fmt.term(N_("district") if row.area_level == "district" else N_("sub-district")),
            "rank": fmt.ltr(str(row.rank)),
            "name": fmt.place(row.place),
            "pcode": fmt.code(row.area_id),
            "returnees": fmt.people(row.returnee_individuals) if pd.notna(row.returnee_individuals)
            else fmt.term(N_("s")),
            "high": fmt.people(row.returnees_high) if pd.notna(row.returnees_high) else fmt.term(N_("s")),
            "overall": fmt.number(row.mean_overall_score, 1),
            "scale1": fmt.number(row.mean_scale1_score, 1),
            "scale2": fmt.number(row.mean_scale2_score, 1),
            "severity": fmt.term(SEVERITY_TERMS[row.severity]) if row.severity in SEVERITY_TERMS
            else fmt.term(N_("not assessed")),
        })
    return rows


def _location_rows(update: AreaUpdate, fmt: AreaFormatter) -> list[dict[str, Any]]:
    return [
        {
            "rank": fmt.ltr(str(row.rank)), "name": fmt.text(row.location), "subdistrict": fmt.place(row.subdistrict),
            "overall": fmt.number(row.overall_score, 1), "scale1": fmt.number(row.scale1_score, 1),
            "scale2": fmt.number(row.scale2_score, 1),
            "severity": fmt.term(SEVERITY_TERMS.get(str(row.severity), N_("not assessed"))),
        }
        for row in (update.locations.itertuples(index=False) if not update.locations.empty else [])
    ]


def _criteria_rows(update: AreaUpdate, fmt: AreaFormatter) -> list[dict[str, Any]]:
    rows = []
    for criterion in IASC_CRITERIA:
        cells = []
        for group in GROUPS:
            match = update.criteria[(update.criteria["criterion"] == criterion)
                                    & (update.criteria["population_group"] == group)]
            if match.empty or not bool(match.iloc[0]["assessed"]):
                cells.append({"text": fmt.term(N_("not assessed")), "kind": "not-assessed"})
            elif pd.isna(match.iloc[0]["gap_pp"]):
                cells.append({"text": fmt.term(N_("s")), "kind": "suppressed"})
            else:
                gap = float(match.iloc[0]["gap_pp"])
                cells.append({"text": fmt.number(gap, signed=True), "kind": "gap" if gap < 0 else "ok"})
        rows.append({"number": fmt.ltr(str(criterion)), "name": fmt.criterion(criterion), "cells": cells})
    return rows


def _poa(update: AreaUpdate, fmt: AreaFormatter) -> dict[str, Any]:
    status = []
    for row in update.poa_status.itertuples(index=False) if not update.poa_status.empty else []:
        status.append({
            "criterion": fmt.criterion(row.iasc_criterion),
            "counts": [fmt.ltr(str(int(getattr(row, s)))) for s in ("actions", *POA_STATUSES)],
            "achieved": fmt.number(row.achieved), "target": fmt.number(row.target),
            "pct": Markup("{}%").format(fmt.ltr(str(int(row.achieved_pct)))) if pd.notna(row.achieved_pct)
            else fmt.term(N_("n/a")),
        })
    overdue = [
        {"lead": fmt.text(row.lead_org), "action": fmt.text(row.action), "id": fmt.code(fmt.text(row.action_id)),
         "criterion": fmt.criterion(row.iasc_criterion), "due": fmt.ltr(str(row.due_date)),
         "days": fmt.ltr(str(int(row.days_overdue)))}
        for row in (update.poa_overdue.itertuples(index=False) if not update.poa_overdue.empty else [])
    ]
    timeliness = None
    if not update.poa_timeliness.empty:
        row = update.poa_timeliness.iloc[0]
        timeliness = Markup(escape(fmt.term(
            N_("Report for {month} submitted on {submitted}, deadline {deadline}: {verdict}.")
        ))).format(month=fmt.month(update.poa_month), submitted=fmt.ltr(str(row["submitted_on"])),
                   deadline=fmt.ltr(str(row["deadline"])),
                   verdict=fmt.term(N_("on time") if bool(row["on_time"]) else N_("late")))
    return {"month": fmt.month(update.poa_month) if update.poa_month else "", "status": status,
            "status_headings": [fmt.term(STATUS_TERMS[s]) for s in POA_STATUSES], "overdue": overdue,
            "timeliness": timeliness}


def _directory(update: AreaUpdate, fmt: AreaFormatter) -> dict[str, Any]:
    directory = update.directory
    rows = []
    for row in directory.head(MAX_DIRECTORY_ROWS).itertuples(index=False) if not directory.empty else []:
        subdistrict = getattr(row, "subdistrict_name", None)
        rows.append({
            "org": fmt.text(row.org_acronym), "org_name": fmt.text(row.org_name),
            "sector": fmt.term(SECTOR_CODES[row.sector_code]) if row.sector_code in SECTOR_CODES
            else fmt.text(row.sector_code),
            "activity": fmt.text(row.activity), "criterion": fmt.criterion(row.iasc_criterion),
            "where": fmt.text(subdistrict) if subdistrict else fmt.text(row.area_name),
        })
    return {"rows": rows, "more": fmt.ltr(str(max(len(directory) - MAX_DIRECTORY_ROWS, 0)))
            if len(directory) > MAX_DIRECTORY_ROWS else "", "month": fmt.month(
        update.coverage_month) if update.coverage_month else ""}


def area_context(update: AreaUpdate, language: Language) -> dict[str, Any]:
    """Everything the template shows, already in the language (the template adds headings from the catalogue)."""
    fmt = AreaFormatter(update, language)
    return {
        "lang": language.code,
        "dir": language.direction,
        "sep": "، " if language.direction == "rtl" else ", ",  # list separator: the Arabic comma in Arabic
        "area": fmt.place(update.area),
        "month": fmt.month(update.month),
        "as_of": language.date(update.as_of),
        "districts": [{"name": fmt.place(p), "pcode": fmt.code(p.pcode)} for p in update.districts],
        "subdistricts": [{"name": fmt.place(p), "pcode": fmt.code(p.pcode)} for p in update.subdistricts],
        "sources": [{"label": fmt.term(s.label), "used": fmt.value(s.used) if s.used else fmt.term(N_("no data")),
                     "as_of": language.date(s.data_as_of) or fmt.term(N_("no data"))} for s in update.sources],
        "label": update.sensitivity_label.get(language.code) or fmt.term(DEFAULT_SENSITIVITY_LABEL),
        "figures": [{"label": fmt.term(f.label), "value": fmt.figure_value(f), "change": fmt.figure_change(f),
                     "source": fmt.code(f.source) if f.source else ""} for f in update.key_figures],
        "previous_month": fmt.month(update.previous_month),
        "changes": [fmt.sentence(c.message, c.values) for c in update.changes],
        "severity_round": fmt.code(update.severity_round) if update.severity_round else fmt.term(N_("no data")),
        "severity_chart": Markup(severity_chart(update, fmt)),
        "severity": _severity_rows(update, fmt),
        "locations": _location_rows(update, fmt),
        "scales": [fmt.term(SCALES[s]) for s in SCALES],
        "survey_round": fmt.code(update.survey_round) if update.survey_round else fmt.term(N_("no data")),
        "groups": [fmt.term(g) for g in GROUPS.values()],
        "criteria": _criteria_rows(update, fmt),
        "poa": _poa(update, fmt),
        "directory": _directory(update, fmt),
        "min_individuals": fmt.ltr(str(update.params.min_individuals)),
        "round_to": fmt.ltr(str(update.params.round_individuals_to)),
    }


def _environment(language: Language) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(language.gettext, language.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return environment


def render_area_html(update: AreaUpdate, language: Language) -> str:
    """The area update as one self-contained HTML document in `language`."""
    css = (TEMPLATES_DIR / "area_update.css").read_text(encoding="utf-8")
    template = _environment(language).get_template("area_update.html.j2")
    return template.render(css=Markup(css), **area_context(update, language))


def render_area_pdf(html: str, as_of: dt.date) -> tuple[bytes, int]:
    """PDF bytes of an area update and its page count, byte-reproducible (SOURCE_DATE_EPOCH = the as-of date)."""
    return render_pdf(html, as_of)
