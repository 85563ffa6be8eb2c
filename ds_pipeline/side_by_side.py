"""Runs side by side: the round ranges of a publish, each in a process forked from it, a few at a time, so that a
backfill of many rounds uses every core (as the UI's backfills do through the run queue)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

WORKERS_VARIABLE = "DS_ROUND_WORKERS"  # how many round runs at a time; 1 runs them one after another in-process
MOST_WORKERS = 4  # each run holds its rounds' rows in memory, and SQLite takes one writer at a time


class WorkersError(ValueError):
    """DS_ROUND_WORKERS is not a whole number of at least 1."""


@dataclass(frozen=True)
class Task:
    """One run to make: `run` returns None when it succeeded, else the one-line reason it failed."""

    label: str
    run: Callable[[], str | None]


def workers_wanted() -> int:
    """How many runs may go side by side: DS_ROUND_WORKERS when set, else the CPUs this process may use (at most
    MOST_WORKERS); 1 where processes cannot be forked. Raises WorkersError for a value that is not a count."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise WorkersError(f"{WORKERS_VARIABLE}={value!r} must be a whole number of at least 1")
        wanted = int(value)
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        wanted = min(cpus, MOST_WORKERS)
    return wanted if "fork" in multiprocessing.get_all_start_methods() else 1


def workers_for(tasks: int) -> int:
    """How many of `tasks` runs go side by side: never more than there are."""
    return max(1, min(workers_wanted(), tasks))


def _child(task: Task, sender: Connection) -> None:
    """In the forked process: make the run, send back (failure or None, seconds)."""
    started = time.perf_counter()
    try:
        failure = task.run()
    except BaseException as exc:  # noqa: BLE001 - whatever stops the run is reported by the parent as its failure
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        failure = f"{task.label} failed: {last}"
    sender.send((failure, time.perf_counter() - started))
    sender.close()


def run_side_by_side(tasks: Sequence[Task], workers: int, started: Callable[[Task], None],
                     finished: Callable[[Task, float], None]) -> str | None:
    """Make `tasks` in order, at most `workers` at a time, each in a process forked from this one (in this process
    when `workers` is 1). `started` and `finished` are called in this process as each begins and succeeds.

    After a failure no further run starts; the runs under way finish. Returns the first failure, or None."""
    if workers <= 1:
        for task in tasks:
            started(task)
            began = time.perf_counter()
            failure = task.run()
            if failure is not None:
                return failure
            finished(task, time.perf_counter() - began)
        return None
    context = multiprocessing.get_context("fork")
    gc.collect()
    gc.freeze()  # objects of this process stay untouched by the children's collections, their pages shared
    try:
        return _fork_each(context, tasks, workers, started, finished)
    finally:
        gc.unfreeze()


def _fork_each(context: multiprocessing.context.ForkContext, tasks: Sequence[Task], workers: int,
               started: Callable[[Task], None], finished: Callable[[Task, float], None]) -> str | None:
    pending: list[Task] = list(tasks)
    running: dict[Connection, tuple[Task, multiprocessing.process.BaseProcess]] = {}
    first_failure: str | None = None
    try:
        while pending or running:
            while pending and len(running) < workers and first_failure is None:
                task = pending.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(task, sender), name=f"ds-pipeline {task.label}")
                started(task)
                process.start()
                sender.close()
                running[receiver] = (task, process)
            if not running:
                break
            for receiver in wait(list(running)):
                task, process = running.pop(receiver)
                try:
                    failure, seconds = receiver.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    failure, seconds = f"{task.label} failed: its process ended without a result", 0.0
                receiver.close()
                process.join()
                if failure is None:
                    finished(task, seconds)
                elif first_failure is None:
                    first_failure = failure
    finally:  # stopped (Ctrl-C, SIGTERM) or failed here: no run is left going on without this process
        for _, process in running.values():
            process.terminate()
            process.join()
    return first_failure
