"""Reconciliation of area severity with its input: returnee totals per area equal the Return Index's locations.

The Return Index locations of a round, conformed, are the only input of `area_severity`; every governorate,
district and sub-district row must carry the sum of the returnees of its locations in that round, and the
low / medium / high parts must add up to it. A lost, duplicated or mis-assigned location shows here.
"""

from __future__ import annotations

import pandas as pd

# area level of area_severity -> p-code column of the conformed Return Index
LEVEL_PCODES = {"governorate": "admin1_pcode", "district": "admin2_pcode", "subdistrict": "admin3_pcode"}
MISMATCH_COLUMNS = ["round_id", "area_level", "area_id", "area_severity", "return_index", "problem"]


def severity_totals_mismatch(area_severity: pd.DataFrame, return_index: pd.DataFrame) -> pd.DataFrame:
    """Rows of area_severity whose returnee_individuals differ from the sum of the Return Index locations of the
    same round and area, areas of the Return Index missing from area_severity (and the reverse), and rows whose
    severity categories do not add up to their returnees."""
    problems: list[pd.DataFrame] = []
    severity = area_severity.copy()
    severity["round_id"] = severity["round_id"].astype(str)
    for level, pcode in LEVEL_PCODES.items():
        if pcode not in return_index.columns:
            continue
        expected = (
            return_index.assign(round_id=return_index["round_id"].astype(str))
            .groupby(["round_id", pcode], sort=True)["returnee_individuals"].sum()
            .rename("return_index").reset_index().rename(columns={pcode: "area_id"})
        )
        rows = severity[severity["area_level"] == level][["round_id", "area_id", "returnee_individuals"]]
        merged = expected.merge(rows.rename(columns={"returnee_individuals": "area_severity"}),
                                on=["round_id", "area_id"], how="outer")
        merged["area_level"] = level
        differ = merged["area_severity"].fillna(-1).astype("float64") != merged["return_index"].fillna(-1)
        bad = merged[differ].copy()
        bad["problem"] = [
            "area missing from area_severity" if pd.isna(s) else
            "area not in the Return Index" if pd.isna(r) else "returnee total differs"
            for s, r in zip(bad["area_severity"], bad["return_index"], strict=True)
        ]
        problems.append(bad)
    parts = severity[["returnees_low", "returnees_medium", "returnees_high"]].sum(axis=1)
    over = severity[parts != severity["returnee_individuals"]].copy()
    if not over.empty:
        over = over.assign(area_severity=over["returnee_individuals"], return_index=parts[over.index],
                           problem="low + medium + high differ from returnees")
        problems.append(over)
    if not problems:
        return pd.DataFrame(columns=MISMATCH_COLUMNS)
    return pd.concat([p[MISMATCH_COLUMNS] for p in problems], ignore_index=True)
