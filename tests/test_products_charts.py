"""Inline SVG charts: byte-stable, labels as text (Arabic as paths), ids unique per chart, every governorate mapped."""

from __future__ import annotations

import math
import os
import re

import pytest

from ds_pipeline.lib.products import charts
from ds_pipeline.lib.products.brief import source_date_epoch
from ds_pipeline.lib.products.edition import week_as_of, week_of


def test_ranked_bars_are_byte_stable_and_labels_are_text_in_the_brief_font():
    first = charts.ranked_bars("ranked", ["Sinjar (Ninewa)", "Balad (Salah Al-Din)"], [12000, 2400], "Returnees")
    second = charts.ranked_bars("ranked", ["Sinjar (Ninewa)", "Balad (Salah Al-Din)"], [12000, 2400], "Returnees")
    assert first == second
    assert first.startswith("<svg ") and 'role="img"' in first
    labels = re.findall(r"<text[^>]*>([^<]*)<", first)
    assert {"Sinjar (Ninewa)", "Balad (Salah Al-Din)", "Returnees", "12,000", "2,400"} <= set(labels)
    assert set(re.findall(r"font-family: ([^;\"]*)", first)) == {"'DejaVu Sans', sans-serif"}
    assert "<dc:date>" not in first and "<?xml" not in first


def test_arabic_labels_are_drawn_as_paths_shaped_by_matplotlib():
    from matplotlib import font_manager

    from ds_pipeline.lib.products.area_render import ARABIC_FONT, LATIN_FONT, _arabic_font_file

    font_manager.fontManager.addfont(_arabic_font_file())
    svg = charts.ranked_bars("ar", ["سنجار", "البعاج"], [61.0, 48.5], "متوسط درجة الشدة", (ARABIC_FONT, LATIN_FONT))
    assert not re.search(r"<text[ >]", svg)  # no renderer has right-to-left text to lay out
    assert svg.count("<use") > 10  # the glyphs


def test_chart_ids_are_prefixed_so_several_charts_can_share_a_page():
    svg_a = charts.stacked_count_bars("poa", ["Sinjar"], [("overdue", "Overdue", [2])], "POA actions")
    svg_b = charts.stacked_count_bars("other", ["Sinjar"], [("overdue", "Overdue", [2])], "POA actions")
    ids_a = set(re.findall(r'id="([^"]+)"', svg_a))
    ids_b = set(re.findall(r'id="([^"]+)"', svg_b))
    assert ids_a and all(i.startswith("poa-") for i in ids_a)
    assert not ids_a & ids_b
    for reference in re.findall(r'href="#([^"]+)"', svg_a) + re.findall(r"url\(#([^)]+)\)", svg_a):
        assert reference in ids_a


def test_tile_map_has_the_18_governorates_on_distinct_tiles():
    assert len(charts.GOVERNORATE_TILES) == 18
    assert len(set(charts.GOVERNORATE_TILES.values())) == 18
    assert set(charts.GOVERNORATE_TILES) == {f"IQG{n:02d}" for n in range(1, 19)}
    svg = charts.tile_grid_map("map", {"IQG15": "high"}, {"IQG15": "44% in high"})
    assert svg.count("<path") > 18


def test_heat_matrix_draws_not_assessed_and_suppressed_cells():
    svg = charts.heat_matrix(
        "matrix", ["Sinjar"], ["1 Safety", "2 Living std", "3 Livelihoods"],
        [[("gap", -35.0), ("not_assessed", math.nan), ("suppressed", math.nan)]],
    )
    assert "hatch" in svg or "pattern" in svg


def test_weeks_and_source_date_epoch(monkeypatch):
    assert week_as_of("2026-W01").isoformat() == "2026-01-04"
    assert week_of(week_as_of("2026-W47")) == "2026-W47"
    with pytest.raises(ValueError):
        week_as_of("2026-47")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")
    with source_date_epoch(week_as_of("2026-W47")):
        assert os.environ["SOURCE_DATE_EPOCH"] == "1795305600"  # 2026-11-22T00:00:00Z
    assert os.environ["SOURCE_DATE_EPOCH"] == "1"


def test_charts_reach_the_pdf_renderer_as_images_drawn_like_the_inline_svg(tmp_path):
    import datetime as dt
    import subprocess

    import weasyprint
    from PIL import Image, ImageChops

    from ds_pipeline.lib.products.brief import render_pdf

    svg = charts.ranked_bars("gaps", ["Sinjar", "Balad", "Ramadi"], [1200.0, 800.0, 50.0], "Returnees")
    html = ("<html><head><style>figure svg, figure img { max-width: 100%; height: auto; }</style></head><body>"
            f"<h1>Chart</h1><figure>{svg}</figure></body></html>")
    converted = charts.as_images(html)
    assert "<svg" not in converted and converted.count('<img class="chart" alt="Ranked bars: Returnees"') == 1
    inline = weasyprint.HTML(string=html).write_pdf()  # the chart drawn from the inline SVG
    as_image, pages = render_pdf(html, dt.date(2026, 11, 22))
    assert pages == 1
    without_chart = weasyprint.HTML(string=html.replace(svg, "")).write_pdf()
    drawn = []
    for name, pdf in (("inline", inline), ("image", as_image), ("without", without_chart)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        drawn.append(Image.open(tmp_path / f"{name}.png").convert("RGB"))
    assert ImageChops.difference(drawn[0], drawn[1]).getbbox() is None  # the same pixels
    assert ImageChops.difference(drawn[1], drawn[2]).getbbox() is not None  # and the chart is drawn at all
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "image.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert {"Sinjar", "Balad", "Ramadi", "1,200", "Returnees"} <= set(re.split(r"\s+", text))  # labels are text
