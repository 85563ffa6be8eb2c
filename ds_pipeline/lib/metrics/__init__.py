"""Metric tables of the pipeline, and the area-level and table-shaping helpers every metric module shares.

The metric functions live in the submodules (pure pandas, no Dagster):

- ``displacement``: ``displacement_by_area``
- ``severity``: ``categorise_severity``, ``area_severity``
- ``criteria``: ``criteria_progress``, ``iris_composite``
- ``poa``: ``poa_status``
- ``services``: ``service_coverage``, ``referral_directory``, ``service_gaps``
- ``prioritisation``: ``area_priority``

Every table is returned with its columns in the documented order, stable dtypes, rows sorted by its key
columns and a fresh index; an empty input gives an empty table with the same columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ds_pipeline.lib.canonical import IASC_CRITERIA, POPULATION_GROUPS
from ds_pipeline.lib.cell_parsing import text_column
from ds_pipeline.lib.rounds import natural_key, round_number

# Area levels of the area tables, in the order rows are sorted.
AREA_LEVELS: tuple[str, ...] = ("governorate", "district", "subdistrict", "poa_area")
AREA_KEY_COLUMNS: tuple[str, ...] = ("area_level", "area_id", "area_name", "admin1_pcode")
# The leading columns of a round's area table (displacement by area, area severity): round, date, area.
ROUND_AREA_COLUMNS: dict[str, str] = {
    "round_id": "str",
    "reporting_date": "date",
    **{column: "str" for column in AREA_KEY_COLUMNS},
}

# Columns of a conformed frame giving the id and the name of each area level.
_LEVEL_SOURCE_COLUMNS: dict[str, tuple[str, str]] = {
    "governorate": ("admin1_pcode", "admin1_name_en"),
    "district": ("admin2_pcode", "admin2_name_en"),
    "subdistrict": ("admin3_pcode", "admin3_name_en"),
    "poa_area": ("poa_area", "poa_area"),
}

# Population groups as named in text ("returnees are 20 points below ..."; capitalise to start a sentence).
GROUP_LABELS: dict[str, str] = {
    "idp_in_camp": "IDPs in camps",
    "idp_out_of_camp": "IDPs out of camps",
    "returnee": "returnees",
    "non_displaced": "non-displaced residents",
}

# Columns sorted in a domain order rather than alphabetically.
_ROUND_LIKE_COLUMNS = ("round_id", "previous_round_id", "survey_round")


def text_columns(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, np.ndarray]:
    """`text_column` of each of ``columns`` as an array, each column read once."""
    return {column: text_column(frame, column).to_numpy() for column in dict.fromkeys(columns)}


def numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column as float64 (missing or unreadable values -> NaN), e.g. a metric table read back."""
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def expand_to_area_levels(frame: pd.DataFrame, levels: Sequence[str], columns: Iterable[str]) -> pd.DataFrame:
    """One copy of each row per area level it falls in, with area_level, area_id, area_name, admin1_pcode.

    ``columns`` are the value columns carried along. A row without an id at a level (no sub-district p-code,
    not in a POA area) is left out of that level. For the poa_area level the id and name are the POA area
    name and admin1_pcode is "".
    """
    carried = [c for c in dict.fromkeys(columns) if c not in AREA_KEY_COLUMNS]
    texts = text_columns(frame, [*(c for level in levels for c in _LEVEL_SOURCE_COLUMNS[level]), "admin1_pcode"])
    values = {column: frame[column].to_numpy() for column in carried}
    # object columns are built level by level (a frame infers their type from each level's values); the others
    # keep their type whatever the rows, so their levels are simply put one after the other
    objects = [column for column in carried if values[column].dtype == object]
    parts, kept = [], []
    for level in levels:
        id_column, name_column = _LEVEL_SOURCE_COLUMNS[level]
        area_id = texts[id_column]
        keep = area_id != ""
        part = {
            "area_level": level,
            "area_id": area_id[keep],
            "area_name": texts[name_column][keep],
            "admin1_pcode": "" if level == "poa_area" else texts["admin1_pcode"][keep],
        }
        part.update({column: values[column][keep] for column in objects})
        parts.append(pd.DataFrame(part))
        kept.append(keep)
    if not parts:
        return pd.DataFrame(columns=[*AREA_KEY_COLUMNS, *carried])
    expanded = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({
        column: expanded[column] if column in expanded.columns
        else np.concatenate([values[column][keep] for keep in kept])
        for column in [*AREA_KEY_COLUMNS, *carried]
    })


