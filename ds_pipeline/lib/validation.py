"""Validate raw rows: parse text into typed columns, check them with pandera, split accepted from quarantined."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.config import ValidationDepth, get_config_context
from pandera.typing import Series

from ds_pipeline.lib.canonical import (
    CANONICAL_COLUMNS,
    DISPLACEMENT_ADMIN_LEVELS,
    IASC_CRITERIA,
    POA_STATUSES,
    POPULATION_GROUPS,
    POPULATION_TYPES,
    PROVENANCE_COLUMNS,
    QUARANTINE_COLUMNS,
    ROUND_COLUMN,
    SECTOR_CODES,
    SERVICE_STATUSES,
)
from ds_pipeline.lib.cell_parsing import parse_text, stripped_text
from ds_pipeline.lib.displacement_rows import (
    DUPLICATE_CHECK,
    LEVEL_EXPECTED,
    duplicate_rows,
    missing_unit,
    not_required,
    row_levels,
    shelter_without_families,
)
from ds_pipeline.lib.future_dates import FUTURE_DATE_CHECK, future_dates
from ds_pipeline.lib.pandera_cases import column_cases, row_check_cases, type_settled
from ds_pipeline.lib.readers import READ_PROBLEM
from ds_pipeline.lib.registry import SourceEntry
from ds_pipeline.lib.settings import FUTURE_DATE_TOLERANCE_DAYS, HouseholdSizes
from ds_pipeline.lib.value_maps import VALUE_CHECK, apply_value_maps

CRITERIA = list(IASC_CRITERIA)
SEVERITY_SOURCE_CATEGORIES = ["low", "medium", "high", "very high"]
UNIT_RANGE = {"min_value": 0, "max_value": 1}

# Canonical columns that must hold a value; all others may be empty.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "gazetteer": ("admin_level", "pcode", "name_en"),
    # families and the shelter breakdown are optional (individuals-only data); location_id and admin2_pcode are
    # not required of rows of a coarser admin level (displacement_rows.NOT_REQUIRED_AT)
    "displacement": ("reporting_date", "population_type", "location_id", "admin1_pcode", "admin2_pcode", "individuals"),
    "return_index": (
        "ri_round", "reporting_date", "location_id", "admin1_pcode", "admin2_pcode", "returnee_individuals",
        *[f"indicator_{i:02d}" for i in range(1, 17)], "scale1_score", "scale2_score", "overall_score",
    ),
    # a 3W may report presence only: organisation, sector and place (activity, criterion, status, people and
    # period may all be empty; METHODOLOGY.md section 6 says how such rows are counted)
    "service_mapping": ("org_acronym", "sector_code", "admin1_pcode"),
    "poa_submission": (
        "area", "report_month", "action_id", "action", "iasc_criterion", "lead_org", "target", "achieved",
        "status", "due_date", "submitted_on",
    ),
    "household_survey": (
        "household_id", "survey_round", "interview_date", "admin1_pcode", "admin2_pcode", "population_group",
        "weight", "household_size",
    ),
}


class GazetteerUnit(pa.DataFrameModel):
    """An admin unit of the COD-AB gazetteer."""

    # level 0 is the country itself (IRQ), as some p-code lists carry it; it is the parent of the governorates
    admin_level: Series[int] = pa.Field(isin=[0, 1, 2, 3])
    pcode: Series[str] = pa.Field(str_matches=r"^(IRQ|IQG\d{2}(Q\d{2}([A-Z]\d{2})?)?)$")
    name_en: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check
    def pcode_length_matches_admin_level(cls, df: pd.DataFrame) -> Series[bool]:
        return df["pcode"].str.len() == df["admin_level"].map({0: 3, 1: 5, 2: 8, 3: 11})

    @pa.dataframe_check
    def parent_pcode_is_prefix(cls, df: pd.DataFrame) -> Series[bool]:
        is_top = df["admin_level"] <= 1
        prefix = [p.startswith(q) and len(q) > 0 for p, q in zip(df["pcode"], df["parent_pcode"], strict=True)]
        return is_top | pd.Series(prefix, index=df.index)

    # One p-code in several files (an admin1/admin2 list and a sub-district list) is merged when conforming
    # (`conform.gazetteer_rejections`): the same unit is one unit, two different names for one code are quarantined.


class DisplacementRound(pa.DataFrameModel):
    """A DTM row: one location (or admin unit, with its reason, origin and assessment type), round and population."""

    round_id: Series[str] = pa.Field(str_matches=r"^R\d+$")
    population_type: Series[str] = pa.Field(isin=list(POPULATION_TYPES))
    admin_level: Series[str] = pa.Field(isin=list(DISPLACEMENT_ADMIN_LEVELS))
    families: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)  # empty: individuals-only data
    individuals: Series[int] = pa.Field(ge=0)
    families_in_camp: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    families_in_critical_shelter: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    families_in_private: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    families_in_unknown_shelter: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    individuals_male: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    individuals_female: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check
    def shelter_families_sum_to_families(cls, df: pd.DataFrame) -> Series[bool]:
        shelters = (
            df["families_in_camp"] + df["families_in_critical_shelter"] + df["families_in_private"]
            + df["families_in_unknown_shelter"]
        )
        return df["families"].isna() | shelters.isna() | (shelters == df["families"])  # partial: next rule

    @pa.dataframe_check
    def shelter_breakdown_given_with_families(cls, df: pd.DataFrame) -> Series[bool]:
        return ~shelter_without_families(df)

    @pa.dataframe_check
    def admin_unit_given_at_its_level(cls, df: pd.DataFrame) -> Series[bool]:
        return ~missing_unit(df)

    @pa.dataframe_check
    def sex_breakdown_not_above_total(cls, df: pd.DataFrame) -> Series[bool]:
        given = df["individuals_male"].notna() | df["individuals_female"].notna()
        breakdown = df["individuals_male"].fillna(0) + df["individuals_female"].fillna(0)
        return ~given | (breakdown <= df["individuals"]).fillna(True).astype(bool)

    # Individuals = camp x families in camp + other x other families is checked by `dtm_estimate_rejections`
    # with the household sizes of the settings, so the model itself stays independent of the settings; rows are
    # unique on their full natural key (`displacement_rows.duplicate_rows`), checked after the model.


class ReturnIndexRound(pa.DataFrameModel):
    """A Return Index row: one location of return in one round."""

    round_id: Series[str] = pa.Field(str_matches=r"^R\d+$")
    ri_round: Series[int] = pa.Field(ge=1)
    returnee_individuals: Series[int] = pa.Field(ge=0)
    scale1_score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    scale2_score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    overall_score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    severity_source: Series[str] = pa.Field(isin=[*SEVERITY_SOURCE_CATEGORIES, ""])
    # the 16 indicators: 0 (condition met) .. 1 (not met)
    indicator_01: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_02: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_03: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_04: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_05: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_06: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_07: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_08: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_09: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_10: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_11: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_12: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_13: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_14: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_15: Series[float] = pa.Field(in_range=UNIT_RANGE)
    indicator_16: Series[float] = pa.Field(in_range=UNIT_RANGE)

    class Config:
        unique = ["round_id", "location_id"]


class ServiceActivity(pa.DataFrameModel):
    """A 3W/4W row: an organisation's presence or activity in an admin unit, over a period when one is given."""

    sector_code: Series[str] = pa.Field(isin=list(SECTOR_CODES))
    iasc_criterion: Series[pd.Int64Dtype] = pa.Field(isin=CRITERIA, nullable=True)  # empty: from the sector
    status: Series[str] = pa.Field(isin=[*SERVICE_STATUSES, ""])  # empty: presence, counted as active
    people_targeted: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)  # empty: not reported
    people_reached: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check
    def period_end_not_before_start(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["period_end"] >= df["period_start"]) | df["period_start"].isna() | df["period_end"].isna()

    @pa.dataframe_check
    def district_given_by_code_or_name(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["admin2_pcode"] != "") | (df["admin2_name"] != "")


