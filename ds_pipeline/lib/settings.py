"""Load a sources folder's settings.yaml (POA areas, cut-offs, survey indicators, disclosure, weights)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REQUIRED_SECTIONS = ("edition", "poa_areas", "return_index", "survey", "disclosure", "prioritisation")


class SettingsError(ValueError):
    """settings.yaml is missing or does not hold what the pipeline needs."""


def load_settings(sources_dir: Path) -> dict[str, Any]:
    """Read `<sources_dir>/settings.yaml` and check that every section the pipeline uses is present."""
    path = Path(sources_dir) / "settings.yaml"
    if not path.is_file():
        raise SettingsError(f"{path.name} not found in the sources folder {sources_dir}")
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [s for s in REQUIRED_SECTIONS if s not in settings]
    if missing:
        raise SettingsError(f"{path.name}: missing section(s) {', '.join(missing)}")
    names = [area["name"] for area in settings["poa_areas"]]
    if len(set(names)) != len(names):
        raise SettingsError(f"{path.name}: POA area names must be unique, got {names}")
    return settings


def poa_area_of_pcode(settings: dict[str, Any]) -> dict[str, str]:
    """Map each p-code listed under a POA area to the area's name."""
    mapping: dict[str, str] = {}
    for area in settings["poa_areas"]:
        for pcode in area["pcodes"]:
            mapping[str(pcode)] = area["name"]
    return mapping
