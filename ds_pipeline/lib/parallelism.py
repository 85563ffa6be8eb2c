"""How much of the machine a publish uses at once: the number of processes that may work side by side (round
runs, metric runs, area update renders), from DS_ROUND_WORKERS or the CPUs, and a fork pool for pure functions."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

WORKERS_VARIABLE = "DS_ROUND_WORKERS"  # how many processes at a time; 1 does everything in the publish's process
MOST_WORKERS = 4  # each holds its rows in memory, and SQLite takes one writer at a time


class WorkersError(ValueError):
    """DS_ROUND_WORKERS is not a whole number of at least 1."""


def workers_wanted() -> int:
    """How many processes may work side by side: DS_ROUND_WORKERS when set, else the CPUs this process may use (at
    most MOST_WORKERS); 1 where processes cannot be forked. Raises WorkersError for a value that is not a count."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise WorkersError(f"{WORKERS_VARIABLE}={value!r} must be a whole number of at least 1")
        wanted = int(value)
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        wanted = min(cpus, MOST_WORKERS)
    return wanted if "fork" in multiprocessing.get_all_start_methods() else 1


_WORK: list[Callable[[], Any]] = []  # the calls of the running `map_forked`, inherited by its forked workers


def _call(index: int) -> Any:
    return _WORK[index]()


def map_forked(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """The results of `calls`, in order, made by up to `workers_wanted()` processes forked from this one (here when
    that is 1 or there is one call). Each call's result is sent back pickled; an exception raised by a call is
    raised here."""
    workers = min(workers_wanted(), len(calls))
    if workers <= 1:
        return [call() for call in calls]
    _WORK[:] = calls
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_call, range(len(calls)), chunksize=1)
    finally:
        _WORK.clear()
