"""What reading just-written partitions back from the warehouse gives, worked out from the frame that was written.

A run hands each table it stores to the next step of the same run without reading it back, but only as the frame
`warehouse.read_table` would return: the database's column order, rows ordered by partition then as written, and
each column as SQLite or PostgreSQL gives it back through pandas (measured, and tested on every table of a publish):

- text stays text; a missing value (None, NaN) comes back as None;
- 64-bit integers stay integers; nullable integers come back as integers without a missing value, as floats with
  one, as objects when all are missing;
- floats stay floats, NaN as NaN, but a column of NaN only comes back as None objects, and SQLite drops the sign
  of -0.0;
- a column with no value at all (every row missing) comes back as None objects, whatever it held;
- a frame without rows comes back with every column an object column.

Anything else (dates held as objects, nanoseconds, other dtypes, a column whose stored SQL type is not the one
the frame would create) gives None: the caller reads the table back instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.types import infer_dtype

# the SQL type family each pandas dtype is stored as (pandas `to_sql`), for checking the stored column's type
_FAMILY = {"text": sa.String, "integer": sa.Integer, "float": sa.Float, "boolean": sa.Boolean, "datetime": sa.DateTime}


def _family_of(column: pd.Series) -> str | None:
    """The stored type family a column's values need, or None when the column is not modelled."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return "text" if infer_dtype(column, skipna=True) in ("string", "empty") else None
    if isinstance(dtype, pd.Int64Dtype) or dtype == np.int64:
        return "integer"
    if dtype == np.float64:
        return "float"
    if dtype == np.bool_:
        return "boolean"
    if dtype == np.dtype("datetime64[ns]"):
        return "datetime"
    return None


def _read_back(column: pd.Series, family: str, missing: np.ndarray, dialect: str) -> np.ndarray | None:
    """The values of a column with a value as the database gives them back (None when unsure)."""
    if family == "text":
        values = column.to_numpy()
        if missing.any():
            values = values.copy()
            values[missing] = None
        return values
    if family == "integer" and isinstance(column.dtype, pd.Int64Dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan) if missing.any() else column.to_numpy(np.int64)
    values = column.to_numpy()
    if family == "float" and dialect == "sqlite":
        return values + 0.0  # SQLite stores -0.0 as 0
    if family == "datetime" and (values.view(np.int64) % 1000 != 0)[~missing].any():
        return None  # stored to the microsecond
    return values


def stored_frame(frame: pd.DataFrame, stored_columns: Mapping[str, sa.types.TypeEngine], dialect: str,
                 partition_column: str | None = None, partition_order: Sequence[str] = (),
                 missing_masks: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame | None:
    """The frame `read_table` gives back for the partitions `frame` was just written as (every row of an
    unpartitioned table), or None when this cannot be told for sure. `stored_columns` are the table's columns in
    the database's order with their SQL types (the row-order column included), `dialect` the database's name
    ("sqlite", "postgresql"), `partition_order` the written partitions in the database's sort order;
    `missing_masks`, each column's mask of missing values when the caller has it already."""
    names = [c for c in stored_columns if c in frame.columns]
    if frame.columns.has_duplicates or set(frame.columns) != set(names) or len(names) != len(stored_columns) - 1:
        return None
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in names})
    order = None  # rows come back by partition (in the database's order), then as written
    if partition_column and len(partition_order) > 1:
        rank = {key: i for i, key in enumerate(partition_order)}
        position = frame[partition_column].map(rank)
        if position.isna().any():
            return None
        order = np.argsort(position.to_numpy(), kind="stable")
    columns = {}
    known = missing_masks or {}
    for name in names:
        column = frame[name]
        family = _family_of(column)
        if family is None:
            return None
        missing = known[name] if name in known else column.isna().to_numpy()
        if missing.all():
            values = np.full(len(column), None, dtype=object)
        elif not isinstance(stored_columns[name], _FAMILY[family]):
            return None  # e.g. text written into a column created as numbers by an earlier run
        else:
            values = _read_back(column, family, missing, dialect)
            if values is None:
                return None
        columns[name] = values if order is None else values[order]
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
