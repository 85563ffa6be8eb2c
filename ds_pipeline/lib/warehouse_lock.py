"""One lock per warehouse, held for a whole publish so that two publishes never interleave their writes."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from ds_pipeline.lib.warehouse import WarehouseError, advisory_key, connection_failure, make_engine

DEFAULT_LOCK_TIMEOUT_SECONDS = 1800.0  # a national-scale publish takes a minute or two; a stuck one is reported
POLL_SECONDS = 0.25
PUBLISH_LOCK_NAME = "ds_pipeline publish"  # PostgreSQL: the advisory lock's name (hashed to its key)


class WarehouseLockTimeout(WarehouseError):
    """Another publish held the warehouse lock for longer than this one was willing to wait."""


def lock_file_of(url: str) -> Path | None:
    """The lock file of an SQLite warehouse (`<database file>.lock` beside it); None for an in-memory database."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + ".lock")


def _wait_for(
    try_once: Callable[[], bool], holder: Callable[[], str], timeout: float, progress: Callable[[str], None]
) -> None:
    """Call `try_once` until it takes the lock; say once that this publish waits, give up after `timeout` s."""
    if try_once():
        return
    started = time.monotonic()
    progress(f"waiting for the warehouse lock held by another publish ({holder()}); giving up after {timeout:.0f} s")
    while True:
        waited = time.monotonic() - started
        if waited >= timeout:
            raise WarehouseLockTimeout(
                f"another publish still holds the warehouse lock ({holder()}) after {waited:.0f} s: nothing was "
                "run; publish again when it has finished"
            )
        time.sleep(min(POLL_SECONDS, max(timeout - waited, 0.0)))
        if try_once():
            progress(f"warehouse lock taken after waiting {time.monotonic() - started:.1f} s")
            return


@contextmanager
def _sqlite_lock(path: Path, timeout: float, progress: Callable[[str], None]) -> Iterator[None]:
    try:
        handle: IO[str] = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed below, after the lock is released
    except OSError as exc:  # a read-only folder, a directory where the lock file goes
        raise WarehouseError(f"cannot write the warehouse lock file {path}: {exc.strerror or exc}") from None
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        def holder() -> str:
            handle.seek(0)
            pid = handle.read().strip()
            return f"process {pid}, lock file {path}" if pid else f"lock file {path}"

        _wait_for(try_once, holder, timeout, progress)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextmanager
def _postgresql_lock(url: str, timeout: float, progress: Callable[[str], None]) -> Iterator[None]:
    key = advisory_key(PUBLISH_LOCK_NAME)
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        try:
            connection = engine.connect()  # a dedicated session: the lock lives as long as this connection holds it
        except sa.exc.DBAPIError as exc:  # refused, unknown host, wrong password: one line, never the password
            raise connection_failure(url, exc) from None
        with connection as conn:

            def try_once() -> bool:
                return bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))

            def holder() -> str:
                pids = conn.scalars(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                        "AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ),
                    {"key": key},
                ).all()
                server = f"PostgreSQL advisory lock {key} on database {conn.engine.url.database}"
                return f"{server}, server process {pids[0]}" if pids else server

            _wait_for(try_once, holder, timeout, progress)
            try:
                yield
            finally:
                conn.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
    finally:
        engine.dispose()


def warehouse_lock(
    url: str, timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS, progress: Callable[[str], None] = print
) -> AbstractContextManager[None]:
    """Hold the warehouse's publish lock for the duration of a `with` block.

    SQLite: an exclusive `flock` on `<database file>.lock` beside the database (the file stays; it holds the
    holder's process id while locked). PostgreSQL: a session-level advisory lock on a dedicated connection. A second
    publish reports through `progress` that it is waiting, then waits up to `timeout` seconds and raises
    WarehouseLockTimeout. Other databases are refused: they have no lock here."""
    make_engine(url).dispose()  # a malformed URL, a missing driver or warehouse folder: one line, before any lock
    backend = sa.engine.make_url(url).get_backend_name()
    if backend == "sqlite":
        path = lock_file_of(url)
        return nullcontext() if path is None else _sqlite_lock(path, timeout, progress)
    if backend == "postgresql":
        return _postgresql_lock(url, timeout, progress)
    raise WarehouseError(f"no publish lock for {backend} warehouses: use SQLite or PostgreSQL")