class PoaAction(pa.DataFrameModel):
    """A Plan of Action progress row: one action of an area in one reporting month."""

    report_month: Series[str] = pa.Field(str_matches=r"^\d{4}-(0[1-9]|1[0-2])$")
    iasc_criterion: Series[int] = pa.Field(isin=CRITERIA)
    status: Series[str] = pa.Field(isin=list(POA_STATUSES))
    target: Series[float] = pa.Field(ge=0)
    achieved: Series[float] = pa.Field(ge=0)
    # No uniqueness rule: a corrected resubmission repeats the area, month and action ids; both rows are kept and
    # the metrics take the latest submission (METHODOLOGY.md, POA implementation).


class SurveyHousehold(pa.DataFrameModel):
    """A household of the durable-solutions survey, with its weight."""

    population_group: Series[str] = pa.Field(isin=list(POPULATION_GROUPS))
    weight: Series[float] = pa.Field(gt=0)
    household_size: Series[int] = pa.Field(ge=1)

    class Config:
        unique = ["survey_round", "household_id"]


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "gazetteer": GazetteerUnit,
    "displacement": DisplacementRound,
    "return_index": ReturnIndexRound,
    "service_mapping": ServiceActivity,
    "poa_submission": PoaAction,
    "household_survey": SurveyHousehold,
}

