"""Publication of a month's area updates: every POA area in English and Arabic, HTML and PDF, checked (2-4 pages,
every section heading in the PDF's text) and written to `areas/<YYYY-MM>/` in one atomic step."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ds_pipeline.lib.i18n import LANGUAGES, Language, MissingTranslation
from ds_pipeline.lib.parallelism import map_forked
from ds_pipeline.lib.products.atomic import staged_folder

# warehouse tables an area update is selected from (the round tables over all rounds)
ROUND_TABLES = ("area_severity", "displacement_by_area", "return_index_conformed")
AREA_TABLES = (
    *ROUND_TABLES, "criteria_progress", "iris_composite", "poa_status_by_criterion", "poa_overdue_actions",
    "poa_timeliness", "service_coverage", "service_mapping_conformed", "source_inventory", "quarantine_log",
    "gazetteer_conformed", "data_slices", "service_gaps", "area_priority", "referral_directory",
)
PAGES = (2, 4)  # an area update has 2 to 4 pages
AREAS_FOLDER = "areas"
SECTION_HEADINGS = (
    "Key figures", "What changed since last month", "Severity of conditions in locations of return",
    "Gaps to non-displaced residents on the eight criteria", "Plan of Action progress", "Who is active where",
)


class AreaPublicationError(RuntimeError):
    """An area update failed its checks (or a message lacks its translation): nothing of the month is published."""


@dataclass
class PublishedAreas:
    """What a month's publication wrote."""

    month: str
    folder: Path
    files: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    suppressed_cells: int = 0

    def lines(self) -> list[str]:
        return [f"area update {name}: {pages} pages" for name, pages in sorted(self.pages.items())]


def area_languages(settings: dict[str, Any]) -> list[Language]:
    """The languages of the area updates, Arabic with the digits of settings `area_updates.digits`."""
    digits = str((settings.get("area_updates", {}) or {}).get("digits", "western"))
    try:
        return [Language(code, digits if code == "ar" else "western") for code in LANGUAGES]
    except ValueError as error:
        raise AreaPublicationError(f"settings area_updates.digits: {error}") from None


def _problems(name: str, pages: int, text: str, language: Language) -> list[str]:
    problems = []
    if not PAGES[0] <= pages <= PAGES[1]:
        problems.append(f"{name} has {pages} pages (an area update has {PAGES[0]} to {PAGES[1]})")
    flat = " ".join(text.split())
    for heading in SECTION_HEADINGS:
        if " ".join(language.gettext(heading).split()) not in flat:
            problems.append(f"{name} lost its section {heading!r} in the PDF")
    return problems


def render_area_files(tables: dict[str, pd.DataFrame], month: str, settings: dict[str, Any]) -> tuple[
        dict[str, bytes], dict[str, int], int]:
    """Every file of a month's area updates (name -> bytes), their page counts, and the suppressed cells; raises
    AreaPublicationError naming each problem."""
    from ds_pipeline.lib.products.area_render import render_area_html, render_area_pdf
    from ds_pipeline.lib.products.area_update import AreaUpdate, build_area_updates
    from ds_pipeline.lib.products.verify import pdf_text

    def render(update: AreaUpdate, language: Language) -> tuple[str, str, bytes, int, list[str]]:
        stem = update.stem(language.code)
        html = render_area_html(update, language)
        pdf, count = render_area_pdf(html, update.as_of)
        return stem, html, pdf, count, _problems(f"{stem}.pdf", count, pdf_text(pdf, language.direction == "rtl"),
                                                 language)

    try:
        updates = build_area_updates(tables, month, settings)
        files: dict[str, bytes] = {}
        pages: dict[str, int] = {}
        problems: list[str] = []
        # each file rendered and checked on its own (about 0.9 s of one core), as many at a time as the machine allows
        calls = [partial(render, update, language) for update in updates for language in area_languages(settings)]
        for stem, html, pdf, count, found in map_forked(calls):
            problems += found
            files[f"{stem}.html"], files[f"{stem}.pdf"], pages[stem] = html.encode("utf-8"), pdf, count
    except MissingTranslation as error:
        raise AreaPublicationError(f"area updates {month}: {error}") from None
    if not updates:
        problems.append("settings list no POA area")
    if problems:
        raise AreaPublicationError(f"area updates {month}: " + "; ".join(problems))
    return files, pages, sum(len(u.suppressions) for u in updates)


def publish_area_updates(
    tables: dict[str, pd.DataFrame], month: str, settings: dict[str, Any], out_dir: Path
) -> PublishedAreas:
    """Render, check and write the area updates of `month` into `out_dir/areas/<month>/` (replacing the folder in
    one step: a failed check leaves the previous publication as it was)."""
    files, pages, suppressed = render_area_files(tables, month, settings)
    target = Path(out_dir) / AREAS_FOLDER / month
    target.parent.mkdir(parents=True, exist_ok=True)
    with staged_folder(target) as staging:
        for name, content in sorted(files.items()):
            (staging / name).write_bytes(content)
    return PublishedAreas(month, target, sorted(target / name for name in files), pages, suppressed)


def published_area_files(out_dir: Path, month: str) -> dict[str, bytes]:
    """The published files of `month`'s area updates (name -> bytes; empty when not published), for the pack."""
    folder = Path(out_dir) / AREAS_FOLDER / month
    if not folder.is_dir():
        return {}
    return {f"{AREAS_FOLDER}/{month}/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in {".html", ".pdf"}}
