"""Dagster wiring only: assets, checks, schedules and sensors of each stage call ds_pipeline.lib."""
