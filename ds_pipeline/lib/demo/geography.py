"""Iraq admin units of the demo (governorates, districts, sub-districts) and the COD-AB style gazetteer file.

The units live in `iraq_admin_units.csv` beside this module. Governorate and district codes and names are the
official COD-AB ones (18 governorates IQG01-IQG18, 101 districts IQGxxQyy, valid from 2019-06-03; the list is
`ds_pipeline.lib.iraq_cod_ab`), with common spellings as aliases. Sub-districts are illustrative: real names
where known, nested under the right district, coded IQGxxQyyNzz in alphabetical order within their district (not
the official sub-district codes). Latitude and longitude are approximate centroids.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

UNITS_FILE = Path(__file__).with_name("iraq_admin_units.csv")
VALID_FROM = "2019-06-03"

GAZETTEER_HEADER = (
    "Admin Level",
    "P-Code",
    "Name (English)",
    "Name (Arabic)",
    "Parent P-Code",
    "Aliases",
    "Valid from date",
)


@dataclass(frozen=True)
class AdminUnit:
    """One governorate, district or sub-district."""

    level: int
    pcode: str
    name_en: str
    name_ar: str
    parent_pcode: str
    aliases: tuple[str, ...]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Geography:
    """All units, with lookups by p-code and by parent."""

    units: tuple[AdminUnit, ...]
    by_pcode: dict[str, AdminUnit] = field(hash=False, compare=False)
    children: dict[str, tuple[AdminUnit, ...]] = field(hash=False, compare=False)

    @property
    def governorates(self) -> tuple[AdminUnit, ...]:
        return self.children[""]

    def districts(self, governorate_pcode: str) -> tuple[AdminUnit, ...]:
        return self.children.get(governorate_pcode, ())

    def subdistricts(self, district_pcode: str) -> tuple[AdminUnit, ...]:
        return self.children.get(district_pcode, ())

    def district(self, governorate_name: str, district_name: str) -> AdminUnit:
        """The district called `district_name` (English name or alias) in the governorate `governorate_name`."""
        governorate = next(u for u in self.governorates if governorate_name in (u.name_en, *u.aliases))
        return next(u for u in self.districts(governorate.pcode) if district_name in (u.name_en, *u.aliases))

    def subdistrict(self, district: AdminUnit, name: str) -> AdminUnit:
        return next(u for u in self.subdistricts(district.pcode) if u.name_en == name)

    def parent(self, unit: AdminUnit) -> AdminUnit:
        return self.by_pcode[unit.parent_pcode]


@cache
def load_geography() -> Geography:
    """The demo's admin units, read once from the CSV shipped with the package."""
    units: list[AdminUnit] = []
    with open(UNITS_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            units.append(
                AdminUnit(
                    level=int(row["admin_level"]),
                    pcode=row["pcode"],
                    name_en=row["name_en"],
                    name_ar=row["name_ar"],
                    parent_pcode=row["parent_pcode"],
                    aliases=tuple(a for a in row["aliases"].split("|") if a),
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                )
            )
    units.sort(key=lambda u: u.pcode)
    children: dict[str, list[AdminUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_pcode, []).append(unit)
    return Geography(
        units=tuple(units),
        by_pcode={u.pcode: u for u in units},
        children={k: tuple(v) for k, v in children.items()},
    )


def gazetteer_rows(geography: Geography) -> list[list[str]]:
    """Rows of the COD-AB style p-code list (without header), sorted by p-code."""
    return [
        [str(u.level), u.pcode, u.name_en, u.name_ar, u.parent_pcode, "|".join(u.aliases), VALID_FROM]
        for u in geography.units
    ]
