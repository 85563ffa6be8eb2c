"""Pandera's failure cases of a column or of a schema's row checks, found without pandera's reports where the result is
sure to be the same: type checks that cannot fail, checks of a value alone tried on distinct texts, row checks run
once as row masks. Anything else is left to pandera's own validation (validation._pandera_failure_cases)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.backends.pandas.error_formatters import reshape_failure_cases

from ds_pipeline.lib.displacement_rows import all_texts

# Pandera's built-in checks whose verdict on a row depends on the row's value alone.
VALUE_CHECKS = frozenset({"isin", "notin", "str_matches", "str_contains", "str_startswith", "str_endswith",
                          "str_length", "equal_to", "not_equal_to", "greater_than", "greater_than_or_equal_to",
                          "less_than", "less_than_or_equal_to", "in_range"})


def converts_to(values: pd.Series, dtype: object) -> bool:
    """Whether every value of a float column converts to the integer type `dtype` (numpy's int64 of the value;
    empty values to pandas' Int64 only): pandera's type check then names no row, only the column."""
    target = getattr(dtype, "type", None)
    integer = isinstance(target, np.dtype) and target == np.dtype("int64")
    numbers = values.to_numpy()
    if values.dtype != np.float64 or not (integer or isinstance(target, pd.Int64Dtype)):
        return False
    return not (integer and np.isnan(numbers).any()) and bool((np.abs(numbers[~np.isnan(numbers)]) < 2.0**62).all())


def type_settled(values: pd.Series, dtype: object) -> bool:
    """Whether pandera's type check of a column passes: a float column of floats, an integer column whose values all
    convert (`converts_to`), a text column of texts only (pandera tests each value to say so)."""
    if values.dtype == np.float64 and str(dtype) == "float64":
        return True
    return converts_to(values, dtype) or (str(dtype) == "str" and all_texts(values))


def plain_check(check: pa.Check) -> bool:
    """Whether pandera runs the check on the whole column or table at once and reports each failing row."""
    return check.groupby is None and not check.element_wise and check.ignore_na and not check.raise_warning


def column_cases(values: pd.Series, column: pa.Column) -> list[pd.DataFrame] | None:
    """The failure cases pandera gives for a column, without its reports of them, when its type check passes
    (`type_settled`), it holds no empty value unless nullable and its checks are each one of a value alone
    (VALUE_CHECKS), tried first on the distinct values of texts. None: pandera is to validate the column."""
    special = column.unique or column.coerce or column.regex or column.parsers or column.default is not None
    if special or column.drop_invalid_rows or (not column.nullable and values.hasnans):
        return None
    if not type_settled(values, column.dtype):
        return None
    if not all(plain_check(c) and c.name in VALUE_CHECKS for c in column.checks):
        return None
    distinct = values.drop_duplicates() if all_texts(values) else None
    found = []
    for check in column.checks:
        try:
            if distinct is not None and bool(check(distinct).check_passed):
                continue
            result = check(values)
        except Exception:
            return None
        if bool(result.check_passed):
            continue
        if result.failure_cases is None:
            return None
        cases = reshape_failure_cases(result.failure_cases, check.ignore_na)
        found.append(cases.assign(column=column.name, check=check.error if check.error is not None else check.name))
    return found


def row_check_cases(
    candidates: pd.DataFrame, schema: pa.DataFrameSchema, rules: Collection[str]
) -> list[pd.DataFrame] | None:
    """The failure cases of the schema's row checks (a row's first failure is taken from them), without pandera's work
    on the rows that pass: pandera names each column holding a value of a failing row (a row without any value
    passes), and the first is the one ranked first. None when a check is not one of `rules` giving a mask of
    the rows: pandera is to run the row checks."""
    found = []
    for check in schema.checks:
        if not (plain_check(check) and check.n_failure_cases is None and check.error is None and check.name in rules):
            return None
        try:
            passed = check._check_fn(candidates, **check._check_kwargs)
        except Exception:
            return None
        if not (isinstance(passed, pd.Series) and passed.dtype == bool and passed.index.equals(candidates.index)):
            return None
        failing = candidates[~passed.to_numpy()]
        given = failing.notna().to_numpy()
        rows = np.flatnonzero(given.any(axis=1))
        first = given[rows].argmax(axis=1)
        values = [failing.iat[row, column] for row, column in zip(rows, first, strict=True)]
        found.append(pd.DataFrame({"column": candidates.columns[first], "check": check.name, "failure_case": values,
                                   "index": failing.index[rows]}))
    return found
