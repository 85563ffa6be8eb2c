"""Pure domain code: readers, schemas, p-codes, metrics and products. Never imports Dagster."""
