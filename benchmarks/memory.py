"""Memory of a measurement: the peak of the summed proportional set size (PSS) of a process and every process it
started, sampled while it runs.

`os.wait4` alone reports the largest single process of the tree (its resident set, shared pages counted whole): it
misses the memory of helper processes running beside it (the brief's validation process, Dagster's log capture)
and counts a forked child's shared pages twice. PSS shares each page among the processes mapping it, so the sum
over the tree is what the measurement holds in memory at that moment (Linux `/proc/<pid>/smaps_rollup`).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def descendants(root: int, proc: Path = PROC) -> list[int]:
    """`root` and every process below it, from each process's parent id in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while listing
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the command name in parentheses may hold spaces
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def pss_bytes(pid: int, proc: Path = PROC) -> int:
    """Proportional set size of one process (0 once it has ended)."""
    try:
        for line in (proc / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


def tree_mb(root: int, proc: Path = PROC) -> float:
    """Summed PSS of `root` and its descendants, in MB (MiB, as the table's other figures)."""
    return sum(pss_bytes(pid, proc) for pid in descendants(root, proc)) / 2**20


def available() -> bool:
    """Whether this system reports PSS (Linux 4.14 and later); elsewhere the benchmark falls back to os.wait4."""
    return (PROC / str(os.getpid()) / "smaps_rollup").exists()
