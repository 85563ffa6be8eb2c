"""The benchmark's memory figure counts every process of a measurement: a helper process's memory is added, not
hidden behind the largest one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import memory  # noqa: E402

# A parent holding 120 MB that starts a child holding 80 MB; both wait until killed.
HOLD = """
import subprocess, sys, time
block = bytearray({mb} * 2**20)
for i in range(0, len(block), 4096):
    block[i] = 1  # touch every page, so it is resident
if {child!r}:
    subprocess.Popen([sys.executable, "-c", {child!r}])
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not memory.available(), reason="needs Linux /proc/<pid>/smaps_rollup")
def test_tree_memory_adds_the_processes_a_measurement_started() -> None:
    child = HOLD.format(mb=80, child="")
    parent = subprocess.Popen([sys.executable, "-c", HOLD.format(mb=120, child=child)], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 20
        while len(memory.descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the child touches its 80 MB
        tree = memory.descendants(parent.pid)
        assert tree[0] == parent.pid and len(tree) == 2
        alone = memory.pss_bytes(parent.pid) / 2**20
        total = memory.tree_mb(parent.pid)
        assert 120 <= alone < 200
        assert total >= alone + 80  # the child's memory is counted
    finally:
        for pid in memory.descendants(parent.pid)[::-1]:
            subprocess.run(["kill", "-9", str(pid)], check=False)
        parent.wait()
    assert memory.pss_bytes(parent.pid) == 0  # an ended process holds nothing
