"""Shared fixtures: a throwaway PostgreSQL server on loopback, and one end-to-end run on generated demo data."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
from ds_pipeline.run import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-W47"


@pytest.fixture()
def defs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dg.Definitions:
    """The project's Dagster definitions, loaded over an empty sources folder and a throwaway warehouse."""
    from ds_pipeline.definitions import defs as load_defs

    monkeypatch.setenv("DS_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("DS_ASSETS_DIR", str(tmp_path / "assets"))
    return load_defs()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL database, started for this test session and stopped after it."""
    script = ROOT / "scripts" / "test-postgres.sh"
    started = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        pytest.fail(f"could not start PostgreSQL for the tests: {started.stderr.strip()}")
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run(["bash", str(script), "stop"], capture_output=True, check=False)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small generated demo folder (scale 0.05, 3 rounds) run through every asset, published for WEEK."""
    root = tmp_path_factory.mktemp("e2e")
    sources = copy_demo_config(root / "sources")
    manifest = generate_demo_sources(sources, scale=0.05, rounds=3)
    database = f"sqlite:///{root}/warehouse.db"
    lines: list[str] = []
    summary = run_pipeline(sources, root / "published", week=WEEK, database_url=database, progress=lines.append)
    edition = root / "published" / WEEK
    return {
        "root": root,
        "sources": sources,
        "manifest": manifest,
        "engine": sa.create_engine(database),
        "database": database,
        "summary": summary,
        "progress": lines,
        "html": edition / f"IRQ_DSTWG_brief_{WEEK}_en.html",
        "pdf": edition / f"IRQ_DSTWG_brief_{WEEK}_en.pdf",
        "zip": edition / f"IRQ_RWG_pack_{WEEK}.zip",
    }
