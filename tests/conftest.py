"""Shared fixtures: a throwaway PostgreSQL server on loopback for warehouse tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL database, started for this test session and stopped after it."""
    script = ROOT / "scripts" / "test-postgres.sh"
    started = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        pytest.fail(f"could not start PostgreSQL for the tests: {started.stderr.strip()}")
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run(["bash", str(script), "stop"], capture_output=True, check=False)