# Required admin p-codes that the unit's name may replace: "a p-code or a name at each level the kind needs".
ADMIN_NAME_OF = {f"admin{level}_pcode": f"admin{level}_name" for level in (1, 2, 3)}

# Integer columns that may be empty, held as pandas' nullable Int64 (empty stays <NA>, never 0).
NULLABLE_INT_COLUMNS: dict[str, tuple[str, ...]] = {
    "displacement": (
        "families", "families_in_camp", "families_in_critical_shelter", "families_in_private",
        "families_in_unknown_shelter", "individuals_male", "individuals_female",
    ),
    "service_mapping": ("iasc_criterion", "people_targeted", "people_reached"),
}

# Readable wording of the row-level rules.
RULE_TEXT = {
    "pcode_length_matches_admin_level": "the p-code's length does not match its admin level",
    "parent_pcode_is_prefix": "the parent p-code is not the start of the p-code",
    "shelter_families_sum_to_families": "families by shelter type do not add up to Families",
    "period_end_not_before_start": "the period ends before it starts",
    "district_given_by_code_or_name": "neither a district p-code nor a district name is given",
    "shelter_breakdown_given_with_families": "families and the four shelter counts are given together or not at all",
    "admin_unit_given_at_its_level": "neither a p-code nor a name is given for the admin unit of the row's level",
    "sex_breakdown_not_above_total": "male and female individuals add up to more than Individuals",
    "multiple_fields_uniqueness": "duplicate of an earlier row",
    "field_uniqueness": "duplicate of an earlier row",
}


@dataclass(frozen=True)
class Rejection:
    """Why one input row is quarantined."""

    index: int
    column: str  # canonical column, "" for the row as a whole
    check: str
    message: str
    provider_column: str = ""  # set when the problem names the provider's column directly (unreadable file)


