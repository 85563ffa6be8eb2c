"""Atomic publication: a folder is written in full beside its target, then renamed into place.

A reader of `<publish>/<week>/` sees either the previous edition or the new one, never a half-written file or a
mix; a run that fails before the swap leaves the previous folder untouched, byte for byte.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def replace_folder(staging: Path, target: Path) -> None:
    """Move `staging` to `target`, replacing what was there: two renames in the same parent folder (the old
    folder is renamed away, the new one renamed in, then the old one deleted)."""
    staging, target = Path(staging), Path(target)
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, retired / target.name)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def staged_folder(target: Path, keep: bool = False) -> Iterator[Path]:
    """A new empty folder beside `target` (a copy of `target` with `keep`) to write into; renamed into place
    when the block ends without an exception, deleted otherwise."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        if keep and target.is_dir():
            shutil.copytree(target, staging, dirs_exist_ok=True, copy_function=shutil.copy2)
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    put_in_place(staging, target)


def put_in_place(staging: Path, target: Path) -> None:
    """Make a staged folder readable like any published one and swap it into place (`replace_folder`)."""
    os.chmod(staging, 0o755)
    replace_folder(staging, target)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder`'s lock file (`.<name>.lock` beside it) for the block, so that two
    writers (the brief and the pack, run by a multiprocess executor) never stage from the same old copy."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_files_atomically(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write `files` (name -> bytes) into `folder`, keeping its other files: the whole folder is staged with the
    new files and swapped into place in one step, one writer at a time. Returns the written paths."""
    folder = Path(folder)
    with folder_lock(folder), staged_folder(folder, keep=True) as staging:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return [folder / name for name in files]
