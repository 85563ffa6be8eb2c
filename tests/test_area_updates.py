"""The monthly area updates of the POA areas, English and Arabic: published files, page counts, extracted text, key
figures against the warehouse, headless Chromium, glyph coverage, escaping, and byte-identical rebuilds."""

from __future__ import annotations

import html as html_lib
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    AREA_MONTH,
    PLANTED_FORMULA_4W,
    PLANTED_FORMULA_POA,
    PLANTED_SCRIPT_4W,
    PLANTED_SCRIPT_POA,
    ROOT,
)
from pypdf import PdfReader

from ds_pipeline.lib.i18n import Language
from ds_pipeline.lib.products.area_publish import AREA_TABLES, SECTION_HEADINGS, render_area_files
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.warehouse import read_table

AREAS = ("sinjar", "balad", "ramadi", "al-bakar")
ARTEFACTS = ROOT / "test-artifacts"


def _stem(area: str, language: str) -> str:
    return f"IRQ_area_update_{area}_{AREA_MONTH}_{language}"


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _visible_text(document: str) -> str:
    """The text a reader sees in an HTML document (tags, styles and chart paths removed, entities decoded)."""
    body = re.sub(r"<style.*?</style>|<svg.*?</svg>", " ", document, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def warehouse_tables(demo: dict) -> dict[str, pd.DataFrame]:
    return {name: read_table(demo["engine"], name) for name in AREA_TABLES}


def test_every_poa_area_is_published_in_english_and_arabic_with_two_to_four_pages(demo: dict) -> None:
    folder = demo["areas"]
    expected = {f"{_stem(a, lang)}.{ext}" for a in AREAS for lang in ("en", "ar") for ext in ("html", "pdf")}
    assert {p.name for p in folder.iterdir()} == expected
    for area in AREAS:
        for language in ("en", "ar"):
            pages = len(PdfReader(folder / f"{_stem(area, language)}.pdf").pages)
            assert 2 <= pages <= 4, (area, language, pages)
    assert any(f"area updates for {AREA_MONTH}" in line for line in demo["progress"])


@pytest.mark.parametrize("language", ["en", "ar"])
def test_pdf_text_has_every_section_heading_in_its_language(demo: dict, language: str) -> None:
    lang = Language(language)
    for area in AREAS:
        text = _flat(_pdf_text(demo["areas"] / f"{_stem(area, language)}.pdf"))
        for heading in SECTION_HEADINGS:
            assert _flat(lang.gettext(heading)) in text, (area, heading)
        if language == "ar":
            assert "Key figures" not in text and "Who is active where" not in text  # no English left behind
            assert re.search(r"[\u0600-\u06ff]{3,}", text)


def test_arabic_pdf_names_the_area_and_its_places_from_the_gazetteer_in_logical_order(
    demo: dict, warehouse_tables: dict[str, pd.DataFrame]
) -> None:
    gazetteer = warehouse_tables["gazetteer_conformed"]
    settings = load_settings(demo["sources"])
    for area in settings["poa_areas"]:
        slug = "".join(c if c.isalnum() else "-" for c in area["name"].lower()).strip("-")
        text = _flat(_pdf_text(demo["areas"] / f"{_stem(slug, 'ar')}.pdf"))
        assert area["name_ar"] in text  # stored (logical) order, not reversed presentation forms
        assert area["name_ar"][::-1] not in text or area["name_ar"] == area["name_ar"][::-1]
        children = gazetteer[gazetteer["parent_pcode"].isin(area["pcodes"])]
        for name in [*gazetteer[gazetteer["pcode"].isin(area["pcodes"])]["name_ar"], *children["name_ar"]]:
            assert _flat(name) in text, (area["name"], name)
        english = _flat(_pdf_text(demo["areas"] / f"{_stem(slug, 'en')}.pdf"))
        for name in children["name_en"]:
            assert name in english


def _latest_round(frame: pd.DataFrame, day: str) -> str:
    dates = frame.groupby("round_id")["reporting_date"].max()
    eligible = dates[pd.to_datetime(dates) <= pd.Timestamp(day)]
    return max(eligible.index, key=lambda r: int(r[1:]))


def test_key_figures_equal_the_warehouse_values(demo: dict, warehouse_tables: dict[str, pd.DataFrame]) -> None:
    """Returnees and IDPs in camps of each area, as of the month's last day, straight from the warehouse tables
    (rounded to 10 as published) appear in the key figures of both languages."""
    displacement = warehouse_tables["displacement_by_area"]
    severity = warehouse_tables["area_severity"]
    settings = load_settings(demo["sources"])
    for area in settings["poa_areas"]:
        name = area["name"]
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        rows = displacement[(displacement["area_level"] == "poa_area") & (displacement["area_id"] == name)]
        returnees = rows[rows["population_type"] == "returnee"]
        returnees = returnees[returnees["round_id"] == _latest_round(returnees, "2026-10-31")]["individuals"].sum()
        ri = severity[(severity["area_level"] == "poa_area") & (severity["area_id"] == name)]
        high = ri[ri["round_id"] == _latest_round(ri, "2026-10-31")]["returnees_high"].sum()
        for language in ("en", "ar"):
            document = (demo["areas"] / f"{_stem(slug, language)}.html").read_text(encoding="utf-8")
            figures = [_flat(_visible_text(cell)) for cell in re.findall(r'<td class="big">(.*?)</td>', document, re.S)]
            assert figures[0] == f"{int(round(returnees / 10.0) * 10):,}", (name, language, figures)
            if high >= 60:
                assert figures[1] == f"{int(round(high / 10.0) * 10):,}", (name, language, figures)
            pdf = _flat(_pdf_text(demo["areas"] / f"{_stem(slug, language)}.pdf"))
            assert figures[0] in pdf


def test_planted_markup_and_formulas_are_escaped_and_neutralised_in_every_area_product(demo: dict) -> None:
    sinjar = {lang: (demo["areas"] / f"{_stem('sinjar', lang)}.html").read_text(encoding="utf-8")
              for lang in ("en", "ar")}
    for path in demo["areas"].glob("*.html"):
        document = path.read_text(encoding="utf-8")
        assert "<script" not in document.lower(), path.name
    for document in sinjar.values():
        assert "&lt;script&gt;alert(&#34;poa&#34;)&lt;/script&gt;" in document
        assert "&lt;script&gt;alert(&#34;4w&#34;)&lt;/script&gt;" in document
        visible = _visible_text(document)
        assert f"'{PLANTED_FORMULA_POA}" in visible and f"'{PLANTED_FORMULA_4W}" in visible
        assert PLANTED_SCRIPT_POA in visible and PLANTED_SCRIPT_4W in visible  # shown as text, not run
    text = _pdf_text(demo["areas"] / f"{_stem('sinjar', 'en')}.pdf")
    assert "'=HYPERLINK" in text


def test_no_personal_data_from_the_poa_workbooks_reaches_an_area_update(demo: dict) -> None:
    import openpyxl

    names, phones = set(), set()
    for path in (demo["sources"] / "files" / "poa").rglob("*.xlsx"):
        sheet = openpyxl.load_workbook(path, read_only=True)["Actions"]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        header = list(rows[0])
        for row in rows[1:]:
            if "Focal point name" in header and row[header.index("Focal point name")]:
                names.add(str(row[header.index("Focal point name")]))
                phones.add(str(row[header.index("Focal point phone")]))
    assert names and phones
    for path in demo["areas"].iterdir():
        text = path.read_text(encoding="utf-8") if path.suffix == ".html" else _pdf_text(path)
        assert not [n for n in names if n in text], path.name
        assert not [p for p in phones if p in text or p.replace(" ", "") in text], path.name


def test_a_rebuild_from_the_warehouse_gives_byte_identical_files(
    demo: dict, warehouse_tables: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ds_pipeline.lib import parallelism

    settings = load_settings(demo["sources"])
    # the demo rendered every file in its own process; here two processes forked from this one render them
    monkeypatch.setenv(parallelism.WORKERS_VARIABLE, "2")
    pools = []
    fork = parallelism.multiprocessing.get_context("fork")
    monkeypatch.setattr(parallelism.multiprocessing, "get_context",
                        lambda method: pools.append(method) or fork)
    files, pages, _suppressed = render_area_files(warehouse_tables, AREA_MONTH, settings)
    assert pools == ["fork"]
    published = {p.name: p.read_bytes() for p in demo["areas"].iterdir()}
    assert files.keys() == published.keys()
    assert [name for name in files if files[name] != published[name]] == []
    assert set(pages.values()) <= {2, 3, 4}


def test_the_rwg_pack_of_the_week_carries_the_months_area_updates(demo: dict) -> None:
    with zipfile.ZipFile(demo["zip"]) as archive:
        names = set(archive.namelist())
        manifest = archive.read("MANIFEST.sha256").decode()
        pdf = archive.read(f"areas/{AREA_MONTH}/{_stem('balad', 'ar')}.pdf")
    assert {f"areas/{AREA_MONTH}/{_stem(a, lang)}.pdf" for a in AREAS for lang in ("en", "ar")} <= names
    assert f"areas/{AREA_MONTH}/{_stem('sinjar', 'ar')}.html" in manifest
    assert pdf == (demo["areas"] / f"{_stem('balad', 'ar')}.pdf").read_bytes()
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2


# --------------------------------------------------------------------------------------------------------------
# Fonts and the browser


def _font_file(family: str) -> Path:
    found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def test_every_character_of_the_pages_is_covered_by_the_fonts_the_css_names(demo: dict) -> None:
    from fontTools.ttLib import TTFont

    css = (ROOT / "reports" / "templates" / "area_update.css").read_text(encoding="utf-8")
    families = sorted(set(re.findall(r'local\("([^"]+ (?:Sans|Arabic)(?: Bold)?)"\)', css)))
    assert "Noto Naskh Arabic" in families and "DejaVu Sans" in families
    covered: set[int] = set()
    for family in families:
        path = _font_file(family.replace(" Bold", ":style=Bold"))
        assert family.split()[0].lower() in path.name.lower(), (family, path)  # the font itself, not a substitute
        covered |= set(TTFont(path).getBestCmap())
    for path in demo["areas"].glob("*.html"):
        text = _visible_text(path.read_text(encoding="utf-8"))
        missing = {c for c in text if not c.isspace() and ord(c) not in covered and ord(c) not in (0x2066, 0x2069)}
        assert not missing, (path.name, sorted(missing))
    for path in demo["areas"].glob("*.pdf"):
        fonts = set()
        for page in PdfReader(path).pages:
            for font in (page.get("/Resources") or {}).get("/Font", {}).values():
                fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
        # the faces the CSS declares (WeasyPrint names them by their @font-face family): no fallback font at all
        assert fonts and all(f.startswith(("Area-Latin", "Area-Arabic")) for f in fonts), (path.name, fonts)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from test_brief_in_browser import _run

    return _run(tmp_path, *args)


def test_the_arabic_update_opens_right_to_left_in_chromium_and_is_not_blank(demo: dict, tmp_path: Path) -> None:
    from matplotlib import image

    page = demo["areas"] / f"{_stem('sinjar', 'ar')}.html"
    shown = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"', shown.stdout)
    headings = [_flat(_visible_text(h)) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", shown.stdout, re.S)]
    assert headings[:len(SECTION_HEADINGS)] == [Language("ar").gettext(h) for h in SECTION_HEADINGS]
    ARTEFACTS.mkdir(exist_ok=True)
    png = ARTEFACTS / f"{_stem('sinjar', 'ar')}.png"
    shot = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1000,1800", page.as_uri())
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    pixels = image.imread(png)[..., :3]
    assert (pixels.mean(axis=2) < 0.9).mean() > 0.02  # text and tables, not a blank page
    assert (pixels.max(axis=2) - pixels.min(axis=2) > 0.25).mean() > 0.002  # the severity chart's colour
