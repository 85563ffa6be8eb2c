"""`make ui` run in the background, as a service manager or a script runs it, stops on SIGTERM and on SIGINT: sent
to its top process (make or scripts/ui.sh) or to its whole process group, dagster dev and every process it started
(webserver, daemon, code server) end within seconds and nothing of its session is left."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources

# `-o setup`: the environment is already set up; the test must not install anything
MAKE_UI = ["make", "--no-print-directory", "-o", "setup", "ui"]
SCRIPT = ["bash", "scripts/ui.sh"]
START_TIMEOUT = 90
STOP_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session(sid: int) -> dict[int, str]:
    """The processes of session `sid` (zombies included), pid -> "name state pgid"."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        state, _ppid, pgid, session = stat[stat.rindex(")") + 2:].split()[:4]
        if int(session) == sid:
            found[int(entry.name)] = f"{name} {state} pgid={pgid}"
    return found


def _kill_session(sid: int) -> None:
    for pid in _session(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_demo_config(tmp_path_factory.mktemp("ui-signals") / "sources")
    generate_demo_sources(folder, scale=0.01, rounds=1)
    return folder


@pytest.mark.parametrize(
    ("command", "sig", "to_group", "sigint_ignored", "returncode"),
    [
        # `make ui &` in a script: make and everything it starts begin with SIGINT ignored. GNU make passes SIGTERM
        # on to its recipe, then dies of it.
        pytest.param(MAKE_UI, signal.SIGTERM, False, True, -signal.SIGTERM, id="SIGTERM-to-make"),
        # make does not pass SIGINT on (it leaves that to the terminal): SIGINT goes to the script, or to the group
        pytest.param(SCRIPT, signal.SIGINT, False, True, 0, id="SIGINT-to-script"),
        pytest.param(MAKE_UI, signal.SIGINT, True, True, 0, id="SIGINT-to-group"),
        # a service manager: SIGINT not ignored, SIGTERM to the whole group
        pytest.param(MAKE_UI, signal.SIGTERM, True, False, -signal.SIGTERM, id="SIGTERM-to-group"),
    ],
)
def test_ui_stops_with_all_its_processes(
    sources: Path, tmp_path: Path, command: list[str], sig: signal.Signals, to_group: bool, sigint_ignored: bool,
    returncode: int,
) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update(
        DS_UI_PORT=str(port),
        DAGSTER_HOME=str(tmp_path / "dagster"),
        DS_SOURCES_DIR=str(sources),
        DS_DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        DS_PUBLISH_DIR=str(tmp_path / "published"),
        DS_ASSETS_DIR=str(tmp_path / "assets"),
    )
    log_path = tmp_path / "ui.log"

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    with log_path.open("w") as log:
        top = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=ignore_sigint if sigint_ignored else None)
    sid = top.pid
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as answer:
                    assert answer.status == 200
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if top.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the UI did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        assert (tmp_path / "dagster" / "dagster.yaml").is_file()
        started = _session(sid)
        assert len(started) >= 5, started  # make/script, dagster dev, webserver, daemon, code server

        if to_group:
            os.killpg(top.pid, sig)
        else:
            top.send_signal(sig)
        signalled = time.monotonic()
        try:
            top.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{command[0]} still running {STOP_TIMEOUT} s after {sig.name}:\n"
                        + log_path.read_text()[-3000:])
        stopped = time.monotonic() - signalled
        left = _session(sid)
        for _ in range(20):  # a process just reparented may wait a moment to be reaped
            if not left:
                break
            time.sleep(0.1)
            left = _session(sid)
        log_text = log_path.read_text()
        assert not left, f"left after {sig.name} ({stopped:.1f} s): {left}\n{log_text[-3000:]}"
        assert top.returncode == returncode, log_text[-3000:]
        assert "Dagster services shut down." in log_text, log_text[-3000:]
        assert "ui: dagster dev stopped" in log_text, log_text[-3000:]
        assert stopped < 20, f"{stopped:.1f} s"
    finally:
        _kill_session(sid)
        top.wait()
