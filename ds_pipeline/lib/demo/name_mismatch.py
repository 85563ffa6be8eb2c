"""Planted rows whose admin name names another unit than their p-code (the p-code of Al-Mosul beside "Sinjar").

The wrong name is always the gazetteer name of a sibling unit (same parent, same level), so the row must be
quarantined while conforming with both names in the reason, never counted under the code.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from ds_pipeline.lib.demo.geography import AdminUnit, Geography
from ds_pipeline.lib.demo.tables import STAGE_CONFORMED, DemoFile

PROBLEM = "admin name disagrees with p-code"
# (name column, p-code column) of the DTM Master Lists and the Return Index, planted in turn file by file.
DTM_LEVELS = (("District", "District Pcode"), ("Sub-district", "Sub-district Pcode"))


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"^al-", "", name.strip().casefold()))


def _siblings(geography: Geography, pcode: str) -> list[AdminUnit]:
    """Units under the same parent whose name is none of the names of the unit `pcode`."""
    unit = geography.by_pcode.get(pcode)
    if unit is None:
        return []
    own = {_plain(n) for n in (unit.name_en, *unit.aliases)}
    return [u for u in geography.children.get(unit.parent_pcode, ())
            if u.pcode != pcode and not own & {_plain(n) for n in (u.name_en, *u.aliases)}]


def plant_name_mismatch(
    rng: random.Random,
    demo_file: DemoFile,
    columns: tuple[str, str],
    geography: Geography,
    allowed: Callable[[dict[str, Any]], bool],
    count: int = 1,
) -> None:
    """Give `count` rows of the file the name of a sibling unit in `columns[0]`, beside their own p-code in
    `columns[1]`. Rows already planted and rows `allowed` refuses are left alone."""
    name_column, code_column = columns
    planted = {id(p.row) for p in demo_file.planted}
    eligible = [r for r in demo_file.rows
                if id(r) not in planted and allowed(r) and _siblings(geography, r[code_column])]
    for row in rng.sample(eligible, min(count, len(eligible))):
        row[name_column] = rng.choice(_siblings(geography, row[code_column])).name_en
        demo_file.plant(row, name_column, PROBLEM, STAGE_CONFORMED)


def plant_dtm_name_mismatches(
    rng: random.Random, files: list[DemoFile], id_column: str, never: set[str], geography: Geography
) -> None:
    """One row per file, the district name in one file, the sub-district name in the next. Locations in `never`
    and locations with a planted row (a duplicated id) are left alone."""
    for position, demo_file in enumerate(files):
        skip = never | {p.row[id_column] for p in demo_file.planted}
        plant_name_mismatch(rng, demo_file, DTM_LEVELS[position % len(DTM_LEVELS)], geography,
                            lambda row, skip=skip: row[id_column] not in skip)
