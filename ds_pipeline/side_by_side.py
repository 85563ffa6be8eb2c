"""Runs side by side: the round ranges of a publish, each in a process forked from it, a few at a time, so that a
backfill of many rounds uses every core (as the UI's backfills do through the run queue)."""

from __future__ import annotations

import gc
import multiprocessing
import time
import traceback
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

import dagster as dg

from ds_pipeline.lib.parallelism import workers_wanted


@dataclass(frozen=True)
class Task:
    """One run to make: `run` returns None when it succeeded, else the one-line reason it failed. `after`: the label
    of an earlier task that must have succeeded before this one starts (what it reads is stored by that one)."""

    label: str
    run: Callable[[], str | None]
    after: str | None = None


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
                     finished: Callable[[Task, float], None],
                     meanwhile: Callable[[], None] | None = None) -> str | None:
    """Make `tasks` in order, at most `workers` at a time, each in a process forked from this one (in this process
    when `workers` is 1). `started` and `finished` are called in this process as each begins and succeeds;
    `meanwhile`, once the first forked runs are under way, is this process's own work while it waits for them (with
    one worker nothing waits, and it is not called).

    A task with `after` starts once that task succeeded: the first task in order that may start, starts.

    After a failure no further run starts; the runs under way finish. Returns the first failure, or None."""
    for number, task in enumerate(tasks):
        if task.after is not None and task.after not in {t.label for t in tasks[:number]}:
            raise ValueError(f"{task.label} is to run after {task.after}, which is not a task before it")
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
    with long_lived_heap():  # untouched by the children's collections, its pages stay shared
        return _fork_each(context, tasks, workers, started, finished, meanwhile)