def column_dtypes(kind: str, indicator_columns: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    dtypes = dict(CANONICAL_COLUMNS[kind])
    for column in indicator_columns:
        dtypes[column] = "indicator"
    return dtypes


def _humanise(check: str, value: object) -> str:
    shown = repr(value) if not isinstance(value, str) else f"'{value}'"
    if check in RULE_TEXT:
        return RULE_TEXT[check]
    if match := re.match(r"isin\((.*)\)$", check):
        return f"expected one of {match.group(1)}, got {shown}"
    if match := re.match(r"greater_than_or_equal_to\((.*)\)$", check):
        return f"expected {match.group(1)} or more, got {shown}"
    if match := re.match(r"greater_than\((.*)\)$", check):
        return f"expected more than {match.group(1)}, got {shown}"
    if match := re.match(r"in_range\((.*), (.*)\)$", check):
        return f"expected a value from {match.group(1)} to {match.group(2)}, got {shown}"
    if check.startswith("str_matches"):
        return f"not in the expected format, got {shown}"
    if check.startswith("str_length"):
        return "a value is required"
    return f"fails {check}, got {shown}"


DTM_ESTIMATE_CHECK = "individuals_follow_dtm_estimate"


def dtm_estimate_text(sizes: HouseholdSizes) -> str:
    """Why a DTM row fails the estimate rule, with the household sizes of the settings."""
    return (
        f"Individuals is not {sizes.camp_household_size} x families in camp + {sizes.household_size} x other "
        "families"
    )


def dtm_estimate_rejections(typed: pd.DataFrame, sizes: HouseholdSizes) -> dict[int, Rejection]:
    """DTM rows whose individuals differ from the estimate from families with `sizes` (settings `displacement`);
    only rows that give families are checked (individuals-only rows have nothing to estimate from)."""
    expected = sizes.individuals(typed["families"], typed["families_in_camp"])
    wrong = typed.index[(typed["families"].notna() & (typed["individuals"] != expected)).to_numpy()]
    message = dtm_estimate_text(sizes)
    return {int(index): Rejection(int(index), "", DTM_ESTIMATE_CHECK, message) for index in wrong}


def _find_rejections(
    typed: pd.DataFrame, kind: str, parse_failures: list[Rejection], sizes: HouseholdSizes | None = None
) -> dict[int, Rejection]:
    """First rejection per row: unreadable file or column, unparsable value, required value, pandera checks, then
    the DTM estimate rule with the household sizes `sizes` (default: the documented 6 and 5)."""
    first: dict[int, Rejection] = {}
    for rejection in parse_failures:
        first.setdefault(rejection.index, rejection)
    candidates = typed.loc[~typed.index.isin(list(first))]
    if candidates.empty:
        return first
    _pandera_rejections(candidates, typed, kind, first)
    if kind == "displacement":
        for index, rejection in dtm_estimate_rejections(candidates, sizes or HouseholdSizes()).items():
            first.setdefault(index, rejection)
        duplicated, wording = duplicate_rows(candidates)
        for index in candidates.index[duplicated.to_numpy()]:
            column = "location_id" if candidates.at[index, "admin_level"] == "location" else ""
            message = f"duplicate of an earlier row with the same {wording}"
            first.setdefault(int(index), Rejection(int(index), column, DUPLICATE_CHECK, message))
    return first


_SCHEMAS: dict[tuple[object, ...], pa.DataFrameSchema] = {}  # see _kind_schema
def _kind_schema(kind: str, settled: tuple[str, ...], handled: tuple[str, ...], row_checks: bool) -> pa.DataFrameSchema:
    """The kind's schema without the `handled` columns, the type checks of the `settled` columns and, unless
    `row_checks`, the model's row checks; duplicates reported after their first row."""
    key = (MODELS[kind], settled, handled, row_checks)
    if key not in _SCHEMAS:
        schema = MODELS[kind].to_schema().remove_columns(list(handled))
        schema = schema.update_columns({name: {"dtype": None} for name in settled if name not in handled})
        if not row_checks:
            schema.checks = []
        schema.report_duplicates = "exclude_first"
        _SCHEMAS[key] = schema
    return _SCHEMAS[key]


def _pandera_failure_cases(candidates: pd.DataFrame, kind: str) -> pd.DataFrame | None:
    """Pandera's failure cases of the kind's schema (None: none). The columns and row checks that `column_cases`
    and `row_check_cases` take are left out of pandera's validation, and so are the type checks that pass
    (`type_settled`): pandera would test every value to name no row."""
    model = MODELS[kind].to_schema()
    config = get_config_context()
    direct = config.validation_enabled and config.validation_depth != ValidationDepth.SCHEMA_ONLY
    direct = direct and not model.drop_invalid_rows  # otherwise pandera drops failing rows rather than report them
    present = {name: column for name, column in model.columns.items() if name in candidates.columns}
    settled = tuple(name for name, column in present.items() if type_settled(candidates[name], column.dtype))
    by_column = {name: column_cases(candidates[name], column) for name, column in present.items()} if direct else {}
    handled = tuple(name for name, found in by_column.items() if found is not None)
    row_cases = row_check_cases(candidates, model, RULE_TEXT) if direct else None
    schema = _kind_schema(kind, settled, handled, row_checks=row_cases is None)
    cases = [case for found in (*by_column.values(), row_cases) for case in found or [] if not case.empty]
    try:
        schema.validate(candidates, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases.insert(0, errors.failure_cases)
    return (pd.concat(cases, ignore_index=True) if len(cases) > 1 else cases[0]) if cases else None


def _pandera_rejections(candidates: pd.DataFrame, typed: pd.DataFrame, kind: str, first: dict[int, Rejection]) -> None:
    """Add to `first` the first pandera failure of each row of `candidates` not rejected yet."""
    cases = _pandera_failure_cases(candidates, kind)
    if cases is not None:
        cases = cases.copy()
        cases = cases[cases["index"].notna()]
        order = {c: i for i, c in enumerate(typed.columns)}
        cases["_order"] = cases["column"].map(lambda c: order.get(c, len(order)) if isinstance(c, str) else len(order))
        cases["_check"] = cases["check"].astype(str)  # a row failing two checks of one column: the same one named
        for case in cases.sort_values(["index", "_order", "_check"], kind="stable").itertuples():
            index = int(case.index)
            if index in first:
                continue
            column = case.column if isinstance(case.column, str) and case.column in typed.columns else ""
            message = _humanise(str(case.check), case.failure_case)
            if case.check in ("multiple_fields_uniqueness", "field_uniqueness"):
                keys = list(getattr(MODELS[kind].Config, "unique", None) or [column])
                column = keys[-1]
                message = f"duplicate of an earlier row with the same {', '.join(keys)}"
            elif case.check in RULE_TEXT:
                column = ""
            first[index] = Rejection(index, column, str(case.check), message)


def locate(
    entry_of: dict[str, SourceEntry], row: pd.Series | Mapping[str, object], column: str, provider: str = ""
) -> str:
    """'file X, sheet Y, row N, column 'C'' for a raw row; C is the provider's name of the canonical column."""
    entry = entry_of.get(row["source_id"])
    if not provider:
        provider = entry.provider_column(column) if (entry and column) else column
    parts = [f"file {row['source_file']}"]
    if row.get("sheet"):
        parts.append(f"sheet {row['sheet']}")
    if row.get("source_row"):
        parts.append(f"row {row['source_row']}")
    if provider:
        parts.append(f"column '{provider}'")
    return ", ".join(parts)


def _rows_of(raw: pd.DataFrame, indexes: list[int]) -> Iterator[Mapping[str, object]]:
    """The rows of `raw` at the labels `indexes`, each as `raw.loc[index]` gives it; a table of texts (every
    column of objects, unique labels) is read column by column rather than row by row."""
    plain = raw.index.is_unique and raw.columns.is_unique and all(map(pd.api.types.is_object_dtype, raw.dtypes))
    positions = raw.index.get_indexer(indexes) if plain and indexes else None
    if positions is None or (positions < 0).any():
        return (_row_mapping(raw.loc[index]) for index in indexes)
    columns = [(column, raw[column].to_numpy()) for column in raw.columns]
    return ({column: values[position] for column, values in columns} for position in positions.tolist())


def _row_mapping(row: pd.Series) -> pd.Series | dict[str, object]:
    """A row as {column: value} holding the values `row[column]` gives (the row itself when that is not plain)."""
    if isinstance(row, pd.Series) and isinstance(row.dtype, np.dtype) and row.index.is_unique:
        return dict(zip(row.index, row.to_numpy(), strict=True))
    return row


def quarantine_rows(
    raw: pd.DataFrame, rejections: dict[int, Rejection], kind: str, stage: str, entry_of: dict[str, SourceEntry]
) -> pd.DataFrame:
    """Quarantine table rows for the rejected raw rows (raw indexed as the rejections)."""
    canonical = [c for c in raw.columns if c not in PROVENANCE_COLUMNS and c != READ_PROBLEM]
    indexes = sorted(rejections)
    rows = _rows_of(raw, indexes)
    records = []
    for index, row in zip(indexes, rows, strict=True):
        rejection = rejections[index]
        entry = entry_of.get(row["source_id"])
        provider = entry.provider_column(rejection.column) if (entry and rejection.column) else rejection.column
        provider = rejection.provider_column or provider
        values = {c: ("" if pd.isna(row[c]) else str(row[c])) for c in canonical}
        records.append(
            {
                "source_id": row["source_id"],
                "kind": kind,
                "round_id": row.get(ROUND_COLUMN, "") or "",
                "stage": stage,
                "source_file": row["source_file"],
                "sheet": row["sheet"],
                "source_row": row["source_row"],
                "column": provider,
                "check": rejection.check,
                "reason": f"{locate(entry_of, row, rejection.column, provider)}: {rejection.message}",
                "raw_values": json.dumps(values, ensure_ascii=False, sort_keys=True),
            }
        )
    return pd.DataFrame(records, columns=list(QUARANTINE_COLUMNS))


def validate_raw(
    raw: pd.DataFrame,
    kind: str,
    entry_of: dict[str, SourceEntry],
    indicator_columns: list[str] | tuple[str, ...] = (),
    sizes: HouseholdSizes | None = None,
    future_tolerance_days: int = FUTURE_DATE_TOLERANCE_DAYS,
    collect: dict[str, object] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a raw table into (validated rows with typed columns, quarantine rows). Every raw row ends in one.

    `sizes`: household sizes of the DTM estimate rule (settings `displacement`, via `settings.household_sizes`);
    default the documented 6 and 5 in camps. `future_tolerance_days`: settings
    `validation.future_date_tolerance_days` (`settings.future_date_tolerance_days`), for `date_not_in_future`."""
    raw = raw.reset_index(drop=True)
    dtypes = column_dtypes(kind, indicator_columns)
    failures: list[Rejection] = []
    for index, problem in zip(raw.index, raw[READ_PROBLEM].tolist(), strict=True):
        if problem:
            named = re.search(r"'([^']+)'", problem) if problem.startswith("missing") else None
            provider = named.group(1) if named else ""
            failures.append(Rejection(int(index), "", "file_readable", problem, provider_column=provider))
    required = set(REQUIRED_COLUMNS[kind])
    exempt: dict[str, pd.Series] = {}
    if kind == "displacement":  # each row's admin level: what it must give, and the level metrics use it at
        declared = raw["source_id"].map(lambda s: entry_of[s].admin_level if s in entry_of else "location")
        levels, unknown_level = row_levels(raw, declared)
        exempt = not_required(levels)
        for index in raw.index[unknown_level]:
            message = f"expected {LEVEL_EXPECTED}, got '{raw.at[index, 'admin_level']}'"
            failures.append(Rejection(int(index), "admin_level", "admin_level_known", message))
    # provider values (sector labels, status words) mapped to codes; `raw` keeps the text for the quarantine log
    mapped, unknown_values = apply_value_maps(raw, kind, {k: e.values for k, e in entry_of.items()})
    failures += [Rejection(int(i), column, VALUE_CHECK, message) for i, column, message in unknown_values]
    stripped: dict[str, pd.Series] = {}  # each mapped column's values `stripped_text` ("" for a column not read)

    def text_of(column: str) -> pd.Series:
        values = mapped[column] if column in mapped.columns else pd.Series("", index=raw.index)
        return stripped[column] if column in stripped else stripped.setdefault(column, stripped_text(values))

    typed_columns: dict[str, pd.Series] = {}
    groups = raw["source_file"]
    for column, dtype in dtypes.items():
        parsed, bad, expected, empty = parse_text(text_of(column), dtype, groups)
        typed_columns[column] = levels if (kind == "displacement" and column == "admin_level") else parsed
        if bad.any():
            values = mapped[column] if column in mapped.columns else pd.Series("", index=raw.index)
            for index in raw.index[bad]:
                message = f"expected {expected}, got '{values[index]}'"
                failures.append(Rejection(int(index), column, f"parse_{dtype}", message))
        if column in required:
            if column in exempt:
                empty = empty & ~exempt[column]
            text = "a value is required but the cell is empty"
            if column in ADMIN_NAME_OF:  # a unit's name stands in for its p-code (resolved when conforming)
                name = ADMIN_NAME_OF[column]
                empty = empty & (text_of(name) == "")
                text = f"a p-code or a name is required but both are empty ({column}, {name})"
            if empty.any():
                failures += [Rejection(int(index), column, "required", text) for index in raw.index[empty]]
    typed = pd.DataFrame(typed_columns, index=raw.index)
    future = future_dates(raw, typed, kind, future_tolerance_days)
    failures += [Rejection(index, column, FUTURE_DATE_CHECK, message) for index, column, message in future]
    order = {c: i for i, c in enumerate(dtypes)}
    failures.sort(key=lambda r: (r.index, r.check != "file_readable", order.get(r.column, -1)))
    if collect is not None:  # every failure of every row, for reports that list all the rules a row breaks
        collect.update(typed=typed, failures=list(failures))
    rejections = _find_rejections(typed, kind, failures, sizes)
    quarantine = quarantine_rows(raw, rejections, kind, "validated", entry_of)

    accepted_index = raw.index[~raw.index.isin(list(rejections))]
    validated = pd.concat([raw.loc[accepted_index, list(PROVENANCE_COLUMNS)], typed.loc[accepted_index]], axis=1)
    for column, dtype in dtypes.items():
        if dtype == "int":
            nullable = column in NULLABLE_INT_COLUMNS.get(kind, ())
            validated[column] = validated[column].astype("Int64" if nullable else "int64")
        elif dtype in ("float", "indicator") and validated[column].dtype != np.float64:
            validated[column] = validated[column].astype("float64")
    validated.index = pd.RangeIndex(len(validated))  # a new table: numbered afresh without another copy
    return validated, quarantine
