"""Column schemas of the pipeline's tables (name, type, description, rules) from the canonical columns, the pandera
models and the metric table definitions, for catalogues such as the Dagster UI.

Raw tables hold text as read; validated and conformed tables the canonical dtypes, with each column's pandera
checks; quarantine tables the quarantine columns; metric tables the columns their module documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandera.pandas as pa

from ds_pipeline.lib.canonical import (
    CANONICAL_COLUMNS,
    CONFORMED_COLUMNS,
    PROVENANCE_COLUMNS,
    QUARANTINE_COLUMNS,
    ROUND_COLUMN,
)
from ds_pipeline.lib.metrics.criteria import CRITERIA_PROGRESS_COLUMNS, IRIS_COMPOSITE_COLUMNS
from ds_pipeline.lib.metrics.data_slices import DATA_SLICES_COLUMNS, SLICE_KEY, SLICE_METRICS
from ds_pipeline.lib.metrics.displacement import DISPLACEMENT_BY_AREA_COLUMNS
from ds_pipeline.lib.metrics.poa import (
    POA_OVERDUE_ACTIONS_COLUMNS,
    POA_STATUS_BY_CRITERION_COLUMNS,
    POA_TIMELINESS_COLUMNS,
)
from ds_pipeline.lib.metrics.services import SERVICE_COVERAGE_COLUMNS
from ds_pipeline.lib.metrics.severity import AREA_SEVERITY_COLUMNS
from ds_pipeline.lib.quality import INVENTORY_COLUMNS
from ds_pipeline.lib.readers import READ_PROBLEM
from ds_pipeline.lib.validation import MODELS, REQUIRED_COLUMNS, RULE_TEXT


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type, what it holds, and the rules its values follow."""

    name: str
    type: str
    description: str = ""
    checks: tuple[str, ...] = ()  # pandera checks of the column, as pandera words them ("greater_than_or_equal_to(0)")
    nullable: bool = True
    unique: bool = False


@dataclass(frozen=True)
class TableColumns:
    """The columns of a table and its table-level rules (row checks, unique keys)."""

    columns: tuple[Column, ...]
    rules: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


PROVENANCE_DESCRIPTIONS: dict[str, str] = {
    "source_id": "registry name of the source",
    "source_file": "path of the file relative to the sources folder",
    "file_sha256": "SHA-256 of the file as received",
    "received_at": "file modification time, ISO 8601 UTC",
    "sheet": "sheet name for XLSX files, empty for CSV",
    "source_row": "row number as a spreadsheet user sees it",
}
ROUND_DESCRIPTION = "DTM round, R + round number (the partition key)"
QUARANTINE_DESCRIPTIONS: dict[str, str] = {
    "source_id": PROVENANCE_DESCRIPTIONS["source_id"],
    "kind": "source kind",
    "round_id": "DTM round, empty for sources not split by round",
    "stage": "stage that quarantined the row: validated or conformed",
    "source_file": PROVENANCE_DESCRIPTIONS["source_file"],
    "sheet": PROVENANCE_DESCRIPTIONS["sheet"],
    "source_row": PROVENANCE_DESCRIPTIONS["source_row"],
    "column": "provider's column name, empty when the row as a whole is wrong",
    "check": "short name of the failed rule",
    "reason": "readable sentence: file, sheet, row, column, what was expected and found",
    "raw_values": "JSON of the row's canonical values as read",
}
INVENTORY_TYPES: dict[str, str] = {
    **{column: "str" for column in INVENTORY_COLUMNS},
    "data_as_of": "date",
    "rows_read": "int",
    "rows_accepted": "int",
    "rows_quarantined": "int",
}
CONFORMED_DESCRIPTIONS: dict[str, str] = {
    "admin1_name_en": "gazetteer name of the resolved governorate p-code",
    "admin2_name_en": "gazetteer name of the resolved district p-code",
    "admin3_name_en": "gazetteer name of the resolved sub-district p-code",
    "poa_area": "POA area the row falls in, empty if none",
    "match_note": "how a name was resolved to a p-code when it was not given",
}
# Metric tables and their columns, as their modules define them; the slice metrics are stored with the slice key.
METRIC_TABLES: dict[str, Mapping[str, str]] = {
    "displacement_by_area": DISPLACEMENT_BY_AREA_COLUMNS,
    "area_severity": AREA_SEVERITY_COLUMNS,
    "criteria_progress": CRITERIA_PROGRESS_COLUMNS,
    "iris_composite": IRIS_COMPOSITE_COLUMNS,
    "poa_status_by_criterion": POA_STATUS_BY_CRITERION_COLUMNS,
    "poa_overdue_actions": POA_OVERDUE_ACTIONS_COLUMNS,
    "poa_timeliness": POA_TIMELINESS_COLUMNS,
    "service_coverage": SERVICE_COVERAGE_COLUMNS,
    "data_slices": DATA_SLICES_COLUMNS,
    **{name: {SLICE_KEY: "str", **columns} for name, columns in SLICE_METRICS.items()},
    "source_inventory": INVENTORY_TYPES,
    "quarantine_log": {column: "str" for column in QUARANTINE_COLUMNS},
}
METRIC_DESCRIPTIONS: dict[str, str] = {
    SLICE_KEY: "the data slice: the rounds and 4W month an as-of date chooses",
    ROUND_COLUMN: ROUND_DESCRIPTION,
    **QUARANTINE_DESCRIPTIONS,
}


