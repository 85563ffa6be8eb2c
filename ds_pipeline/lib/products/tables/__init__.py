"""The publication tables of an edition, one module per table (or per family of tables built together), each with
its fields, HXL tags and disclosure spec; `common` holds the helpers they share."""

from ds_pipeline.lib.products.tables.criteria import criteria_table
from ds_pipeline.lib.products.tables.displacement import displacement_table
from ds_pipeline.lib.products.tables.iris import iris_table
from ds_pipeline.lib.products.tables.poa import poa_tables
from ds_pipeline.lib.products.tables.priority import priority_table
from ds_pipeline.lib.products.tables.referral_directory import referral_directory_table
from ds_pipeline.lib.products.tables.service_coverage import service_coverage_table
from ds_pipeline.lib.products.tables.service_gaps import service_gaps_table
from ds_pipeline.lib.products.tables.services import services_tables
from ds_pipeline.lib.products.tables.severity import severity_table
from ds_pipeline.lib.products.tables.sources import source_tables

__all__ = [
    "criteria_table",
    "displacement_table",
    "iris_table",
    "poa_tables",
    "priority_table",
    "referral_directory_table",
    "service_coverage_table",
    "service_gaps_table",
    "services_tables",
    "severity_table",
    "source_tables",
]
