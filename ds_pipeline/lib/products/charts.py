"""Charts of the brief as inline SVG (matplotlib, labels as SVG text, fixed hash salt, no date: byte-stable).

Every chart takes plain lists, returns an `<svg>` element ready to inline in HTML, and is accompanied in the
brief by a table with the same numbers (charts are not the only place a number appears).
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context, ticker  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from ds_pipeline.lib.products.disclosure import round_half_away  # noqa: E402
from ds_pipeline.lib.products.formatting import number_text, percent  # noqa: E402

RC = {
    "svg.hashsalt": "ds-pipeline-brief",
    "svg.fonttype": "none",  # labels stay text: searchable, read aloud, and drawn 0.9 s faster by the PDF renderer
    "font.family": ["DejaVu Sans", "sans-serif"],  # the brief's font; a reader without it gets a sans-serif
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#666666",
    "axes.labelcolor": "#333333",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "path.simplify": False,
}

SEVERITY_COLOURS = {"low": "#fdd49e", "medium": "#fc8d59", "high": "#b30000"}
NOT_ASSESSED_COLOUR = "#e6e6e6"
POA_COLOURS = {
    "completed": "#1a9850",
    "on_track": "#91cf60",
    "delayed": "#fee08b",
    "overdue": "#d73027",
    "not_started": "#bdbdbd",
}
BAR_COLOUR = "#b30000"
WIDTH_INCHES = 6.6

# Tile-grid map of Iraq's 18 governorates (row 0 = north, column 0 = west); no boundary file needed.
GOVERNORATE_TILES: dict[str, tuple[int, int]] = {
    "IQG09": (0, 2),  # Duhok
    "IQG11": (0, 3),  # Erbil
    "IQG15": (1, 1),  # Ninewa
    "IQG13": (1, 3),  # Kirkuk
    "IQG06": (1, 4),  # Al-Sulaymaniyah
    "IQG01": (2, 0),  # Al-Anbar
    "IQG16": (2, 2),  # Salah Al-Din
    "IQG10": (2, 3),  # Diyala
    "IQG08": (3, 2),  # Baghdad
    "IQG18": (3, 3),  # Wassit
    "IQG12": (4, 1),  # Kerbala
    "IQG07": (4, 2),  # Babil
    "IQG14": (4, 4),  # Maysan
    "IQG04": (5, 1),  # Al-Najaf
    "IQG05": (5, 2),  # Al-Qadissiya
    "IQG17": (5, 3),  # Thi Qar
    "IQG03": (6, 2),  # Al-Muthanna
    "IQG02": (6, 4),  # Al-Basrah
}
GOVERNORATE_NAMES: dict[str, str] = {
    "IQG01": "Al-Anbar", "IQG02": "Al-Basrah", "IQG03": "Al-Muthanna", "IQG04": "Al-Najaf",
    "IQG05": "Al-Qadissiya", "IQG06": "Al-Sulaymaniyah", "IQG07": "Babil", "IQG08": "Baghdad", "IQG09": "Duhok",
    "IQG10": "Diyala", "IQG11": "Erbil", "IQG12": "Kerbala", "IQG13": "Kirkuk", "IQG14": "Maysan",
    "IQG15": "Ninewa", "IQG16": "Salah Al-Din", "IQG17": "Thi Qar", "IQG18": "Wassit",
}


def _to_svg(figure: Figure, chart_id: str, description: str, rc: dict | None = None) -> str:
    """Serialise a figure as an inline <svg> with ids prefixed by `chart_id` (several charts share a page)."""
    buffer = io.StringIO()
    with rc_context(rc or RC):
        figure.savefig(
            buffer, format="svg", bbox_inches="tight", pad_inches=0.04,
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{chart_id}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{chart_id}-{m.group(1)}"', svg)
    escaped = description.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escaped}" class="chart" ', 1)
    return svg.strip()


CHART_SVG = re.compile(r'<svg role="img" aria-label="([^"]*)" class="chart" .*?</svg>', re.S)


def as_images(html: str) -> str:
    """The HTML for the PDF renderer: each inline chart <svg> becomes an <img> of the same SVG (a data URI, the
    description as alt text). WeasyPrint draws it identically (pixel-compared at every page of the brief) without
    parsing and styling every path of the chart as HTML: the brief renders in 2.4 s instead of 3.0 s."""

    def image(match: re.Match[str]) -> str:
        svg = match.group(0)
        if 'xmlns="http://www.w3.org/2000/svg"' not in svg[: svg.index(">")]:
            svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{match.group(1)}" src="data:image/svg+xml;base64,{data}">'

    return CHART_SVG.sub(image, html)


def _figure(height: float, rc: dict | None = None) -> Figure:
    with rc_context(rc or RC):
        return Figure(figsize=(WIDTH_INCHES, max(height, 1.0)))


def _empty(chart_id: str, message: str, rc: dict | None = None) -> str:
    figure = _figure(0.6, rc)
    with rc_context(rc or RC):
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, message, ha="center", va="center", color="#666666")
    return _to_svg(figure, chart_id, message, rc)


def _thousands(value: float) -> str:
    return f"{round_half_away(value):,.0f}"


def ranked_bars(
    chart_id: str, labels: Sequence[str], values: Sequence[float], xlabel: str, fonts: Sequence[str] = (),
    empty: str = "No data for this chart", description: str = "",
) -> str:
    """Horizontal bars ranked from the largest (top) down; value printed at the end of each bar. `fonts` replaces
    the font family and draws the labels as paths (an Arabic font first for Arabic labels: matplotlib shapes and
    orders them, so no renderer has right-to-left text to lay out inside the chart)."""
    rc = {**RC, "font.family": list(fonts), "svg.fonttype": "path"} if fonts else RC
    if not labels:
        return _empty(chart_id, empty, rc)
    height = 0.5 + 0.24 * len(labels)
    figure = _figure(height, rc)
    with rc_context(rc):
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, values, color=BAR_COLOUR, height=0.7)
        axes.set_yticks(positions, labels=list(labels))
        axes.set_xlabel(xlabel)
        top = max(values) if values else 0
        axes.set_xlim(0, top * 1.18 if top > 0 else 1)
        for position, value in zip(positions, values, strict=True):
            axes.text(value + top * 0.01, position, _thousands(value), va="center", fontsize=7)
        axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: _thousands(v)))
        axes.tick_params(axis="y", length=0)
    return _to_svg(figure, chart_id, description or f"Ranked bars: {xlabel}", rc)


def severity_stacked_bars(
    chart_id: str, labels: Sequence[str], low: Sequence[float], medium: Sequence[float], high: Sequence[float]
) -> str:
    """100%-stacked horizontal bars: share of returnees by severity category of their location."""
    if not labels:
        return _empty(chart_id, "No data for this chart")
    height = 0.8 + 0.26 * len(labels)
    figure = _figure(height)
    with rc_context(RC):
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for name, values in (("low", low), ("medium", medium), ("high", high)):
            totals = [lo + me + hi for lo, me, hi in zip(low, medium, high, strict=True)]
            # a governorate without returnees draws no bar (its row says so): 0 width, not a share of 0%
            shares = [100.0 * v / t if t else 0.0 for v, t in zip(values, totals, strict=True)]
            axes.barh(positions, shares, left=left, color=SEVERITY_COLOURS[name], height=0.7, label=name.capitalize())
            for position, start, share in zip(positions, left, shares, strict=True):
                if share >= 8:
                    axes.text(start + share / 2, position, percent(share), ha="center", va="center",
                              fontsize=6.5, color="white" if name == "high" else "#222222")
            left = [a + b for a, b in zip(left, shares, strict=True)]
        axes.set_yticks(positions, labels=list(labels))
        axes.set_xlim(0, 100)
        axes.set_xlabel("Share of returnees by severity of their location (%)")
        axes.tick_params(axis="y", length=0)
        axes.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _to_svg(figure, chart_id, "Returnees by severity category, 100% stacked bars")


def tile_grid_map(chart_id: str, severity_by_pcode: dict[str, str], note_by_pcode: dict[str, str]) -> str:
    """Tile-grid map of the 18 governorates coloured by severity category ("" = not assessed, hatched grey)."""
    rows = max(r for r, _c in GOVERNORATE_TILES.values()) + 1
    columns = max(c for _r, c in GOVERNORATE_TILES.values()) + 1
    figure = _figure(3.6)
    with rc_context(RC):
        axes = figure.add_axes((0.0, 0.0, 0.78, 1.0))
        axes.axis("off")
        for pcode, (row, column) in sorted(GOVERNORATE_TILES.items()):
            category = severity_by_pcode.get(pcode, "")
            assessed = category in SEVERITY_COLOURS
            colour = SEVERITY_COLOURS.get(category, NOT_ASSESSED_COLOUR)
            y = rows - 1 - row
            axes.add_patch(
                Rectangle((column + 0.03, y + 0.05), 0.94, 0.9, facecolor=colour, edgecolor="white", linewidth=1.5,
                          hatch=None if assessed else "////")
            )
            text_colour = "white" if category == "high" else "#222222" if assessed else "#555555"
            name = GOVERNORATE_NAMES.get(pcode, pcode)
            note = note_by_pcode.get(pcode, "") if assessed else ""
            axes.text(column + 0.5, y + (0.62 if note else 0.5), name, ha="center", va="center", fontsize=6.5,
                      color=text_colour, fontweight="bold" if assessed else "normal")
            if note:
                axes.text(column + 0.5, y + 0.3, note, ha="center", va="center", fontsize=6.5, color=text_colour)
        axes.set_xlim(0, columns)
        axes.set_ylim(0, rows)
        handles = [Patch(facecolor=SEVERITY_COLOURS[c], label=c.capitalize()) for c in ("low", "medium", "high")]
        handles.append(Patch(facecolor=NOT_ASSESSED_COLOUR, hatch="////", label="Not assessed"))
        axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
                    title="Severity")
    return _to_svg(figure, chart_id, "Tile-grid map of the governorates coloured by severity")


def _gap_colour(gap: float) -> str:
    """Diverging colour of a gap in percentage points: red = displaced worse off, blue = better off."""
    limit = 30.0
    t = max(-1.0, min(1.0, gap / limit))
    neutral = (0.95, 0.95, 0.95)
    if t < 0:
        start, end = neutral, (0.70, 0.09, 0.17)
        t = -t
    else:
        start, end = neutral, (0.13, 0.40, 0.67)
    rgb = [s + (e - s) * t for s, e in zip(start, end, strict=True)]
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def heat_matrix(
    chart_id: str, row_labels: Sequence[str], column_labels: Sequence[str],
    cells: Sequence[Sequence[tuple[str, float]]],
) -> str:
    """Areas x criteria matrix of gaps (pp). A cell is ("gap", value), ("not_assessed", nan) drawn hatched grey,
    or ("suppressed", nan) drawn white with "s"."""
    if not row_labels:
        return _empty(chart_id, "No criteria data for this chart")
    height = 1.1 + 0.28 * len(row_labels)
    figure = _figure(height)
    with rc_context(RC):
        axes = figure.add_subplot()
        n_rows, n_columns = len(row_labels), len(column_labels)
        for i, row in enumerate(cells):
            for j, (status, value) in enumerate(row):
                y = n_rows - 1 - i
                if status == "gap" and not math.isnan(value):
                    colour, hatch = _gap_colour(value), None
                    text = number_text(value, signed=True)
                    text_colour = "white" if abs(value) >= 18 else "#222222"
                elif status == "suppressed":
                    colour, hatch, text, text_colour = "white", None, "s", "#666666"
                else:
                    colour, hatch, text, text_colour = NOT_ASSESSED_COLOUR, "////", "n/a", "#666666"
                axes.add_patch(Rectangle((j, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.5,
                                         hatch=hatch))
                axes.text(j + 0.5, y + 0.5, text, ha="center", va="center", fontsize=7, color=text_colour)
        axes.set_xlim(0, n_columns)
        axes.set_ylim(0, n_rows)
        axes.set_xticks([j + 0.5 for j in range(n_columns)], labels=[c.replace(" ", "\n", 1) for c in column_labels])
        axes.set_yticks([n_rows - 1 - i + 0.5 for i in range(n_rows)], labels=list(row_labels))
        axes.tick_params(length=0)
        axes.xaxis.tick_top()
        for spine in axes.spines.values():
            spine.set_visible(False)
        handles = [
            Patch(facecolor=_gap_colour(-25), label="Displaced worse off"),
            Patch(facecolor=_gap_colour(25), label="Displaced better off"),
            Patch(facecolor=NOT_ASSESSED_COLOUR, hatch="////", label="Not assessed"),
            Patch(facecolor="white", edgecolor="#999999", label="s = suppressed (small sample)"),
        ]
        axes.legend(handles=handles, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.02), frameon=False,
                    fontsize=7)
    return _to_svg(figure, chart_id, "Heat matrix of gaps to non-displaced residents by area and criterion")


def stacked_count_bars(
    chart_id: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], xlabel: str
) -> str:
    """Horizontal stacked bars of counts; series = (key, legend label, values) with colours from POA_COLOURS."""
    if not labels:
        return _empty(chart_id, "No data for this chart")
    height = 0.9 + 0.3 * len(labels)
    figure = _figure(height)
    with rc_context(RC):
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for key, label, values in series:
            axes.barh(positions, values, left=left, color=POA_COLOURS.get(key, "#999999"), height=0.65, label=label)
            for position, start, value in zip(positions, left, values, strict=True):
                if value:
                    axes.text(start + value / 2, position, f"{value:.0f}", ha="center", va="center", fontsize=6.5,
                              color="white" if key in ("completed", "overdue") else "#222222")
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_yticks(positions, labels=list(labels))
        axes.set_xlabel(xlabel)
        axes.tick_params(axis="y", length=0)
        axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        axes.legend(ncols=len(series), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _to_svg(figure, chart_id, f"Stacked bars: {xlabel}")
