"""Text of published values, shared by the brief, the key figures, the "what changed" sentences and the pack: dates,
numbers, percentages, people counts, population groups and table cells (suppressed, missing or a value)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ds_pipeline.lib.metrics import GROUP_LABELS
from ds_pipeline.lib.products.disclosure import (
    SUPPRESSED_FLAG_COLUMN,
    DisclosureParameters,
    round_half_away,
    round_significant,
    round_to,
)

if TYPE_CHECKING:
    from ds_pipeline.lib.products.edition import Field

SUPPRESSED_MARK = "s"
MINUS = "−"  # the minus sign of published text (not the hyphen)


# --------------------------------------------------------------------------------------------------------------
# Dates


def dates(values: pd.Series) -> pd.Series:
    """Values as dates (midnight timestamps; unreadable values NaT)."""
    return pd.to_datetime(values, errors="coerce").dt.normalize()


def iso(value: Any) -> str:
    """A date as YYYY-MM-DD ("" when missing)."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).date().isoformat()


# --------------------------------------------------------------------------------------------------------------
# Numbers


def number_text(value: float, decimals: int = 0, signed: bool = False) -> str:
    """A number rounded half away from zero, with thousands separators and "−" as the minus sign; `signed` adds
    "+" to positive numbers (zero never carries a sign)."""
    number = round_half_away(float(value), decimals)
    text = f"{number:+,.{decimals}f}" if signed else f"{number:,.{decimals}f}"
    if text.lstrip("+-") in ("0", "0.0", "0.00"):
        text = text.lstrip("+-")
    return text.replace("-", MINUS)


def percent(value: float) -> str:
    """A percentage rounded to the whole point: "42%"."""
    return f"{round_half_away(value):.0f}%"


def format_people(value: float | None, params: DisclosureParameters, significant: bool = False) -> str:
    """Individuals as published: rounded to the rounding base (or 3 significant figures), small counts hidden."""
    if value is None or pd.isna(value):
        return "n/a"
    if 0 < abs(value) < params.min_individuals:
        return f"fewer than {params.min_individuals}"
    rounded = round_significant(value, 3) if significant else round_to(value, params.round_individuals_to)
    if significant and abs(rounded) >= 1_000_000:
        return f"{rounded / 1_000_000:.3g}M"
    return f"{rounded:,.0f}"


def group_label(group: str, sentence_start: bool = False) -> str:
    """A population group as named in text ("returnees"), capitalised to start a sentence or a table cell
    ("Returnees"); an unknown group as given."""
    label = GROUP_LABELS.get(group)
    if label is None:
        return group
    return label[:1].upper() + label[1:] if sentence_start else label


# --------------------------------------------------------------------------------------------------------------
# Cells of a protected table


def is_suppressed(row: pd.Series, column: str) -> bool:
    """Whether disclosure control left `column` of a protected table's row empty."""
    flags = str(row.get(SUPPRESSED_FLAG_COLUMN, "") or "")
    return column in [c.strip() for c in flags.split(";") if c.strip()]


def published_value(row: pd.Series, column: str) -> float | None:
    """A numeric cell as published: None when suppressed or missing."""
    if is_suppressed(row, column):
        return None
    value = row.get(column)
    return None if value is None or pd.isna(value) else float(value)


def cell(row: pd.Series, column: str, decimals: int = 0, signed: bool = False, suffix: str = "") -> str:
    """A table cell as text: "s" when suppressed, "" when missing, numbers with thousands separators."""
    if is_suppressed(row, column):
        return SUPPRESSED_MARK
    value = row.get(column)
    if value is None or pd.isna(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return number_text(float(value), decimals, signed) + suffix
    return str(value)


def format_value(value: Any, field: Field) -> str:
    """A cell as CSV text: "" for blank, integers without decimals, numbers with the field's decimals."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if field.type == "integer":
        return str(int(round_half_away(float(value))))
    if field.type == "number":
        decimals = 2 if field.decimals is None else field.decimals
        text = f"{round_half_away(float(value), decimals):.{decimals}f}"
        return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text
    if field.type == "boolean":
        return "true" if bool(value) else "false"
    if field.type == "date":
        return pd.Timestamp(value).date().isoformat() if not isinstance(value, str) else value
    return str(value)
