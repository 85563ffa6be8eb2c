"""CSV files the project writes, safe to open in a spreadsheet: cells that would run as formulas are neutralised.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading tab or carriage return
can hide such a start), so free text from partners ("=HYPERLINK(...)" in a POA action or a 4W organisation name)
would run when the published CSV is opened. Every such cell is written with a leading `'`, which spreadsheets
show as text; cells that are numbers (-12, -0.5, +3, 1e-3) are written unchanged so they stay numbers.

Every CSV the project writes goes through `neutralise_cell`: `csv_writer` wraps `csv.writer`, `write_frame_csv`
writes a data frame.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_number(text: str) -> bool:
    """True when `text` is a plain finite number as written in a numeric column (-12, -0.5, +3, 1.5e-3)."""
    return NUMBER.fullmatch(text) is not None


def neutralise_cell(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would run as a formula; anything else unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or is_number(value):
        return value
    return NEUTRALISING_PREFIX + value


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `neutralise_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **options: Any) -> SafeCsvWriter:
    """A CSV writer on `handle` (options as for `csv.writer`) that neutralises formula-like cells."""
    return SafeCsvWriter(handle, **options)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) are neutralised; numeric columns are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        dtype = safe[column].dtype
        text_like = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        if text_like or isinstance(dtype, pd.CategoricalDtype):
            safe[column] = safe[column].astype(object).map(neutralise_cell)
    safe.columns = [neutralise_cell(c) for c in safe.columns]
    return safe


def write_frame_csv(frame: pd.DataFrame, path_or_buffer: str | Path | IO[str], **options: Any) -> None:
    """`frame.to_csv(path_or_buffer, **options)` (index off unless asked) with formula-like text neutralised."""
    options.setdefault("index", False)
    neutralise_frame(frame).to_csv(path_or_buffer, **options)