def area_lookup(expanded: pd.DataFrame) -> pd.DataFrame:
    """area_name and admin1_pcode of each (area_level, area_id) of an expanded frame (one row per area)."""
    areas = expanded[list(AREA_KEY_COLUMNS)].drop_duplicates()
    areas = areas.sort_values(list(AREA_KEY_COLUMNS), kind="mergesort")
    return areas.drop_duplicates(["area_level", "area_id"], keep="first").reset_index(drop=True)


def round_order_key(round_id: str) -> tuple:
    """Rounds are ordered by the integer in their id, then by the id itself."""
    return (round_number(round_id), str(round_id))


def _order_rank(values: pd.Series, key) -> pd.Series:
    labels = values.fillna("").astype(str)
    ranks = {label: i for i, label in enumerate(sorted(labels.unique(), key=key))}
    return labels.map(ranks)


def _sort_key(column: pd.Series) -> pd.Series:
    if column.name in ("round_id", "previous_round_id"):
        return _order_rank(column, round_order_key)
    if column.name == "survey_round":
        return _order_rank(column, natural_key)
    if column.name == "area_level":
        return column.map({level: i for i, level in enumerate(AREA_LEVELS)}).fillna(len(AREA_LEVELS))
    if column.name == "population_group":
        return column.map({group: i for i, group in enumerate(POPULATION_GROUPS)}).fillna(len(POPULATION_GROUPS))
    return column


def sort_rows(frame: pd.DataFrame, by: Sequence[str], ascending: bool | Sequence[bool] = True) -> pd.DataFrame:
    """Rows sorted by ``by`` (rounds by their number, area levels and population groups in domain order)."""
    if frame.empty or not by:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(by), ascending=ascending, key=_sort_key, kind="mergesort").reset_index(drop=True)


def empty_table(schema: dict[str, str]) -> pd.DataFrame:
    """An empty table with the columns and dtypes of ``schema``.

    Column kinds: str | int | nullable_int (integers with missing values) | float | bool | date.
    """
    return finalise(pd.DataFrame({column: [] for column in schema}), schema, [])


def finalise(frame: pd.DataFrame, schema: dict[str, str], sort_by: Sequence[str]) -> pd.DataFrame:
    """``frame`` reduced to the schema's columns in order, cast to stable dtypes, sorted, index reset."""
    columns: dict[str, pd.Series] = {}
    for column, kind in schema.items():
        values = frame[column]
        if kind == "str":
            columns[column] = values if _all_text(values) else values.fillna("").astype(str).astype(object)
        elif kind == "int":
            columns[column] = _cast(values, "int64")
        elif kind == "nullable_int":
            columns[column] = _cast(values, "float64").astype("Int64")
        elif kind == "float":
            columns[column] = _cast(values, "float64")
        elif kind == "bool":
            columns[column] = _cast(values, "bool")
        elif kind == "date":
            columns[column] = pd.to_datetime(values).astype("datetime64[ns]")
        else:  # pragma: no cover - schemas are defined in this package
            raise ValueError(f"unknown column kind {kind!r} for {column}")
    return sort_rows(pd.DataFrame(columns, index=frame.index), sort_by)


def _cast(values: pd.Series, dtype: str) -> pd.Series:
    """``values`` as ``dtype``: as they are when they have it already (the table built from them copies them)."""
    return values if values.dtype == np.dtype(dtype) else values.astype(dtype)


def _all_text(values: pd.Series) -> bool:
    """Whether every value is a string (no missing value): text a "str" column keeps as it is."""
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string"


def safe_divide(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> pd.Series:
    """numerator / denominator as float64, NaN where the denominator is zero or missing."""
    index = None
    for operand in (numerator, denominator):
        if isinstance(operand, pd.Series):
            index = operand.index
            break
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(den != 0, num / den, np.nan)
    return pd.Series(result, index=index, dtype="float64")


def require_single_slice(frame: pd.DataFrame, column: str, table: str) -> None:
    """Raise ValueError when ``frame`` holds more than one value of ``column`` (one round, month, ...)."""
    if column in frame.columns and frame[column].nunique() > 1:
        values = ", ".join(sorted(frame[column].astype(str).unique()))
        raise ValueError(f"{table} must be one as-of slice, got several {column} values: {values}")


def criterion_names(criteria: pd.Series) -> pd.Series:
    """IASC criterion names of criterion numbers ("" for a number outside 1..8)."""
    return criteria.map(IASC_CRITERIA).fillna("").astype(object)


def month_label(period: pd.Period) -> str:
    """A monthly period as YYYY-MM."""
    return f"{period.year:04d}-{period.month:02d}"
