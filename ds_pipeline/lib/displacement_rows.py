"""Admin levels and natural keys of displacement rows: each row's level, what it must give, duplicates on the full key.

A DTM Master List row is one location; a DTM API v3 extract gives one row per admin unit, round, displacement
reason, origin and assessment type, individuals only. A source declares its level in its registry entry
(`admin_level`, default location); a row may carry its own (`adminLevel` of the DTM API), and the coarser of the
two applies, so figures are never used below the level they were reported at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import methodcaller

import numpy as np
import pandas as pd

from ds_pipeline.lib.canonical import (
    DISPLACEMENT_ADMIN_LEVELS,
    DISPLACEMENT_BREAKDOWN_COLUMNS,
    DISPLACEMENT_PLACE_COLUMNS,
)
from ds_pipeline.lib.cell_parsing import text_column

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


def all_texts(values: object) -> bool:
    """Whether `values` is a series of objects that are all texts (no missing value)."""
    return (isinstance(values, pd.Series) and values.dtype == object
            and pd.api.types.infer_dtype(values.to_numpy(), skipna=False) == "string")


def _each_distinct(texts: pd.Series, function: Callable[[str], str | None]) -> pd.Series:
    """`texts.map(function)`, calling `function` once per distinct value when all values are texts."""
    if not all_texts(texts):
        return texts.map(function)
    codes, distinct = pd.factorize(texts.to_numpy())
    done = np.empty(len(distinct), dtype=object)
    done[:] = [function(value) for value in distinct]
    return pd.Series(done[codes], index=texts.index, name=texts.name, dtype=object)


def _each_text(texts: pd.Series, method: str) -> pd.Series:
    """`texts.str.<method>()` (strip, casefold), calling the method once per distinct text when all are texts."""
    if not all_texts(texts):
        return getattr(texts.str, method)()
    return _each_distinct(texts, methodcaller(method))




def _folded(frame: pd.DataFrame, column: str) -> pd.Series:
    """`text_column` of the column, casefolded."""
    if column in frame.columns and all_texts(frame[column]):
        return _each_distinct(frame[column], lambda text: text.strip().casefold())
    return _each_text(text_column(frame, column), "casefold")


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
    own = _each_distinct(text_column(raw, "admin_level"), normalise_level)
    unknown = own.isna()
    chosen: dict[tuple[object, object], str] = {}  # the level of each distinct (own level, source level)
    levels = []
    for pair in zip(own, declared, strict=True):
        if pair not in chosen:
            given, source_level = pair
            candidates = [source_level] + ([given] if isinstance(given, str) and given else [])
            chosen[pair] = max(candidates, key=LEVEL_RANK.__getitem__)
        levels.append(chosen[pair])
    return pd.Series(levels, index=raw.index, dtype=object), unknown


def not_required(levels: pd.Series) -> dict[str, pd.Series]:
    """Per required column, the rows that need not give it because of their level (a district row has no place id)."""
    return {column: levels.isin(exempt) for column, exempt in NOT_REQUIRED_AT.items()}


def missing_unit(typed: pd.DataFrame) -> pd.Series:
    """Rows of a sub-district, district or governorate level that name no unit of that level (no p-code, no name)."""
    levels = text_column(typed, "admin_level")
    missing = pd.Series(False, index=typed.index)
    for level, (code, name) in UNIT_COLUMNS.items():
        at_level = levels == level
        if at_level.any():
            missing |= at_level & (text_column(typed, code) == "") & (text_column(typed, name) == "")
    return missing


def shelter_without_families(typed: pd.DataFrame) -> pd.Series:
    """Rows giving families without the full shelter breakdown, or a shelter count without families."""
    given = [typed[c].notna() for c in ("families", *SHELTER_COLUMNS)]
    every = pd.concat(given, axis=1).all(axis=1)
    none = ~pd.concat(given, axis=1).any(axis=1)
    return ~(every | none)


def place_key(typed: pd.DataFrame) -> pd.Series:
    """The place a row is about: its location id for location rows, its admin p-codes and names otherwise."""
    levels = text_column(typed, "admin_level")
    place = "location:" + text_column(typed, "location_id")
    at_admin_level = ~levels.isin(["", "location"]).to_numpy()
    if not at_admin_level.any():
        return place
    units = typed.loc[at_admin_level]
    admin = text_column(units, DISPLACEMENT_PLACE_COLUMNS[1])
    for column in DISPLACEMENT_PLACE_COLUMNS[2:]:
        admin = admin + "|" + _folded(units, column)
    keys = place.to_numpy().copy()
    keys[at_admin_level] = (levels[at_admin_level] + ":" + admin.to_numpy()).to_numpy()
    return pd.Series(keys, index=place.index, name=place.name, dtype=object)


def duplicate_rows(typed: pd.DataFrame) -> tuple[pd.Series, str]:
    """(mask of rows repeating an earlier row's full natural key, the key's wording). The first row is kept.

    The key: round, population type, place (location id, or the admin unit for admin-level rows), displacement
    reason, origin and assessment type."""
    key = pd.DataFrame({
        "round_id": text_column(typed, "round_id"),
        "population_type": text_column(typed, "population_type"),
        "place": place_key(typed),
        **{column: _folded(typed, column) for column in DISPLACEMENT_BREAKDOWN_COLUMNS},
    })
    wording = "round_id, population_type, place (location_id or admin unit), " + ", ".join(
        DISPLACEMENT_BREAKDOWN_COLUMNS
    )
    return key.duplicated(keep="first"), wording
