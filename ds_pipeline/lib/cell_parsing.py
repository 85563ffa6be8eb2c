"""Partner cell text read as typed values: blanks (missing stays missing), numbers with decimal commas or thousands
separators decided per file, Arabic-Indic digits, dates written YYYY-MM-DD."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Arabic-Indic and Eastern Arabic-Indic digits, and the Arabic decimal and thousands separators, as in
# spreadsheets typed with an Arabic keyboard: read as the same numbers and dates.
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")


# What spreadsheets write for a missing number: read as blank (missing stays missing), never as a number.
MISSING_NUMBER_TEXT = frozenset({"-", "#n/a", "n/a", "nan"})
_MISSING_LONGEST = max(len(text) for text in MISSING_NUMBER_TEXT)  # casefolding never shortens a text
# Whitespace (what str.strip removes) starting or ending a value of texts joined by NUL (`_joined`).
_EDGE_SPACE = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")
_ASCII_SPACE = [c for c in map(chr, range(128)) if c.isspace()]
# An exponent of five digits or more is beyond any float ("1e39999999999999999999" crashes pandas' number parser).
_HUGE_EXPONENT = re.compile(r"[eE][+-]?\d{5,}")
# "1,234", "12,345,678", "1,234.5": commas grouping thousands.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# "0,85", "1,5", "1.234,56": a decimal comma (dots, if any, grouping thousands).
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+$")
NOT_A_NUMBER = "not a number"  # what a value that cannot be read as a number is replaced by before parsing


def blank_cells(values: pd.Series, dtype: str) -> pd.Series:
    """Cells holding no value: empty, or for numbers one of MISSING_NUMBER_TEXT ("-", "#N/A", "N/A", "nan")."""
    return _blank(stripped_text(values), dtype)


def stripped_text(values: pd.Series) -> pd.Series:
    """The values as stripped texts (missing: empty); kept as they are when all are texts with nothing to strip."""
    joined = _joined(values) if values.dtype == object else None
    if joined is not None and not (
        _EDGE_SPACE.search(joined) if not joined.isascii() else joined[:1].isspace() or joined[-1:].isspace()
        or any(c in joined and (f"\x00{c}" in joined or f"{c}\x00" in joined) for c in _ASCII_SPACE)
    ):
        return pd.Series(values.to_numpy().copy(), index=values.index, name=values.name, dtype=object)
    return values.fillna("").astype(str).str.strip()


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of ``frame`` as stripped texts, "" for a missing value (all "" when the column is absent)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column]
    # each distinct text is stripped once (codes and ids repeat a lot); a missing value (code -1) takes the ""
    # added at the end
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "string":
        codes, distinct = pd.factorize(values)
    else:
        codes, distinct = pd.factorize(values.fillna("").astype(str))
    stripped = np.array([*(value.strip() for value in distinct), ""], dtype=object)
    return pd.Series(stripped[codes], index=values.index, name=values.name, dtype=object)


def _blank(text: pd.Series, dtype: str) -> pd.Series:  # `blank_cells` of values already `stripped_text`
    if dtype in ("str", "date"):
        return text == ""
    found = {v for v in set(text.to_numpy()) if len(v) <= _MISSING_LONGEST and v.casefold() in MISSING_NUMBER_TEXT}
    return ((text == "") | text.isin(found)) if found else text == ""


def _joined(text: pd.Series) -> str | None:  # the values joined by NUL, to search all at once (None: not all texts)
    try:
        return "\x00".join(text.to_numpy())
    except TypeError:
        return None


def _uses_decimal_comma(values: list[str]) -> bool:
    """Whether a column's commas are decimal commas: some value has a comma followed by other than exactly three
    digits ("0,85", "1,5") and none has commas that can only group thousands ("12,345,678", "1,234.5")."""
    decimal_only = thousands_only = False
    for value in values:
        if "," not in value:
            continue
        thousands, decimal = _THOUSANDS.match(value) is not None, _DECIMAL_COMMA.match(value) is not None
        decimal_only = decimal_only or (decimal and not thousands)
        thousands_only = thousands_only or (thousands and not decimal)
    return decimal_only and not thousands_only


def _number_texts(values: list[str], commas: bool) -> list[str]:
    """The texts of one column (one file's values) as the number parser is given them: commas read as decimal
    commas or thousands separators as the values decide, a value that does not fit that reading (or with an
    exponent beyond any float) replaced by a text that is not a number."""
    cleaned = values
    if commas:
        if _uses_decimal_comma(values):
            cleaned = [
                value if "," not in value
                else value.replace(".", "").replace(",", ".") if _DECIMAL_COMMA.match(value) is not None
                else NOT_A_NUMBER
                for value in values
            ]
        else:
            cleaned = [
                value if "," not in value
                else value.replace(",", "") if _THOUSANDS.match(value) is not None
                else NOT_A_NUMBER
                for value in values
            ]
    if any("E" in value.upper() for value in cleaned):  # pandas' parser crashes on a 20-digit exponent
        cleaned = [NOT_A_NUMBER if _HUGE_EXPONENT.search(value) is not None else value for value in cleaned]
    return cleaned


def _number_array(values: list[str], commas: bool) -> np.ndarray:
    """Numbers of one column's texts (one file's values): commas read as decimal commas or thousands separators
    as the values decide (`_uses_decimal_comma`); a value that does not fit that reading is NaN, so "0,85" in a
    column of thousands is never 85. Infinite values are NaN too. Without `commas` in any value: as written."""
    cleaned = np.array(_number_texts(values, commas), dtype=object).reshape(len(values))
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    numbers[np.isinf(numbers)] = np.nan
    return numbers


def _read_numbers(text: pd.Series, commas: bool = True) -> pd.Series:
    """Numbers of one column (one file's values), as `_number_array` reads them."""
    return pd.Series(_number_array(text.tolist(), commas), index=text.index, name=text.name)


def _grouped_numbers(present: pd.Series, groups: pd.Series | None, commas: bool) -> pd.Series:
    """`_read_numbers` within each group of rows (no group: NaN)."""
    if groups is None:
        return _read_numbers(present, commas)
    if not (present.index.is_unique and groups.index.equals(present.index)):
        rows_of = present.groupby(groups, sort=False).groups.values()
        parts = [_read_numbers(present.loc[rows], commas) for rows in rows_of]
        return pd.concat(parts).reindex(present.index) if parts else pd.Series(np.nan, index=present.index)
    codes, uniques = pd.factorize(groups, sort=False)
    if len(uniques) == 1 and (codes == 0).all():
        return _read_numbers(present, commas)
    if not len(uniques):
        return pd.Series(np.nan, index=present.index)
    numbers, values = np.full(len(present), np.nan), present.to_numpy()
    for rows in (np.flatnonzero(codes == code) for code in range(len(uniques))):
        part = pd.Series(values[rows], index=present.index[rows], name=present.name)
        numbers[rows] = _read_numbers(part, commas).to_numpy()
    return pd.Series(numbers, index=present.index, name=present.name)


def _distinct_numbers(
    text: pd.Series, groups: pd.Series | None, commas: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """(numbers, blank cells) of a column of texts as `_blank` and `_grouped_numbers` read them (blank: NaN),
    each distinct text of a group read once: what a value reads as depends on the value and on which values its
    group holds (decimal commas, integer or float parsing), never on how often or where they occur. None when
    the column is not one of texts with a unique index and groups on the same index."""
    if text.dtype != object or not text.index.is_unique or (groups is not None and not groups.index.equals(text.index)):
        return None
    codes, distinct = pd.factorize(text.to_numpy(), sort=False)
    if (codes < 0).any():
        return None
    texts = distinct.tolist()
    blank = np.array([value == "" or (len(value) <= _MISSING_LONGEST and value.casefold() in MISSING_NUMBER_TEXT)
                      for value in texts], dtype=bool).reshape(len(texts))
    present = ["" if empty else value for value, empty in zip(texts, blank.tolist(), strict=True)]
    numbers = np.full(len(text), np.nan)
    group_codes, group_names = pd.factorize(groups, sort=False) if groups is not None else (None, [None])
    if not len(group_names):
        return None
    if group_codes is None or (len(group_names) == 1 and (group_codes == 0).all()):
        numbers = _number_array(present, commas)[codes]
    else:
        read = np.empty(len(texts))
        for rows in (np.flatnonzero(group_codes == code) for code in range(len(group_names))):
            own_codes = codes[rows]
            own = pd.unique(own_codes)  # the group's distinct texts, in the order they first occur
            read[own] = _number_array([present[code] for code in own.tolist()], commas)
            numbers[rows] = read[own_codes]
    empty = blank[codes]
    numbers[empty] = np.nan
    return numbers, empty


def parse_column(
    values: pd.Series, dtype: str, groups: pd.Series | None = None
) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, a mask of values that could not be parsed, and what was expected. `groups` (each row's
    file): decimal commas versus thousands separators are decided within each group's values."""
    return parse_text(stripped_text(values), dtype, groups)[:3]


def parse_text(text: pd.Series, dtype: str, groups: pd.Series | None) -> tuple[pd.Series, pd.Series, str, pd.Series]:
    """`parse_column` of values already `stripped_text`, and the blank cells (`blank_cells`)."""
    if dtype == "str":
        return text, pd.Series(False, index=text.index), "", text == ""
    joined = _joined(text)
    if joined is None or not joined.isascii():
        text = text.str.translate(ARABIC_DIGITS)
        joined = _joined(text)
    commas = joined is None or "," in joined
    distinct = _distinct_numbers(text, groups, commas) if dtype != "date" and joined is not None else None
    if distinct is not None:
        return _typed_numbers(text, dtype, *distinct)
    empty = _blank(text, dtype)
    if dtype == "date":
        parsed = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        return parsed, ~empty & parsed.isna(), "a date written YYYY-MM-DD", empty
    present = text.where(~empty, "")
    numbers = _grouped_numbers(present, groups, commas).where(~empty)
    bad = ~empty & numbers.isna()
    if dtype == "int":
        not_whole = numbers.notna() & (numbers != np.floor(numbers))
        return numbers, bad | not_whole, "a whole number", empty
    if dtype == "indicator":
        return numbers, bad | (numbers.notna() & ~numbers.isin([0, 1])), "1, 0 or blank", empty
    return numbers, bad, "a number", empty


def _typed_numbers(
    text: pd.Series, dtype: str, numbers: np.ndarray, empty: np.ndarray
) -> tuple[pd.Series, pd.Series, str, pd.Series]:
    """`parse_text` of a numeric column from its numbers (NaN: blank or not a number) and its blank cells."""
    missing = np.isnan(numbers)
    bad = ~empty & missing
    expected = "a number"
    if dtype == "int":
        bad |= ~missing & (numbers != np.floor(numbers))
        expected = "a whole number"
    elif dtype == "indicator":
        bad |= ~missing & (numbers != 0) & (numbers != 1)
        expected = "1, 0 or blank"
    index, name = text.index, text.name
    return (pd.Series(numbers, index=index, name=name), pd.Series(bad, index=index, name=name), expected,
            pd.Series(empty, index=index, name=name))
