"""Checks on a rendered brief before it is published: every section present in the PDF's own text, in order,
and each with content (a figure, a table row, or an allowed "no data in this edition" statement)."""

from __future__ import annotations

import io
import re
import subprocess
from functools import lru_cache
from html.parser import HTMLParser

from ds_pipeline.lib.products.brief import SECTION_TITLES as BRIEF_SECTIONS

PDFTOTEXT = "pdftotext"  # poppler-utils (Debian package, installed by set-up and in the image)


class PdfTextError(RuntimeError):
    """The text of a PDF could not be extracted (the extractor is missing or failed)."""


@lru_cache(maxsize=8)
def pdf_text(pdf: bytes, right_to_left: bool = False) -> str:
    """The text of every page, as a reader's copy-paste would give it (whitespace collapsed). Kept for the last few
    PDFs: the section checks of one brief read the same text twice.

    Left-to-right text is extracted by poppler's `pdftotext` (about 0.05 s for the 9-page brief, against 0.8 s
    with pypdf). Right-to-left text goes through pypdf: pdftotext moves Arabic combining marks (shadda, fatha)
    away from their letter and splits words there, so Arabic headings would not be found; pypdf keeps them."""
    if right_to_left:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(pdf))
        return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))
    try:
        done = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=False)
    except FileNotFoundError:
        raise PdfTextError(f"{PDFTOTEXT} is not installed (Debian package poppler-utils): run `make setup`") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PdfTextError(f"{PDFTOTEXT} could not read the PDF: {reason[-1] if reason else done.returncode}")
    return re.sub(r"\s+", " ", done.stdout.decode("utf-8")).strip()


def pdf_page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def missing_sections(pdf: bytes, sections: tuple[str, ...] = BRIEF_SECTIONS) -> list[str]:
    """Section headings not found in the PDF's text, or found out of order."""
    text = pdf_text(pdf)
    missing, position = [], 0
    for heading in sections:
        found = text.find(heading, position)
        if found < 0:
            missing.append(heading)
        else:
            position = found + len(heading)
    return missing


# --------------------------------------------------------------------------------------------------------------
# Content of each section

# Sections of prose (no figure or table by design): a paragraph or list item with text is their content.
TEXT_SECTIONS = ("What changed", "Method, limitations and disclosure control")
NO_DATA_CLASS = "no-data"
_DRAWING = {"rect", "path", "line", "circle", "polygon", "polyline", "ellipse"}


class _SectionParser(HTMLParser):
    """Collects, per <section> (named by its <h2>), its content items: ("figure", caption), ("row", first cell),
    ("box", value), ("item", text), ("no-data", text), ("text", paragraph)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[tuple[str, str]]] = {}
        self._title: str | None = None
        self._stack: list[tuple[str, str]] = []  # (tag, class)
        self._capture: list[str] | None = None
        self._capture_kind = ""
        self._capture_depth = 0
        self._in_section = False
        self._figure_drawn = False
        self._h2: list[str] | None = None
        self._row_cells: list[str] | None = None

    def _items(self) -> list[tuple[str, str]]:
        return self.sections.setdefault(self._title or "", [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        self._stack.append((tag, classes))
        if tag == "section":
            self._in_section, self._title = True, None
        elif not self._in_section:
            return
        elif tag == "h2":
            self._h2 = []
        elif tag == "figure":
            self._figure_drawn = False
        elif tag in _DRAWING and any(t == "figure" for t, _c in self._stack):
            self._figure_drawn = True
        elif tag == "tr" and any(t == "tbody" for t, _c in self._stack):
            self._row_cells = []
        elif self._capture is None and (
            (tag == "div" and "value" in classes.split() and any("figure-box" in c for _t, c in self._stack))
            or tag in ("li", "p", "figcaption", "td")
        ):
            self._capture, self._capture_depth = [], len(self._stack)
            self._capture_kind = {"li": "item", "figcaption": "figure", "td": "cell", "div": "box"}.get(tag, "text")
            if tag == "p" and NO_DATA_CLASS in classes.split():
                self._capture_kind = "no-data"

    def handle_endtag(self, tag: str) -> None:
        if self._capture is not None and len(self._stack) == self._capture_depth:
            text = " ".join("".join(self._capture).split())
            kind, self._capture = self._capture_kind, None
            if kind == "cell":
                if self._row_cells is not None:
                    self._row_cells.append(text)
            elif kind == "figure":
                if self._figure_drawn:
                    self._items().append(("figure", text))
            elif text:
                self._items().append((kind, text))
        if tag == "h2" and self._h2 is not None:
            self._title, self._h2 = " ".join("".join(self._h2).split()), None
        elif tag == "tr" and self._row_cells is not None:
            cells = [c for c in self._row_cells if c]
            if cells:
                self._items().append(("row", cells[0]))
            self._row_cells = None
        elif tag == "section":
            self._in_section = False
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._h2 is not None:
            self._h2.append(data)
        if self._capture is not None:
            self._capture.append(data)


def section_items(html: str) -> dict[str, list[tuple[str, str]]]:
    """Content items of each section of the brief's HTML, by section heading."""
    parser = _SectionParser()
    parser.feed(html)
    parser.close()
    return parser.sections


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def section_content_problems(
    html: str, pdf: bytes, allow_incomplete: bool = False, sections: tuple[str, ...] = BRIEF_SECTIONS
) -> list[str]:
    """Sections without content: a data section needs a figure (a drawn chart or a key-figure box), a table row or
    a list item, a prose section a paragraph; a "No data in this edition" statement counts only when incomplete
    publication is allowed. The first content item of each section must also be in the PDF's text under its
    heading."""
    items = section_items(html)
    text = _squeezed(pdf_text(pdf))
    spans: dict[str, str] = {}
    positions = []
    position = 0
    for heading in sections:
        found = text.find(_squeezed(heading), position)
        positions.append(found)
        if found >= 0:
            position = found + len(_squeezed(heading))
    for i, heading in enumerate(sections):
        start = positions[i]
        if start < 0:
            continue
        ends = [p for p in positions[i + 1:] if p >= 0]
        spans[heading] = text[start:ends[0] if ends else len(text)]
    problems = []
    for heading in sections:
        found = items.get(heading, [])
        statements = [t for kind, t in found if kind == "no-data"]
        if statements and not allow_incomplete:
            problems.append(f"{heading}: says {statements[0]!r} (publishing it needs --allow-incomplete)")
            continue
        kinds = ("figure", "row", "box", "item", "no-data") + (("text",) if heading in TEXT_SECTIONS else ())
        content = [(kind, t) for kind, t in found if kind in kinds]
        if not content:
            problems.append(f"{heading}: no figure, table row or statement, only its heading")
            continue
        probe = _squeezed(content[0][1])[:40]
        if heading in spans and probe not in spans[heading]:
            problems.append(f"{heading}: its content ({content[0][1][:40]!r}) is not in the PDF")
    return problems
