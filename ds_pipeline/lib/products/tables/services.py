"""The three 4W service tables of an edition in publication order: service gaps, service coverage and the
referral directory."""

from __future__ import annotations

from typing import Any

from ds_pipeline.lib.products.disclosure import DisclosureParameters
from ds_pipeline.lib.products.edition import AsOfSlice, PublicationTable
from ds_pipeline.lib.products.tables.referral_directory import referral_directory_table
from ds_pipeline.lib.products.tables.service_coverage import service_coverage_table
from ds_pipeline.lib.products.tables.service_gaps import service_gaps_table


def services_tables(
    part: AsOfSlice, params: DisclosureParameters, settings: dict[str, Any],
    severity: PublicationTable, criteria: PublicationTable,
) -> list[PublicationTable]:
    return [
        service_gaps_table(part, settings, severity, criteria),
        service_coverage_table(part, params),
        referral_directory_table(part),
    ]
