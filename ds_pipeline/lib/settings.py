"""Load a sources folder's settings.yaml (POA areas, cut-offs, survey indicators, disclosure, weights), checked.

`load_settings` checks the file against `SCHEMA` when it is read, before anything uses it: an unknown or misspelt
key is named with the closest known key ("unknown key 'min_housholds' in disclosure; did you mean
'min_households'?"), a value of the wrong type is named with the type expected and the type found. Values the
methodology reads in several places have one accessor here, with the documented defaults (`household_sizes`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ds_pipeline.lib.canonical import DTM_CAMP_HOUSEHOLD_SIZE, DTM_HOUSEHOLD_SIZE
from ds_pipeline.lib.yaml_text import safe_values


class SettingsError(ValueError):
    """settings.yaml is missing or does not hold what the pipeline needs."""


# --------------------------------------------------------------------------------------------------------------
# Schema: what each key holds. A dict is a mapping with those known keys; the other specs are below.


@dataclass(frozen=True)
class Value:
    """A scalar: "str", "int" (a whole number), "number" (int or float) or "bool"; `minimum` for numbers."""

    kind: str
    minimum: float | None = None
    required: bool = False


@dataclass(frozen=True)
class MapOf:
    """A mapping of free keys (column names, ...) to values of one spec."""

    values: Any
    required: bool = False


@dataclass(frozen=True)
class ListOf:
    """A list of items of one spec."""

    items: Any
    required: bool = False


@dataclass(frozen=True)
class Record:
    """A mapping with known keys (a dict of key -> spec)."""

    fields: dict[str, Any]
    required: bool = False


TEXT = Value("str")
WEIGHT = Value("number", minimum=0)

SCHEMA = Record(
    {
        "edition": Record(
            {
                "title": TEXT,
                "producer": TEXT,
                "sensitivity_label": TEXT,
                "pack_sensitivity_label": TEXT,
                "contact": TEXT,
                "license": Record({"name": TEXT, "title": TEXT, "path": TEXT}),
            },
            required=True,
        ),
        "poa_areas": ListOf(
            Record(
                {
                    "name": Value("str", required=True),
                    "name_ar": TEXT,
                    "aliases": ListOf(TEXT),  # other names of the area's units, checked against the gazetteer
                    "note": TEXT,
                    "pcodes": ListOf(TEXT, required=True),
                }
            ),
            required=True,
        ),
        # legacy p-code -> current p-code: a CSV (legacy_pcode, pcode) inside the sources folder
        "pcode_crosswalk": TEXT,
        "return_index": Record(
            {
                "medium_from": Value("number", required=True),
                "high_from": Value("number", required=True),
                "hotspot_min_returnees": Value("int", minimum=0, required=True),
                "indicators": MapOf(TEXT),
            },
            required=True,
        ),
        "survey": Record({"indicators": MapOf(Value("int", minimum=1), required=True)}, required=True),
        "poa": Record({"deadline_day": Value("int", minimum=1)}),
        # the monthly area updates: their sensitivity label in each language, and the digits of the Arabic edition
        "area_updates": Record(
            {
                "sensitivity_label": TEXT,
                "sensitivity_label_ar": TEXT,
                "digits": TEXT,  # western (default) or arabic_indic
            }
        ),
        "service_gaps": Record(
            {"gap_threshold": Value("number"), "sector_criteria": MapOf(ListOf(Value("int", minimum=1)))}
        ),
        "displacement": Record(
            {"household_size": Value("int", minimum=1), "camp_household_size": Value("int", minimum=1)}
        ),
        # days a date may lie after the day its file was received before the row is quarantined (`date_not_in_future`)
        "validation": Record({"future_date_tolerance_days": Value("int", minimum=0)}),
        # hostile-input limits, checked before a file is read whole (defaults: settings.file_limits)
        "limits": Record(
            {
                "max_file_bytes": Value("int", minimum=1),
                "max_rows": Value("int", minimum=1),
                "max_cells": Value("int", minimum=1),
                "max_xlsx_uncompressed_bytes": Value("int", minimum=1),
                "max_compression_ratio": Value("number", minimum=1),
                "max_field_bytes": Value("int", minimum=1),
            }
        ),
        "disclosure": Record(
            {"min_households": Value("int", minimum=1), "round_individuals_to": Value("int", minimum=1)},
            required=True,
        ),
        "prioritisation": Record(
            {
                "weights": Record(
                    {
                        "severity": WEIGHT,
                        "returns": WEIGHT,
                        "idps_in_camps_and_critical_shelter": WEIGHT,
                        "criteria_gap": WEIGHT,
                        "actor_presence": WEIGHT,
                    }
                ),
                "min_components": Value("int", minimum=1),
            },
            required=True,
        ),
    }
)

KIND_NAMES = {"str": "text", "int": "a whole number", "number": "a number", "bool": "true or false"}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"true/false ({value!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, float):
        return f"a decimal number ({value!r})"
    if isinstance(value, int):
        return f"a whole number ({value!r})"
    return type(value).__name__


def _fits(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, int)
    return isinstance(value, int | float)


def _check(value: Any, spec: Any, where: str, problems: list[str]) -> None:
    """Append to `problems` what is wrong with `value` at `where` ("disclosure.min_households") under `spec`."""
    if isinstance(spec, Value):
        if not _fits(value, spec.kind):
            problems.append(f"{where}: expected {KIND_NAMES[spec.kind]}, found {_type_name(value)}")
        elif spec.minimum is not None and value < spec.minimum:
            problems.append(f"{where}: expected {spec.minimum:g} or more, found {value!r}")
        return
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, found {_type_name(value)}")
            return
        for position, item in enumerate(value):
            _check(item, spec.items, f"{where}[{position}]", problems)
        return
    if not isinstance(value, dict):
        problems.append(f"{where or 'the file'}: expected a mapping of keys to values, found {_type_name(value)}")
        return
    if isinstance(spec, MapOf):
        for key, item in value.items():
            _check(item, spec.values, f"{where}.{key}", problems)
        return
    known = spec.fields
    place = f"in {where}" if where else "at the top level"
    for key, item in value.items():
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(known)})"
            problems.append(f"unknown key '{key}' {place}{hint}")
            continue
        _check(item, known[key], f"{where}.{key}" if where else str(key), problems)
    for key, field in known.items():
        if getattr(field, "required", False) and key not in value:
            problems.append(f"missing key '{key}' {place}")


def check_settings(settings: Any, source: str = "settings.yaml") -> dict[str, Any]:
    """`settings` if it fits `SCHEMA`, else SettingsError naming `source` and every problem found."""
    problems: list[str] = []
    _check(settings, SCHEMA, "", problems)
    if isinstance(settings, dict) and isinstance(settings.get("poa_areas"), list):
        names = [str(a.get("name")) for a in settings["poa_areas"] if isinstance(a, dict)]
        if len(set(names)) != len(names):
            problems.append(f"poa_areas: POA area names must be unique, got {names}")
    problems += _sector_criteria_problems(settings)
    if len(problems) == 1:
        raise SettingsError(f"{source}: {problems[0]}")
    if problems:
        raise SettingsError(f"{source}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))
    return settings


def _sector_criteria_problems(settings: Any) -> list[str]:
    """Sector codes of `service_gaps.sector_criteria` that are not global cluster codes, criteria outside 1..8."""
    from ds_pipeline.lib.canonical import IASC_CRITERIA, SECTOR_CODES

    gaps = settings.get("service_gaps") if isinstance(settings, dict) else None
    given = gaps.get("sector_criteria") if isinstance(gaps, dict) else None
    if not isinstance(given, dict):
        return []
    problems = []
    for sector, criteria in given.items():
        where = f"service_gaps.sector_criteria.{sector}"
        if sector not in SECTOR_CODES:
            close = difflib.get_close_matches(str(sector), list(SECTOR_CODES), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else f" (codes: {', '.join(SECTOR_CODES)})"
            problems.append(f"{where}: '{sector}' is not a sector code{hint}")
        for criterion in criteria if isinstance(criteria, list) else []:
            if isinstance(criterion, int) and not isinstance(criterion, bool) and criterion not in IASC_CRITERIA:
                problems.append(f"{where}: {criterion} is not an IASC criterion (1 to 8)")
    return problems


def load_settings(sources_dir: Path) -> dict[str, Any]:
    """Read `<sources_dir>/settings.yaml` and check it against `SCHEMA` (see `check_settings`)."""
    path = Path(sources_dir) / "settings.yaml"
    if not path.is_file():
        raise SettingsError(f"settings.yaml not found in the sources folder {sources_dir}")
    try:
        settings = safe_values(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not readable as YAML: {exc}") from exc
    return check_settings({} if settings is None else settings, str(path))


# --------------------------------------------------------------------------------------------------------------
# Accessors


@dataclass(frozen=True)
class HouseholdSizes:
    """Persons per family in DTM estimates: individuals = camp x families in camp + other x other families."""

    household_size: int = DTM_HOUSEHOLD_SIZE
    camp_household_size: int = DTM_CAMP_HOUSEHOLD_SIZE

    def individuals(self, families: Any, families_in_camp: Any) -> Any:
        """DTM estimate of individuals from families (numbers or pandas Series)."""
        return self.camp_household_size * families_in_camp + self.household_size * (families - families_in_camp)


def household_sizes(settings: dict[str, Any] | None) -> HouseholdSizes:
    """Settings `displacement.household_size` (default 6) and `displacement.camp_household_size` (default 5)."""
    displacement = (settings or {}).get("displacement") or {}
    return HouseholdSizes(
        household_size=int(displacement.get("household_size", DTM_HOUSEHOLD_SIZE)),
        camp_household_size=int(displacement.get("camp_household_size", DTM_CAMP_HOUSEHOLD_SIZE)),
    )


FUTURE_DATE_TOLERANCE_DAYS = 31


def future_date_tolerance_days(settings: dict[str, Any] | None) -> int:
    """Settings `validation.future_date_tolerance_days` (default 31): how many days after the day a file was
    received a date in it may lie (a late file's own round or report date, clocks set apart) before it is in the
    future."""
    validation = (settings or {}).get("validation") or {}
    return int(validation.get("future_date_tolerance_days", FUTURE_DATE_TOLERANCE_DAYS))


@dataclass(frozen=True)
class FileLimits:
    """What a received file may hold, checked before it is read whole (settings `limits`)."""

    max_file_bytes: int = 200_000_000
    max_rows: int = 2_000_000
    max_cells: int = 50_000_000
    max_xlsx_uncompressed_bytes: int = 500_000_000  # sum of the workbook's zip members, unpacked
    max_compression_ratio: float = 100.0  # unpacked / packed, for members over COMPRESSION_RATIO_FROM bytes
    max_field_bytes: int = 1_000_000  # one CSV cell (csv.field_size_limit)


def file_limits(settings: dict[str, Any] | None) -> FileLimits:
    """The `limits` of the settings over the safe defaults of `FileLimits`."""
    given = (settings or {}).get("limits") if isinstance(settings, dict) else None
    if not isinstance(given, dict):
        return FileLimits()
    fields = FileLimits.__dataclass_fields__
    return FileLimits(**{
        k: v for k, v in given.items()
        if k in fields and isinstance(v, int | float) and not isinstance(v, bool) and v >= 1
    })


def sector_criteria(settings: dict[str, Any] | None) -> dict[str, tuple[int, ...]]:
    """IASC criteria each sector's activities serve when a 3W gives none: `value_maps.DEFAULT_SECTOR_CRITERIA`
    with the sectors listed in settings `service_gaps.sector_criteria` replaced (an empty list: none)."""
    from ds_pipeline.lib.value_maps import DEFAULT_SECTOR_CRITERIA

    configured = ((settings or {}).get("service_gaps") or {}).get("sector_criteria") or {}
    return DEFAULT_SECTOR_CRITERIA | {str(k): tuple(int(c) for c in v or ()) for k, v in configured.items()}


def poa_area_of_pcode(settings: dict[str, Any]) -> dict[str, str]:
    """Map each p-code listed under a POA area to the area's name."""
    mapping: dict[str, str] = {}
    for area in settings["poa_areas"]:
        for pcode in area["pcodes"]:
            mapping[str(pcode)] = area["name"]
    return mapping