def columns_of(types: Mapping[str, str], descriptions: Mapping[str, str] | None = None) -> tuple[Column, ...]:
    """Columns of a name -> type mapping, described from `descriptions` where it names them."""
    described = descriptions or {}
    return tuple(Column(name, dtype, described.get(name, "")) for name, dtype in types.items())


def _provenance(as_text: bool) -> dict[str, str]:
    return {column: "str" if as_text or column != "source_row" else "int" for column in PROVENANCE_COLUMNS}


def raw_table(kind: str) -> TableColumns:
    """Columns of a raw table: provenance, the round, the kind's canonical columns as text, and the read problem
    (columns a registry entry maps beyond these, such as the survey's indicators, follow them)."""
    canonical = [c for c in CANONICAL_COLUMNS[kind] if c != ROUND_COLUMN]
    types = {**_provenance(True), ROUND_COLUMN: "str", **{c: "str" for c in canonical}, READ_PROBLEM: "str"}
    descriptions = {
        **PROVENANCE_DESCRIPTIONS,
        ROUND_COLUMN: ROUND_DESCRIPTION + "; empty for sources not split by round",
        **{c: f"as read (text); becomes {CANONICAL_COLUMNS[kind][c]}" for c in canonical},
        READ_PROBLEM: "why the row (or its file) could not be read, empty when read",
    }
    return TableColumns(columns_of(types, descriptions))


def model_rules(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """Table-level rules of a pandera model: its row checks in words and its unique keys."""
    schema = model.to_schema()
    rules = [f"a row is quarantined when {RULE_TEXT.get(check.name, check.name)}" for check in schema.checks]
    unique = schema.unique
    if unique:
        rules.append(f"unique: {', '.join([unique] if isinstance(unique, str) else unique)}")
    return tuple(rules)


def _checked(kind: str, name: str, dtype: str, model: type[pa.DataFrameModel]) -> Column:
    """A validated column: its canonical type, and the model's dtype and checks where the model names it."""
    required = name in REQUIRED_COLUMNS.get(kind, ())
    field = model.to_schema().columns.get(name)
    nullable = not required and (field is None or bool(field.nullable))
    parts = [PROVENANCE_DESCRIPTIONS.get(name, "required" if required else "may be empty" if nullable else "")]
    if field is None:
        return Column(name, dtype, parts[0], nullable=nullable)
    checks = tuple(str(check.error or check.name) for check in field.checks)
    if checks:
        parts.append(f"checks: {', '.join(checks)}")
    return Column(name, str(field.dtype), "; ".join(p for p in parts if p), checks, nullable, bool(field.unique))


def validated_table(kind: str) -> TableColumns:
    """Columns of a validated table: provenance and the kind's canonical columns, typed and checked by the kind's
    pandera model (MODELS); the survey's indicator columns (settings) follow them."""
    model = MODELS[kind]
    types = {**_provenance(False), **CANONICAL_COLUMNS[kind]}
    return TableColumns(tuple(_checked(kind, name, dtype, model) for name, dtype in types.items()), model_rules(model))


def conformed_table(kind: str) -> TableColumns:
    """Columns of a conformed table: the validated columns and the resolved admin names and POA area."""
    validated = validated_table(kind)
    return TableColumns(validated.columns + columns_of(CONFORMED_COLUMNS, CONFORMED_DESCRIPTIONS), validated.rules)


def rejected_table() -> TableColumns:
    """Columns of a quarantine table (rows rejected at validation or conforming)."""
    return TableColumns(columns_of({column: "str" for column in QUARANTINE_COLUMNS}, QUARANTINE_DESCRIPTIONS))


def metric_table(name: str) -> TableColumns:
    """Columns of a metric or data-quality table (METRIC_TABLES)."""
    return TableColumns(columns_of(METRIC_TABLES[name], METRIC_DESCRIPTIONS))
