"""A file's data rows as a raw table of texts, built column by column: the value every row shares (provenance,
constants, the read problem), each row's number in the file, and the cells of a column (empty past a row's end)."""

from __future__ import annotations

import numpy as np
import pandas as pd

ROW_NUMBER = object()  # stands for each row's number in the file, as the value of one column


def file_rows_table(
    rows: list[list[str]],
    first_row_number: int,
    columns: list[str],
    values: dict[str, object],
    cells: dict[str, int],
) -> pd.DataFrame:
    """The table of `columns` for the data rows of a file (`first_row_number`: the number of `rows[0]`), blank
    rows skipped: a column named in `cells` holds each row's cell at that position ("" where the row is
    shorter), one named in `values` that value on every row (ROW_NUMBER: the row's number in the file, a
    missing value: ""), any other column "". The same table as records of those values, cells of texts."""
    offsets = [offset for offset, row in enumerate(rows) if any(row)]
    if not offsets:
        return pd.DataFrame([], columns=columns).fillna("")
    kept = rows if len(offsets) == len(rows) else [rows[offset] for offset in offsets]
    table = np.full((len(kept), len(columns)), "", dtype=object)
    place = {name: number for number, name in enumerate(columns)}
    if cells:
        grid = _cell_grid(kept, 1 + max(cells.values()))
        for name, index in cells.items():
            if name in place:
                table[:, place[name]] = grid[:, index]
    others: dict[str, object] = {}
    for name, value in values.items():
        if name not in place:
            continue
        if value is ROW_NUMBER:
            table[:, place[name]] = [str(first_row_number + offset) for offset in offsets]
        elif isinstance(value, str):
            table[:, place[name]] = value
        elif not (pd.api.types.is_scalar(value) and pd.isna(value)):  # missing stays the empty text, as a cell
            others[name] = value
    frame = pd.DataFrame(table, columns=columns)
    for name, value in others.items():  # a value that is not a text keeps the type a column of it has
        frame[name] = [value] * len(kept)
    return frame


def _cell_grid(rows: list[list[str]], width: int) -> np.ndarray:
    """The rows as a two-dimensional array of texts holding at least their first `width` cells (short rows
    padded with "")."""
    lengths = set(map(len, rows))
    if len(lengths) == 1 and min(lengths) >= width:
        return np.array(rows, dtype=object).reshape(len(rows), len(rows[0]))
    rows = [row if len(row) == width else row[:width] if len(row) > width else row + [""] * (width - len(row))
            for row in rows]
    return np.array(rows, dtype=object).reshape(len(rows), width)
