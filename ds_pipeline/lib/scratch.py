"""Throwaway folders of a publish (its Dagster instance, its scratch warehouse) that never outlive it: each holds
its owner's process id, and folders whose owner is gone (a run killed with SIGKILL) are swept at the next start."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OWNER_FILE = ".owner-pid"
PREFIXES = ("ds-pipeline-instance-", "ds-pipeline-warehouse-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def sweep_orphans(parent: Path | None = None) -> list[Path]:
    """Delete the scratch folders in `parent` (default: the temp folder) whose owner process is no longer running;
    returns what was deleted. A folder without an owner file is left alone (not ours, or being created)."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    for prefix in PREFIXES:
        for folder in sorted(parent.glob(f"{prefix}*")):
            owner = folder / OWNER_FILE
            try:
                pid = int(owner.read_text(encoding="utf-8").strip())
            except (OSError, ValueError):
                continue
            if not _alive(pid):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new folder in the temp folder, marked with this process's id, deleted when the block ends (also when the
    block is left by an exception or by SIGTERM turned into SystemExit)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
