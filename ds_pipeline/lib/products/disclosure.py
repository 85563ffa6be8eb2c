"""Statistical disclosure control of publication tables: small-count suppression, secondary suppression, rounding.

Rules (DESIGN.md §3, settings `disclosure`):

- Primary suppression: a count of 1 to `min_households - 1` households is blanked. Where the source table
  carries families, the rule is applied on families (DTM individuals are families x `household_size`, x
  `camp_household_size` in camps, settings `displacement`); where it
  only carries individuals, individuals from 1 to `min_households x household_size - 1` are blanked. A table may
  name, for a basis in families, a column of individuals to protect on where the families cell is empty (rows
  of a source that gives individuals only). True zeros stay visible.
- Secondary suppression: a table declares the additive relations between its cells (a row total and its parts,
  a governorate and its districts). Whenever such a relation has exactly one blank cell, the smallest other
  non-zero part (or, failing that, the total) is blanked too, repeated until no relation reveals a blank cell.
- Derived cells (individuals from a blanked family count, a share whose numerator is blank or whose denominator
  is below the threshold, a change of a blanked count) are blanked with their source.
- Changes (deltas) from 1 to threshold - 1 in absolute value are blanked, so differencing two editions does not
  reveal a move of a few families. A change whose previous value was below the threshold (but not zero) is blanked
  too: the published current value minus the change would give the previous small count back.
- Individuals are rounded to the nearest `round_individuals_to` after suppression (totals are rounded from
  unrounded data, so they may not add up).

Every blanked cell is listed as a `Suppression` (table, row key, column, reason).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ds_pipeline.lib.settings import household_sizes

SUPPRESSED_FLAG_COLUMN = "suppressed_columns"  # HXL #meta+suppressed: published columns blanked in the row


@dataclass(frozen=True)
class DisclosureParameters:
    """Thresholds of the disclosure rules, from settings `disclosure` and `displacement`."""

    min_households: int = 10
    household_size: int = 6
    round_individuals_to: int = 10

    @property
    def min_individuals(self) -> int:
        """Individuals threshold for tables that carry no household counts (10 households x 6 = 60)."""
        return self.min_households * self.household_size

    @classmethod
    def from_settings(cls, settings: dict) -> DisclosureParameters:
        disclosure = settings.get("disclosure", {}) or {}
        return cls(
            min_households=int(disclosure.get("min_households", 10)),
            household_size=household_sizes(settings).household_size,
            round_individuals_to=int(disclosure.get("round_individuals_to", 10)),
        )


@dataclass(frozen=True)
class Suppression:
    """One blanked cell of a publication table."""

    table: str
    row_key: str  # "area_id=IQG15Q06; population_type=idp"
    column: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"table": self.table, "row_key": self.row_key, "column": self.column, "reason": self.reason}


@dataclass
class DisclosureSpec:
    """How a table is protected.

    counts: published count column -> (basis column in the unprotected frame, unit of the basis: "households"
        or "individuals"). The primary rule and the additive relations work on the basis values.
    row_relations: (total column, part columns) that add up on every row (published column names).
    column_relations: (total row position, part row positions) that add up in every count column.
    derived: published column -> count columns it is computed from (blanked when any of them is blank).
    denominators: share column -> count column; the share is blanked when the count is below the threshold.
    changes: change columns in individuals, blanked from 1 to threshold - 1 in absolute value.
    previous: change column -> (basis column of the previous value, unit of the basis); the change is blanked when
        the previous value was below the threshold but not zero.
    rounded: columns of individuals rounded to the nearest `round_individuals_to`.
    fallbacks: basis column in households -> column of individuals used as the basis (in individuals) where the
        households cell is empty (a source without families).
    """

    key_columns: list[str]
    counts: dict[str, tuple[str, str]] = field(default_factory=dict)
    row_relations: list[tuple[str, list[str]]] = field(default_factory=list)
    column_relations: list[tuple[int, list[int]]] = field(default_factory=list)
    derived: dict[str, list[str]] = field(default_factory=dict)
    denominators: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    previous: dict[str, tuple[str, str]] = field(default_factory=dict)
    rounded: list[str] = field(default_factory=list)
    fallbacks: dict[str, str] = field(default_factory=dict)


def round_to(value: float, base: int) -> float:
    """Round half away from zero to a multiple of `base` (NaN stays NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return float("nan")
    sign = -1.0 if value < 0 else 1.0
    return sign * math.floor(abs(float(value)) / base + 0.5) * base


def round_half_away(value: float | None, decimals: int = 0) -> float:
    """Round half away from zero to `decimals` places, on the number as written (2.675 -> 2.68, -2.5 -> -3.0;
    NaN stays NaN). Every rounded number the project publishes goes through this or `round_to`."""
    if value is None or pd.isna(value):
        return float("nan")
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def round_significant(value: float, digits: int = 3) -> float:
    """Round to `digits` significant figures (key figures: 4,823,112 -> 4,820,000)."""
    if value == 0 or pd.isna(value):
        return value
    magnitude = math.floor(math.log10(abs(value)))
    base = 10 ** (magnitude - digits + 1)
    if base < 1:
        return float(value)
    return round_to(value, int(base))


def row_key(row: pd.Series, key_columns: list[str]) -> str:
    """Readable key of a row: "col=value; col=value"."""
    return "; ".join(f"{column}={row[column]}" for column in key_columns)


def _threshold(unit: str, params: DisclosureParameters) -> float:
    return params.min_households if unit == "households" else params.min_individuals


def is_small(value: float | None, threshold: float) -> bool:
    """True for a count from 1 to below `threshold` in absolute value (zero and missing values are not small)."""
    return value is not None and not pd.isna(value) and 0 < abs(float(value)) < threshold


def protect_table(
    table: str,
    frame: pd.DataFrame,
    spec: DisclosureSpec,
    params: DisclosureParameters,
) -> tuple[pd.DataFrame, list[Suppression]]:
    """Apply the disclosure rules to `frame` (unprotected, may hold basis columns that are not published).

    Returns the protected frame (blank cells as NA, individuals rounded, basis-only columns kept as they are for
    the caller to drop, plus the `suppressed_columns` flag column) and the list of suppressions in row order.
    """
    data = frame.reset_index(drop=True).copy()
    reasons: dict[tuple[int, str], str] = {}

    def basis_of(position: int, basis_column: str, unit: str) -> tuple[float, str]:
        value = data.at[position, basis_column]
        if pd.isna(value) and basis_column in spec.fallbacks:
            value, unit = data.at[position, spec.fallbacks[basis_column]], "individuals"
        return (float("nan") if pd.isna(value) else float(value)), unit

    def basis_value(position: int, column: str) -> float:
        return basis_of(position, *spec.counts[column])[0]

    # Primary suppression.
    for column, (basis_column, basis_unit) in spec.counts.items():
        for position in range(len(data)):
            value, unit = basis_of(position, basis_column, basis_unit)
            threshold = _threshold(unit, params)
            if is_small(value, threshold):
                noun = "households" if unit == "households" else "individuals"
                reasons[(position, column)] = f"primary: fewer than {threshold:g} {noun}"

    # Additive relations as lists of cells; the first cell is the total.
    relations: list[list[tuple[int, str]]] = []
    for total, parts in spec.row_relations:
        for position in range(len(data)):
            relations.append([(position, total)] + [(position, part) for part in parts])
    for total_position, part_positions in spec.column_relations:
        for column in spec.counts:
            relations.append([(total_position, column)] + [(p, column) for p in part_positions])

    # Secondary suppression until no relation has exactly one blank cell.
    changed = True
    while changed:
        changed = False
        for cells in relations:
            cells = [c for c in cells if not pd.isna(basis_value(*c))]
            blank = [c for c in cells if c in reasons]
            if len(blank) != 1:
                continue
            candidates = [c for c in cells[1:] if c not in reasons and basis_value(*c) != 0]
            if not candidates:
                candidates = [c for c in cells if c not in reasons]
            if not candidates:
                continue
            chosen = min(candidates, key=lambda c: (basis_value(*c), c[0], c[1]))
            hidden_position, hidden_column = blank[0]
            reasons[chosen] = (
                f"secondary: protects {hidden_column} of row "
                f"{row_key(data.iloc[hidden_position], spec.key_columns)}"
            )
            changed = True

    # Changes of a few families, derived cells and shares over small denominators.
    for column in spec.changes:
        for position in range(len(data)):
            if (position, column) not in reasons and is_small(data.at[position, column], params.min_individuals):
                reasons[(position, column)] = f"primary: change of fewer than {params.min_individuals} individuals"
    for column, (basis_column, basis_unit) in spec.previous.items():
        for position in range(len(data)):
            value, unit = basis_of(position, basis_column, basis_unit)
            threshold = _threshold(unit, params)
            if (position, column) not in reasons and is_small(value, threshold):
                noun = "households" if unit == "households" else "individuals"
                reasons[(position, column)] = f"derived: previous value of fewer than {threshold:g} {noun}"
    for column, denominator in spec.denominators.items():
        for position in range(len(data)):
            if (position, column) in reasons:
                continue
            value, unit = basis_of(position, *spec.counts[denominator])
            if is_small(value, _threshold(unit, params)):
                reasons[(position, column)] = f"derived: denominator {denominator} below the threshold"
    for column, sources in spec.derived.items():
        for position in range(len(data)):
            if (position, column) in reasons:
                continue
            blanked = [s for s in sources if (position, s) in reasons]
            if blanked:
                reasons[(position, column)] = f"derived: computed from suppressed {', '.join(blanked)}"

    # Blank, round, flag.
    published = data.copy()
    for column in {c for _p, c in reasons}:
        published[column] = published[column].astype("object")
    for (position, column) in reasons:
        published.at[position, column] = pd.NA
    for column in spec.rounded:
        published[column] = pd.array(
            [pd.NA if pd.isna(v) else int(round_to(v, params.round_individuals_to)) for v in published[column]],
            dtype="Int64",
        )
    flags = []
    for position in range(len(published)):
        columns = [c for c in published.columns if (position, c) in reasons]
        flags.append("; ".join(columns))
    published[SUPPRESSED_FLAG_COLUMN] = flags

    order = {c: i for i, c in enumerate(published.columns)}
    suppressions = [
        Suppression(table, row_key(data.iloc[position], spec.key_columns), column, reason)
        for (position, column), reason in sorted(reasons.items(), key=lambda item: (item[0][0], order[item[0][1]]))
    ]
    return published, suppressions

