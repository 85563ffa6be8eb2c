"""Checks on a rendered brief before it is published: every section present in the PDF's own text."""

from __future__ import annotations

import io
import re

from ds_pipeline.lib.products.brief import SECTION_TITLES as BRIEF_SECTIONS


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as a reader's copy-paste would give it (whitespace collapsed)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


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
