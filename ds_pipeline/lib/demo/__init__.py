"""Deterministic, Iraq-shaped demo data for every source kind, with planted bad rows listed in a manifest."""

from ds_pipeline.lib.demo.generator import DEFAULT_SEED, copy_demo_config, generate_demo_sources

__all__ = ["DEFAULT_SEED", "copy_demo_config", "generate_demo_sources"]
