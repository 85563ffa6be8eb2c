"""The sources tables of an edition (rows read, accepted and quarantined per source; quarantine reasons by rule and
column): their fields, HXL tags and builder."""

from __future__ import annotations

import pandas as pd

from ds_pipeline.lib.products.edition import AsOfSlice, Field, PublicationTable
from ds_pipeline.lib.products.formatting import dates, iso
from ds_pipeline.lib.products.tables.common import finish

KIND_ORDER = ("displacement", "return_index", "household_survey", "poa_submission", "service_mapping", "gazetteer")


def source_tables(part: AsOfSlice) -> list[PublicationTable]:
    source_fields = [
        Field("source_id", "string", "Source id in the registry", "#meta+source+id"),
        Field("kind", "string", "Source kind", "#meta+type"),
        Field("title", "string", "Source title", "#meta+source"),
        Field("provider", "string", "Data provider", "#org+provider"),
        Field("data_as_of", "date", "Latest date the source's data refer to", "#date+reported"),
        Field("files", "integer", "Files read", "#meta+num+files"),
        Field("rows_read", "integer", "Rows read", "#meta+num+read"),
        Field("rows_accepted", "integer", "Rows accepted", "#meta+num+accepted"),
        Field("rows_quarantined", "integer", "Rows quarantined", "#meta+num+quarantined"),
    ]
    inventory = part.inventory
    rows = []
    if not inventory.empty:
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        ranked = inventory.assign(_kind=inventory["kind"].map(order).fillna(len(order)))
        ranked = ranked.sort_values(["_kind", "source_id", "source_file"], kind="mergesort")
        for source_id, files in ranked.groupby("source_id", sort=False):
            first = files.iloc[0]
            rows.append(
                {
                    "source_id": source_id,
                    "kind": first["kind"],
                    "title": first["title"],
                    "provider": first["provider"],
                    "data_as_of": iso(dates(files["data_as_of"]).max()),
                    "files": int(files["source_file"].nunique()),
                    "rows_read": int(files["rows_read"].sum()),
                    "rows_accepted": int(files["rows_accepted"].sum()),
                    "rows_quarantined": int(files["rows_quarantined"].sum()),
                }
            )
    reason_fields = [
        Field("source_id", "string", "Source id", "#meta+source+id"),
        Field("check", "string", "Failed rule", "#meta+check"),
        Field("column", "string", "Provider's column (empty: the row as a whole)", "#meta+column"),
        Field("rows", "integer", "Rows quarantined for this reason", "#meta+num"),
    ]
    quarantine = part.quarantine
    reasons = pd.DataFrame(columns=[f.name for f in reason_fields])
    if not quarantine.empty:
        reasons = (
            quarantine.assign(column=quarantine["column"].fillna("").astype(str))
            .groupby(["source_id", "check", "column"], sort=True)
            .size()
            .rename("rows")
            .reset_index()
            .sort_values(["rows", "source_id", "check", "column"], ascending=[False, True, True, True],
                         kind="mergesort")
            .reset_index(drop=True)
        )
    return [
        finish("sources", "Sources, coverage and data quality",
                "Rows read, accepted and quarantined per source, for files dated on or before the as-of date.",
                source_fields, pd.DataFrame(rows)),
        finish("quarantine_reasons", "Quarantine reasons", "Rows set aside by validation, by rule and column.",
                reason_fields, reasons),
    ]
