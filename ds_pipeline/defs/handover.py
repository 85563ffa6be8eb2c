"""Frames a run just stored, handed to the steps of the same run that read them instead of reading them back.

Only in a run whose steps share one process (the in-process executor: `ds-pipeline publish`, a laptop's runs), and
only as the frame a read would give (`lib/read_back.py`): a step gets the same data whether its upstream ran in the
same run or earlier. A frame is kept until the last step of the run that reads it has it, then dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg
import pandas as pd


@dataclass
class _Kept:
    frame: pd.DataFrame
    partitions: frozenset[str] | None  # None: an unpartitioned table
    readers: int  # steps of the run still to read it


_KEPT: dict[tuple[str, str, str], _Kept] = {}  # (run id, step key, output name) -> frame


def readers_in_run(context: dg.OutputContext) -> int:
    """How many steps of this run, executed in this process, load the output being stored (0 outside a run, and
    with an executor that runs each step in a process of its own)."""
    from dagster._core.execution.plan.outputs import StepOutputHandle

    try:
        step_context = context.step_context
    except dg.DagsterInvariantViolationError:  # an output context built outside a run
        return 0
    # the steps this process executes: all of the run's with the in-process executor, only its own step in a
    # process (or pod) of the multiprocess, Celery and Kubernetes executors
    handle = StepOutputHandle(context.step_key, context.name)
    return sum(handle in step_input.get_step_output_handle_dependencies()
               for step in step_context.execution_plan.get_steps_to_execute_in_topo_order()
               for step_input in step.step_inputs)


def executes_in_run(context: dg.AssetExecutionContext, step_key: str) -> bool:
    """Whether the step `step_key` of this run is executed by this process too (as `readers_in_run` counts)."""
    plan = context.get_step_execution_context().execution_plan
    return any(step.key == step_key for step in plan.get_steps_to_execute_in_topo_order())


def keep(context: dg.OutputContext, frame: pd.DataFrame, partitions: Sequence[str], readers: int) -> None:
    """Keep `frame` (as read back) for the `readers` steps of this run that load it; frames of other runs go."""
    for key in [k for k in _KEPT if k[0] != context.run_id]:
        del _KEPT[key]
    _KEPT[(context.run_id, context.step_key, context.name)] = _Kept(
        frame, frozenset(partitions) if partitions else None, readers)


def take(context: dg.InputContext, partitions: Sequence[str] | None,
         columns: Sequence[str] | None) -> pd.DataFrame | None:
    """The kept frame of this input's upstream output in this run (its own copy, narrowed to `columns`), or None
    when it was not kept, holds other partitions than the ones asked for, or lacks a column asked for."""
    upstream = context.upstream_output
    if upstream is None:
        return None
    try:
        key = (upstream.run_id, upstream.step_key, upstream.name)
    except dg.DagsterInvariantViolationError:  # an upstream asset not computed in this run
        return None
    kept = _KEPT.get(key)
    if kept is None:
        return None
    kept.readers -= 1
    if kept.readers <= 0:
        del _KEPT[key]
    if kept.partitions != (frozenset(partitions) if partitions is not None else None):
        return None
    if columns is not None and not set(columns) <= set(kept.frame.columns):
        return None  # the read says which columns the table lacks
    if columns is not None:
        return kept.frame[list(columns)].copy()
    return kept.frame if kept.readers <= 0 else kept.frame.copy()


def forget_all() -> None:
    """Drop every kept frame (a run ended: steps it skipped never took theirs)."""
    _KEPT.clear()
