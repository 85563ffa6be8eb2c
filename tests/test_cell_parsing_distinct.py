"""Numbers read once per distinct text of a file are the numbers read cell by cell, with the same blanks and the
same unparsable cells, whatever the repetitions, order and files of the values."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from ds_pipeline.lib import cell_parsing
from ds_pipeline.lib.cell_parsing import parse_text, stripped_text

TEXTS = ["", "-", "N/A", "#n/a", "nan", "1", "01", "1.5", "1,5", "1,234", "1.234,56", "12,345,678", "1,234.5",
         "0,85", "abc", "1e5", "1E400", "1e39999999999999999999", "inf", "١٢٣", "٣٫٥", "9007199254740993",
         "12345678901234567890", "-5", "+3", "0", "2", "-0", "1,2,3", "0.5"]


def cell_by_cell(text: pd.Series, groups: pd.Series | None) -> pd.Series:
    """Numbers of the texts of each group read with pandas' string methods over every cell."""
    parts = []
    for _, part in (text.groupby(groups, sort=False) if groups is not None else [(None, text)]):
        empty = cell_parsing._blank(part, "float")
        present = part.where(~empty, "")
        with_comma = present.str.contains(",", regex=False)
        commas = present[with_comma]
        thousands, decimal = commas.str.match(cell_parsing._THOUSANDS), commas.str.match(cell_parsing._DECIMAL_COMMA)
        if bool((decimal & ~thousands).any()) and not bool((thousands & ~decimal).any()):
            fits = present.str.match(cell_parsing._DECIMAL_COMMA)
            rewritten = present.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            fits = present.str.match(cell_parsing._THOUSANDS)
            rewritten = present.str.replace(",", "", regex=False)
        cleaned = present.where(~with_comma, rewritten.where(fits, "not a number"))
        cleaned = cleaned.where(~cleaned.str.contains(cell_parsing._HUGE_EXPONENT), "not a number")
        numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        parts.append(numbers.where(~np.isinf(numbers)).where(~empty))
    return pd.concat(parts).reindex(text.index)


def test_distinct_texts_read_as_every_cell() -> None:
    draw = random.Random(5)
    for _ in range(150):
        size = draw.choice([1, 3, 20, 80])
        pool = draw.sample(TEXTS, draw.randint(1, 8))
        text = stripped_text(pd.Series([draw.choice(pool) for _ in range(size)], name="families", dtype=object))
        text = text.str.translate(cell_parsing.ARABIC_DIGITS)
        files = draw.choice([None, ["a.csv"], ["a.csv", "b.csv"]])
        groups = None if files is None else pd.Series([draw.choice(files) for _ in range(size)])
        numbers, bad, _, empty = parse_text(text, "float", groups)
        expected = cell_by_cell(text, groups)
        pd.testing.assert_series_equal(numbers, expected, check_exact=True)
        pd.testing.assert_series_equal(empty, cell_parsing._blank(text, "float"), check_exact=True)
        pd.testing.assert_series_equal(bad, ~empty & expected.isna(), check_exact=True)
