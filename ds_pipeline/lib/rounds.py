"""Round ids and labelled rounds: the number in a round id and the natural sort order of labels with numbers."""

from __future__ import annotations

import re


def round_number(round_id: str) -> int:
    """The integer in a round id ("R131" -> 131, "Round 12" -> 12); -1 when it has none."""
    match = re.search(r"\d+", str(round_id))
    return int(match.group()) if match else -1


def natural_key(value: str) -> tuple:
    """Sort key ordering the numbers inside a label numerically: R99 < R100, 2025 < 2026 (ties broken by the
    label itself)."""
    parts = re.split(r"(\d+)", str(value))
    return (tuple((0, int(p)) if i % 2 else (1, p) for i, p in enumerate(parts)), str(value))
