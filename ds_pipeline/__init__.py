"""ds-pipeline: durable-solutions evidence pipeline for Iraq (Dagster definitions, domain library, CLI)."""
