"""Helpers shared by the publication tables: the suppressed-columns and area fields, rounding of published values,
the additive relations disclosure control protects, cells copied from another protected table, and `finish`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ds_pipeline.lib.products.disclosure import SUPPRESSED_FLAG_COLUMN, Suppression, round_half_away, round_to, row_key
from ds_pipeline.lib.products.edition import Field, PublicationTable

FLAG_FIELD = Field(
    SUPPRESSED_FLAG_COLUMN,
    "string",
    "Columns of this row left empty by disclosure control (see the suppressions list in datapackage.json)",
    "#meta+suppressed",
)


def area_fields() -> list[Field]:
    """The area columns of a table by governorate, district and POA area."""
    return [
        Field("area_level", "string", "Area level: governorate, district or poa_area", "#meta+level"),
        Field("admin1_pcode", "string", "Governorate p-code (empty for a POA area)", "#adm1+code"),
        Field("area_id", "string", "P-code of the area, or the POA area name", "#loc+code"),
        Field("area_name", "string", "English name of the area", "#loc+name"),
    ]


def finish(
    name: str, title: str, description: str, fields: list[Field], frame: pd.DataFrame,
    suppressions: list[Suppression] | None = None,
) -> PublicationTable:
    """The publication table of `frame` reduced to the fields' columns, in their order."""
    columns = [f.name for f in fields]
    data = frame.reindex(columns=columns).reset_index(drop=True)
    return PublicationTable(name, title, description, fields, data, list(suppressions or []))


def pct(values: pd.Series, scale: float = 100.0) -> pd.Series:
    """Shares as whole percentages (percentage points for differences of shares); missing stays missing."""
    return pd.array([pd.NA if pd.isna(v) else int(round_to(float(v) * scale, 1)) for v in values], dtype="Int64")


def rounded(values: pd.Series, decimals: int) -> pd.Series:
    """Values rounded half away from zero to `decimals` places."""
    return pd.Series([round_half_away(v, decimals) for v in values], dtype="float64")


def poa_members(settings: dict[str, Any]) -> dict[str, list[str]]:
    """POA area name -> the district p-codes it is made of (settings `poa_areas`)."""
    return {str(a["name"]): [str(p) for p in a.get("pcodes", [])] for a in settings.get("poa_areas", []) or []}


def column_relations(
    frame: pd.DataFrame, members: dict[str, list[str]], group_columns: list[str]
) -> list[tuple[int, list[int]]]:
    """Governorate = sum of its districts; POA area = sum of its districts (when all of them are districts of the
    table; a member district without a row in a group counts 0 there)."""
    relations: list[tuple[int, list[int]]] = []
    data = frame.reset_index(drop=True)
    known_districts = set(data.loc[data["area_level"] == "district", "area_id"].astype(str))
    groups = data.groupby(group_columns, sort=True).groups if group_columns else {(): data.index}
    for _group, index in groups.items():
        rows = data.loc[index]
        districts = rows[rows["area_level"] == "district"]
        for position, row in rows[rows["area_level"] == "governorate"].iterrows():
            parts = districts.index[districts["admin1_pcode"] == row["area_id"]].tolist()
            if parts:
                relations.append((int(position), [int(p) for p in parts]))
        by_id = {a: int(p) for p, a in districts["area_id"].items()}
        for position, row in rows[rows["area_level"] == "poa_area"].iterrows():
            area_members = members.get(str(row["area_id"]), [])
            parts = [by_id[m] for m in area_members if m in by_id]
            if area_members and parts and all(m in known_districts for m in area_members):
                relations.append((int(position), parts))
    return relations


def published_district_values(
    table: PublicationTable, columns: list[str], population_type: str = ""
) -> dict[str, float | None]:
    """District p-code -> sum of the published cells `columns` of its row in a protected table (None when any of
    them is blank there)."""
    frame = table.frame
    if frame.empty:
        return {}
    rows = frame[frame["area_level"] == "district"]
    if population_type:
        rows = rows[rows["population_type"] == population_type]
    values: dict[str, float | None] = {}
    for _i, row in rows.iterrows():
        cells = [row[c] for c in columns]
        values[str(row["area_id"])] = None if any(pd.isna(c) for c in cells) else float(sum(cells))
    return values


def copy_published(
    data: pd.DataFrame, column: str, published: dict[str, float | None], source: str
) -> dict[tuple[int, str], str]:
    """Replace `column` of `data` (one row per district, positions 0..n-1) by the values published for the same
    district in another protected table: blank where that table leaves it blank, missing where the metric has no
    value (not assessed), 0 where the metric has a value but that table has no row (the metric counts such a
    district as 0). Returns the blanked cells with their reason."""
    reasons: dict[tuple[int, str], str] = {}
    values: list[Any] = []
    for position, (area_id, metric) in enumerate(zip(data["area_id"].astype(str), data[column], strict=True)):
        if pd.isna(metric):
            values.append(pd.NA)
            continue
        value = published.get(area_id, 0.0)  # no row there: the metric's own zero
        if value is None:
            reasons[(position, column)] = f"derived: suppressed in {source}"
        values.append(pd.NA if value is None else value)
    data[column] = pd.array(values, dtype="Float64")
    return reasons


def with_reasons(
    table: str, data: pd.DataFrame, key_columns: list[str], reasons: dict[tuple[int, str], str], columns: list[str]
) -> tuple[pd.DataFrame, list[Suppression]]:
    """Flag column and suppressions of cells blanked in `data` (positions 0..n-1), in row and column order."""
    order = {c: i for i, c in enumerate(columns)}
    data[SUPPRESSED_FLAG_COLUMN] = [
        "; ".join(c for c in columns if (position, c) in reasons) for position in range(len(data))
    ]
    suppressions = [
        Suppression(table, row_key(data.iloc[position], key_columns), column, reason)
        for (position, column), reason in sorted(reasons.items(), key=lambda item: (item[0][0], order[item[0][1]]))
    ]
    return data, suppressions
