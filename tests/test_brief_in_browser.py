"""The published HTML brief opened in a real headless Chromium: sections, charts and tables render offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib import image

from ds_pipeline.lib.products.brief import SECTION_TITLES

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium is not installed: run scripts/setup.sh")


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_browser_shows_every_section_in_order_with_its_charts(demo: dict, tmp_path: Path) -> None:
    shown = _run(tmp_path, "--dump-dom", demo["html"].as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    dom = shown.stdout
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", dom, re.S)]
    assert [h for h in headings if h in SECTION_TITLES] == list(SECTION_TITLES)
    source = demo["html"].read_text(encoding="utf-8")
    assert dom.count("<svg") == source.count("<svg") >= 4  # every chart survived parsing
    assert "<table" in dom and "Sinjar" in dom
    assert not re.search(r"""(src|href)=["']https?://""", source)  # self-contained: nothing fetched


def test_browser_screenshot_of_the_brief_is_not_blank(demo: dict, tmp_path: Path) -> None:
    png = tmp_path / "brief.png"
    shot = _run(tmp_path, f"--screenshot={png}", "--window-size=1200,2400", demo["html"].as_uri())
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    pixels = image.imread(png)[..., :3]
    inked = (pixels.mean(axis=2) < 0.9).mean()  # share of pixels darker than near-white
    coloured = (pixels.max(axis=2) - pixels.min(axis=2) > 0.25).mean()  # severity colours, labels
    assert inked > 0.02 and coloured > 0.005
