"""Admin levels and natural keys of displacement rows: each row's level, what it must give, duplicates on the full key.

A DTM Master List row is one location; a DTM API v3 extract gives one row per admin unit, round, displacement
reason, origin and assessment type, individuals only. A source declares its level in its registry entry
(`admin_level`, default location); a row may carry its own (`adminLevel` of the DTM API), and the coarser of the
two applies, so figures are never used below the level they were reported at.
"""

from __future__ import annotations

import re

import pandas as pd

from ds_pipeline.lib.canonical import (
    DISPLACEMENT_ADMIN_LEVELS,
    DISPLACEMENT_BREAKDOWN_COLUMNS,
    DISPLACEMENT_PLACE_COLUMNS,
)

# Rank of each level, finest first: location 0 .. governorate 3.
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(DISPLACEMENT_ADMIN_LEVELS)}

# Spellings providers use for the levels (compared without case, spaces, hyphens or underscores).
LEVEL_SPELLINGS: dict[str, str] = {
    "location": "location", "site": "location",
    "subdistrict": "subdistrict", "admin3": "subdistrict", "adm3": "subdistrict", "3": "subdistrict",
    "nahiya": "subdistrict",
    "district": "district", "admin2": "district", "adm2": "district", "2": "district", "qada": "district",
    "governorate": "governorate", "admin1": "governorate", "adm1": "governorate", "1": "governorate",
}
LEVEL_EXPECTED = "location, subdistrict, district or governorate (or admin1, admin2, admin3)"

# Columns naming the admin unit of each level (p-code, name); a row's own unit is at its level.
UNIT_COLUMNS: dict[str, tuple[str, str]] = {
    "subdistrict": ("admin3_pcode", "admin3_name"),
    "district": ("admin2_pcode", "admin2_name"),
    "governorate": ("admin1_pcode", "admin1_name"),
}

# Required columns that rows of coarser levels do not give: column -> levels it is not required at.
NOT_REQUIRED_AT: dict[str, tuple[str, ...]] = {
    "location_id": ("subdistrict", "district", "governorate"),
    "admin2_pcode": ("governorate",),
}

SHELTER_COLUMNS = (
    "families_in_camp", "families_in_critical_shelter", "families_in_private", "families_in_unknown_shelter"
)
DUPLICATE_CHECK = "multiple_fields_uniqueness"


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def normalise_level(value: str) -> str | None:
    """Canonical level of a provider's spelling ("Admin 2" -> district), "" for empty, None when unknown."""
    key = re.sub(r"[\s\-_]+", "", str(value)).casefold()
    if key == "":
        return ""
    key = re.sub(r"^(level|lvl)", "", key)
    return LEVEL_SPELLINGS.get(key)


def row_levels(raw: pd.DataFrame, declared: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(level of each row, mask of rows whose own level is not a known spelling).

    `declared` is each row's source level (registry `admin_level`). A row's own level, when given, applies only
    when it is coarser than the declared one: figures are never used below the level their source declares."""
    own = _text(raw, "admin_level").map(normalise_level)
    unknown = own.isna()
    levels = []
    for given, source_level in zip(own, declared, strict=True):
        candidates = [source_level] + ([given] if isinstance(given, str) and given else [])
        levels.append(max(candidates, key=LEVEL_RANK.__getitem__))
    return pd.Series(levels, index=raw.index, dtype=object), unknown


def not_required(levels: pd.Series) -> dict[str, pd.Series]:
    """Per required column, the rows that need not give it because of their level (a district row has no place id)."""
    return {column: levels.isin(exempt) for column, exempt in NOT_REQUIRED_AT.items()}


def missing_unit(typed: pd.DataFrame) -> pd.Series:
    """Rows of a sub-district, district or governorate level that name no unit of that level (no p-code, no name)."""
    levels = _text(typed, "admin_level")
    missing = pd.Series(False, index=typed.index)
    for level, (code, name) in UNIT_COLUMNS.items():
        at_level = levels == level
        missing |= at_level & (_text(typed, code) == "") & (_text(typed, name) == "")
    return missing


def shelter_without_families(typed: pd.DataFrame) -> pd.Series:
    """Rows giving families without the full shelter breakdown, or a shelter count without families."""
    given = [typed[c].notna() for c in ("families", *SHELTER_COLUMNS)]
    every = pd.concat(given, axis=1).all(axis=1)
    none = ~pd.concat(given, axis=1).any(axis=1)
    return ~(every | none)


def place_key(typed: pd.DataFrame) -> pd.Series:
    """The place a row is about: its location id for location rows, its admin p-codes and names otherwise."""
    levels = _text(typed, "admin_level")
    location = _text(typed, "location_id")
    admin = _text(typed, DISPLACEMENT_PLACE_COLUMNS[1])
    for column in DISPLACEMENT_PLACE_COLUMNS[2:]:
        admin = admin + "|" + _text(typed, column).str.casefold()
    return ("location:" + location).where(levels.isin(["", "location"]), levels + ":" + admin)


def duplicate_rows(typed: pd.DataFrame) -> tuple[pd.Series, str]:
    """(mask of rows repeating an earlier row's full natural key, the key's wording). The first row is kept.

    The key: round, population type, place (location id, or the admin unit for admin-level rows), displacement
    reason, origin and assessment type."""
    key = pd.DataFrame({
        "round_id": _text(typed, "round_id"),
        "population_type": _text(typed, "population_type"),
        "place": place_key(typed),
        **{column: _text(typed, column).str.casefold() for column in DISPLACEMENT_BREAKDOWN_COLUMNS},
    })
    wording = "round_id, population_type, place (location_id or admin unit), " + ", ".join(
        DISPLACEMENT_BREAKDOWN_COLUMNS
    )
    return key.duplicated(keep="first"), wording