@contextmanager
def long_lived_heap() -> Iterator[None]:
    """Leave the objects alive now out of garbage collection for the block. With a publish's definitions loaded,
    every full collection walks some 330,000 long-lived objects (about 0.15 s), again and again in a run made in
    this process; and forked processes keep sharing their pages. No collection first: garbage frozen here is
    collected after the block. An inner block leaves the outer one's objects frozen."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


def _fork_each(context: multiprocessing.context.ForkContext, tasks: Sequence[Task], workers: int,
               started: Callable[[Task], None], finished: Callable[[Task, float], None],
               meanwhile: Callable[[], None] | None) -> str | None:
    pending: list[Task] = list(tasks)
    running: dict[Connection, tuple[Task, multiprocessing.process.BaseProcess]] = {}
    succeeded: set[str] = set()
    first_failure: str | None = None
    try:
        while pending or running:
            while pending and len(running) < workers and first_failure is None:
                task = next((t for t in pending if t.after is None or t.after in succeeded), None)
                if task is None:  # what the next tasks wait for is under way
                    break
                pending.remove(task)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(task, sender), name=f"ds-pipeline {task.label}")
                started(task)
                process.start()
                sender.close()
                running[receiver] = (task, process)
            if not running:
                break
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            for receiver in wait(list(running)):
                task, process = running.pop(receiver)
                try:
                    failure, seconds = receiver.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    failure, seconds = f"{task.label} failed: its process ended without a result", 0.0
                receiver.close()
                process.join()
                if failure is None:
                    succeeded.add(task.label)
                    finished(task, seconds)
                elif first_failure is None:
                    first_failure = failure
    finally:  # stopped (Ctrl-C, SIGTERM) or failed here: no run is left going on without this process
        for _, process in running.values():
            process.terminate()
            process.join()
    return first_failure


def metrics_of_sources_read_whole(definitions: dg.Definitions, job: dg.JobDefinition,
                                  tables: Collection[str]) -> list[dg.AssetKey]:
    """The assets of `job` whose steps read only `tables` (the ingestion's: criteria, POA and service coverage
    metrics), every asset of such a step."""
    by_step: dict[str, list[dg.AssetKey]] = {}
    for key in job.asset_layer.selected_asset_keys:
        by_step.setdefault(definitions.resolve_assets_def(key).node_def.name, []).append(key)
    whole = []
    for keys in by_step.values():
        assets_def = definitions.resolve_assets_def(keys[0])
        reads = {"__".join(k.path) for key in keys for k in assets_def.asset_deps[key]}
        if set(assets_def.keys) == set(keys) and reads and reads <= set(tables):
            whole += keys
    return sorted(whole)


def _steps_and_reads(job: dg.JobDefinition, definitions: dg.Definitions,
                     selected: set[dg.AssetKey]) -> tuple[dict[dg.AssetKey, str], dict[str, set[dg.AssetKey]]]:
    """The step (asset definition) of each selected asset of `job`, and the assets each step or one of its checks
    reads."""
    graph = job.asset_layer.asset_graph
    step_of = {key: definitions.resolve_assets_def(key).node_def.name for key in selected}
    reads: dict[str, set[dg.AssetKey]] = {}
    for key in selected:
        reads.setdefault(step_of[key], set()).update(definitions.resolve_assets_def(key).asset_deps[key])
    for check in graph.asset_check_keys:
        if check.asset_key in selected:
            reads[step_of[check.asset_key]].update(k for k in graph.get(check).parent_entity_keys
                                                   if isinstance(k, dg.AssetKey))
    return step_of, reads


def independent_parts(job: dg.JobDefinition, definitions: dg.Definitions) -> list[list[dg.AssetKey]]:
    """The assets of `job` in parts that read nothing of each other (a round's DTM chain and its Return Index
    chain): each part can be a run of its own, side by side with the others. Largest part first."""
    selected = set(job.asset_layer.selected_asset_keys)
    step_of, reads = _steps_and_reads(job, definitions, selected)
    part_of = {step: {step} for step in reads}  # steps joined, through what they read, into one set each
    for step, keys in reads.items():
        for other in {step_of[k] for k in keys if k in selected}:
            if part_of[other] is not part_of[step]:
                joined = part_of[step] | part_of[other]
                for member in joined:
                    part_of[member] = joined
    parts = {id(steps): steps for steps in part_of.values()}.values()
    assets = [sorted(k for k in selected if step_of[k] in steps) for steps in parts]
    return sorted(assets, key=lambda keys: (-len(keys), keys))


def job_waves(job: dg.JobDefinition, definitions: dg.Definitions, runs: int,
              assets: Collection[dg.AssetKey] | None = None) -> list[list[list[dg.AssetKey]]]:
    """The assets of `job` (or only `assets` of it) as waves of at most `runs` runs each: a step (one asset
    definition) goes in the wave after every step of the job that it or one of its checks reads from, so the runs
    of a wave can go side by side. A wave's steps are shared out by how many tables they read, the step reading
    most first. A step whose every read in the job comes from one run goes on in that run instead (after what it
    reads, as Dagster orders a run's steps): no new run to create and start, and no wait for the rest of the
    wave."""
    selected = set(job.asset_layer.selected_asset_keys) if assets is None else set(assets)
    step_of, reads = _steps_and_reads(job, definitions, selected)
    before = {step: {step_of[k] for k in keys if k in selected} - {step} for step, keys in reads.items()}
    depth: dict[str, int] = {}

    def wave_of(step: str) -> int:
        if step not in depth:
            depth[step] = 1 + max((wave_of(s) for s in before[step]), default=-1)
        return depth[step]

    run_of: dict[str, tuple[int, int]] = {}  # step -> (wave, run within the wave)
    waves: list[list[tuple[int, list[str]]]] = []  # per wave: (tables read, steps) of each run
    for number in range(max(map(wave_of, reads), default=-1) + 1):
        waves.append([])
        for step in sorted((s for s in reads if depth[s] == number), key=lambda s: (-len(reads[s]), s)):
            sources = {run_of[s] for s in before[step]}
            if len(sources) == 1:
                wave, run = run_of[step] = sources.pop()
                waves[wave][run][1].append(step)
            elif len(waves[number]) < runs:
                run_of[step] = (number, len(waves[number]))
                waves[number].append((len(reads[step]), [step]))
            else:
                lightest = min(range(len(waves[number])), key=lambda i: waves[number][i][0])
                run_of[step] = (number, lightest)
                weight, steps = waves[number][lightest]
                waves[number][lightest] = (weight + len(reads[step]), [*steps, step])
    return [[sorted(k for k in selected if step_of[k] in steps) for _, steps in wave] for wave in waves if wave]
