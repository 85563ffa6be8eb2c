"""The shortcuts of the validation's pandera step and of the displacement row keys give what the plain way gives.

Random raw rows of every kind (empty, negative, unknown, odd-spaced and wrongly typed values) are validated with
pandera reporting every check itself and with the shortcuts; the first rejection of each row must be the same. The
displacement helpers that work on distinct values are compared with their row-by-row definitions.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from test_validation_rules import GOOD_ROWS, _raw

from ds_pipeline.lib import displacement_rows, pandera_cases, validation
from ds_pipeline.lib.canonical import DISPLACEMENT_BREAKDOWN_COLUMNS, DISPLACEMENT_PLACE_COLUMNS

ODD_VALUES = [
    "", " ", "-1", "-0.5", "0", "1", "2", "0.5", "1,5", "100", "101", "1e3", "abc", " 7 ", "nan", "N/A", "R140",
    "R14x", "idp", "returnee", "Idp", "location", "district", "Admin 2", "governorate", "IQG15", "iqg15", "Sinjar",
    "ongoing", "planned", "PRO", "SHL", "low", "very high", "on_track", "2026-10", "2026-13", "2026-10-31",
    "2027-01-01", "returnee", "non_displaced", "L1", "L2", "H1", "x|y", "\u00a0L1", "STRASSE", "Stra\u00dfe",
]
KIND_COLUMNS: dict[str, list[str]] = {
    "displacement": [*GOOD_ROWS["displacement"], "admin_level", "admin2_name", "admin3_pcode", "admin3_name",
                     "displacement_reason", "assessment_type", "origin_admin1_name"],
    "return_index": [*GOOD_ROWS["return_index"], "location_id"],
    "service_mapping": [*GOOD_ROWS["service_mapping"], "admin2_name"],
    "poa_submission": list(GOOD_ROWS["poa_submission"]),
    "household_survey": list(GOOD_ROWS["household_survey"]),
}


def _odd_rows(kind: str, seed: int, rows: int = 240) -> pd.DataFrame:
    """`rows` raw rows of `kind`, each the good row with a few columns given odd values (some rows repeated)."""
    pick = random.Random(seed)
    changes = []
    for _ in range(rows):
        columns = pick.sample(KIND_COLUMNS[kind], k=pick.choice([0, 1, 1, 2, 3]))
        changes.append({column: pick.choice(ODD_VALUES) for column in columns})
    changes += [changes[pick.randrange(len(changes))] for _ in range(rows // 10)]
    return _raw(kind, changes)


def _every_check_reported(candidates: pd.DataFrame, kind: str) -> pd.DataFrame | None:
    """Failure cases with pandera validating every column and row check itself (integer types that convert aside)."""
    schema = validation.MODELS[kind].to_schema()
    settled = {name: {"dtype": None} for name, column in schema.columns.items()
               if name in candidates.columns and pandera_cases.converts_to(candidates[name], column.dtype)}
    schema = schema.update_columns(settled)
    schema.report_duplicates = "exclude_first"
    try:
        schema.validate(candidates, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None


@pytest.mark.parametrize("kind", sorted(KIND_COLUMNS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_first_rejection_of_each_row_is_the_one_pandera_reports_first(
    kind: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    collected: dict[str, object] = {}
    validation.validate_raw(_odd_rows(kind, seed), kind, {}, collect=collected)
    typed, failures = collected["typed"], collected["failures"]
    index_name = typed.index.name
    quick = validation._find_rejections(typed, kind, list(failures))
    assert typed.index.name == index_name  # the frame is left as it was
    with monkeypatch.context() as patched:
        patched.setattr(validation, "_pandera_failure_cases", _every_check_reported)
        plain = validation._find_rejections(typed, kind, list(failures))
    assert quick == plain
    assert len({rejection.check for rejection in quick.values()}) > 3  # the rows break rules of several kinds


def test_row_checks_left_to_pandera_when_one_does_not_give_a_mask_of_the_rows(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    collected: dict[str, object] = {}
    validation.validate_raw(_odd_rows("displacement", 4), "displacement", {}, collect=collected)
    typed, failures = collected["typed"], collected["failures"]
    schema = validation.MODELS["displacement"].to_schema()
    check = schema.checks[0]
    original = check._check_fn
    monkeypatch.setattr(check, "_check_fn", lambda frame, **options: original(frame, **options).to_numpy())
    assert pandera_cases.row_check_cases(typed, schema, validation.RULE_TEXT) is None
    quick = validation._find_rejections(typed, "displacement", list(failures))
    monkeypatch.setattr(validation, "_pandera_failure_cases", _every_check_reported)
    assert quick == validation._find_rejections(typed, "displacement", list(failures))


# The displacement helpers as written row by row, to compare the distinct-value versions with.
def _text_row_by_row(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _place_row_by_row(typed: pd.DataFrame) -> pd.Series:
    levels = _text_row_by_row(typed, "admin_level")
    location = _text_row_by_row(typed, "location_id")
    admin = _text_row_by_row(typed, DISPLACEMENT_PLACE_COLUMNS[1])
    for column in DISPLACEMENT_PLACE_COLUMNS[2:]:
        admin = admin + "|" + _text_row_by_row(typed, column).str.casefold()
    return ("location:" + location).where(levels.isin(["", "location"]), levels + ":" + admin)


def _levels_row_by_row(raw: pd.DataFrame, declared: pd.Series) -> tuple[pd.Series, pd.Series]:
    own = _text_row_by_row(raw, "admin_level").map(displacement_rows.normalise_level)
    levels = []
    for given, source_level in zip(own, declared, strict=True):
        candidates = [source_level] + ([given] if isinstance(given, str) and given else [])
        levels.append(max(candidates, key=displacement_rows.LEVEL_RANK.__getitem__))
    return pd.Series(levels, index=raw.index, dtype=object), own.isna()


def _odd_places(seed: int, rows: int = 400) -> pd.DataFrame:
    """Displacement rows of few distinct places and levels, spelled with odd spaces, cases, bars and empty cells."""
    pick = random.Random(seed)
    texts = ["", " ", "A", "a", " A ", "a|b", "a", "|", "Stra\u00dfe", "STRASSE", "\u00a0A", None, np.nan, 7, 7.0]
    levels = ["", "location", "district", "subdistrict", "governorate", " District ", "adm2", "Level 1", "zone",
              None, np.nan]
    columns = ["round_id", "population_type", "location_id", *DISPLACEMENT_PLACE_COLUMNS[1:],
               *DISPLACEMENT_BREAKDOWN_COLUMNS]
    frame = pd.DataFrame({column: [pick.choice(texts) for _ in range(rows)] for column in columns})
    frame["admin_level"] = [pick.choice(levels) for _ in range(rows)]
    frame.index = pd.Index([pick.randrange(10_000) for _ in range(rows)])  # labels unsorted, some repeated
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_displacement_keys_from_distinct_values_are_the_row_by_row_ones(seed: int) -> None:
    frame = _odd_places(seed)
    for column in [*frame.columns, "not_given"]:
        pd.testing.assert_series_equal(displacement_rows.text_column(frame, column), _text_row_by_row(frame, column))
    texts = frame.map(lambda value: value if isinstance(value, str) else "")  # as validation types them
    texts["admin_level"] = texts["admin_level"].map(lambda v: displacement_rows.normalise_level(v) or "location")
    for typed in (texts, texts.iloc[::-1], texts.assign(admin_level="location"), texts[texts.columns[3:]]):
        pd.testing.assert_series_equal(displacement_rows.place_key(typed), _place_row_by_row(typed))
        key = pd.DataFrame({
            "round_id": _text_row_by_row(typed, "round_id"),
            "population_type": _text_row_by_row(typed, "population_type"),
            "place": _place_row_by_row(typed),
            **{c: _text_row_by_row(typed, c).str.casefold() for c in DISPLACEMENT_BREAKDOWN_COLUMNS},
        })
        duplicated, _wording = displacement_rows.duplicate_rows(typed)
        pd.testing.assert_series_equal(duplicated, key.duplicated(keep="first"))
    declared = pd.Series(random.Random(seed).choices(["location", "district", "governorate"], k=len(frame)),
                         index=frame.index)
    for got, expected in zip(displacement_rows.row_levels(frame, declared), _levels_row_by_row(frame, declared),
                             strict=True):
        pd.testing.assert_series_equal(got, expected)


def test_a_row_of_an_admin_level_without_its_unit_is_still_found() -> None:
    typed = pd.DataFrame({
        "admin_level": ["location", "district", "district", "governorate", "subdistrict"],
        "admin2_pcode": ["", "", "IQG15Q05", "", ""], "admin2_name": ["", " ", "", "", ""],
        "admin1_pcode": ["", "", "", "", ""], "admin1_name": ["", "", "", "Ninewa", ""],
    })
    assert displacement_rows.missing_unit(typed).tolist() == [False, True, False, False, True]
    assert not displacement_rows.missing_unit(typed.assign(admin_level="location")).any()


def test_value_checks_are_the_checks_whose_verdict_is_the_values_own() -> None:
    names = {check.name for model in validation.MODELS.values()
             for column in model.to_schema().columns.values() for check in column.checks}
    assert names <= pandera_cases.VALUE_CHECKS  # every column check of the models takes the shortcut
    assert all(re.fullmatch(r"[a-z_]+", name) for name in pandera_cases.VALUE_CHECKS)
