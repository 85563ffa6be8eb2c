"""A data officer's backfill through the Dagster UI: `dagster dev` on loopback, driven by the UI's GraphQL API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = {"repositoryLocationName": "ds_pipeline", "repositoryName": "__repository__"}
ROUND_ASSETS = [
    f"{kind}_{stage}"
    for kind in ("displacement", "return_index")
    for stage in ("raw", "validated", "rejected_at_validation", "conformed", "rejected_at_conforming")
] + ["displacement_by_area", "area_severity"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DagsterUI:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, text: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert "errors" not in answer, answer
        return answer["data"]


def _location_loaded(client: DagsterUI) -> bool:
    """True once the webserver answers and has loaded the ds_pipeline code location."""
    try:
        workspace = client.query(
            "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
            "locationOrLoadError { __typename } } } } }"
        )["workspaceOrError"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    return any(
        entry["name"] == "ds_pipeline" and entry["loadStatus"] == "LOADED"
        and (entry["locationOrLoadError"] or {}).get("__typename") == "RepositoryLocation"
        for entry in workspace.get("locationEntries", [])
    )


@pytest.fixture()
def ui(demo: dict, tmp_path: Path) -> Iterator[tuple[DagsterUI, str]]:
    """`dagster dev` over the demo sources and a copy of its warehouse, in a fresh instance."""
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
    warehouse = tmp_path / "warehouse.db"
    shutil.copy(demo["database"].removeprefix("sqlite:///"), warehouse)
    port = _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        DS_SOURCES_DIR=str(demo["sources"]),
        DS_DATABASE_URL=f"sqlite:///{warehouse}",
        DS_ASSETS_DIR=str(tmp_path / "assets"),
        DS_PUBLISH_DIR=str(tmp_path / "published"),
    )
    command = [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
               "-p", str(port)]
    log = open(tmp_path / "dagster-dev.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    client = DagsterUI(port)
    try:
        deadline = time.monotonic() + 120
        while not _location_loaded(client):
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("dagster dev did not start:\n" + (tmp_path / "dagster-dev.log").read_text()[-3000:])
            time.sleep(1)
        yield client, f"sqlite:///{warehouse}"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(server.pid, sig)
                server.wait(timeout=15)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        log.close()


def test_backfill_of_two_rounds_from_the_ui_replaces_their_rows(ui: tuple[DagsterUI, str]) -> None:
    client, warehouse = ui
    engine = sa.create_engine(warehouse)
    before = pd.read_sql_table("displacement_raw", engine).groupby("round_id").size().to_dict()

    for key in ("R133", "R134"):  # the UI's "add partition" action
        added = client.query(
            """mutation($key: String!, $repo: RepositorySelector!) {
                 addDynamicPartition(partitionsDefName: "rounds", partitionKey: $key, repositorySelector: $repo) {
                   __typename } }""",
            {"key": key, "repo": REPOSITORY},
        )
        assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess"

    launched = client.query(
        """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
             __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
        {"params": {"partitionNames": ["R133", "R134"], "assetSelection": [{"path": [k]} for k in ROUND_ASSETS]}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    deadline, status = time.monotonic() + 240, "REQUESTED"
    while status == "REQUESTED" and time.monotonic() < deadline:
        time.sleep(3)
        status = client.query(
            """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
                 ... on PartitionBackfill { status } } }""",
            {"id": backfill_id},
        )["partitionBackfillOrError"]["status"]
    assert status == "COMPLETED_SUCCESS"

    runs = client.query(
        """query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill {
             runs { status tags { key value } } } } }""",
        {"id": backfill_id},
    )["partitionBackfillOrError"]["runs"]
    # the round assets' backfill policy is a single run: both rounds in one run, over the range R133..R134
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS", runs
    tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
    assert (tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")) == (
        "R133", "R134"), tags

    after = pd.read_sql_table("displacement_raw", engine).groupby("round_id").size().to_dict()
    assert after == before  # re-running rounds replaced their rows: nothing duplicated, nothing lost
