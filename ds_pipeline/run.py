"""Run the whole asset graph over a sources folder with Dagster, stage by stage, and summarise what happened."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import dagster as dg
import pandas as pd

from ds_pipeline.defs import handover
from ds_pipeline.defs.partitions import ROUND_RUN_BYTES, ROUNDS_PER_RUN
from ds_pipeline.lib.edition_calendar import (
    last_complete_week,
    latest_complete_area_month,
    parse_report_month,
    parse_week,
    week_of_partition_key,
    week_partition_key,
)
from ds_pipeline.lib.parallelism import workers_wanted
from ds_pipeline.lib.products.brief import prepare_renderer
from ds_pipeline.lib.products.expectations import forget_validations, start_validation_ahead, stop_validation_ahead
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.round_fingerprints import (
    INGEST_KEY,
    WHOLE_METRICS_KEY,
    record_fingerprints,
    round_fingerprints,
    stored_fingerprints,
)
from ds_pipeline.lib.scratch import scratch_folder, sweep_orphans
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.sources_folder import (
    LateRound,
    Withdrawal,
    late_rounds,
    present_files,
    rounds_present,
    withdrawn_rounds,
)
from ds_pipeline.lib.warehouse import (
    delete_partitions,
    dispose_shared_engines,
    make_engine,
    read_table,
    stored_partitions,
    table_exists,
)
from ds_pipeline.lib.warehouse_lock import DEFAULT_LOCK_TIMEOUT_SECONDS, warehouse_lock
from ds_pipeline.side_by_side import (
    Task,
    independent_parts,
    job_waves,
    long_lived_heap,
    metrics_of_sources_read_whole,
    run_side_by_side,
    workers_for,
)

# Dagster's console log stays silent (failures and their tracebacks are in the run's event log); a failing stage
# is reported as one line by `failure_message`.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
OTHER_SOURCES = "ingest: 4W, POA workbooks, survey"  # the ingestion's run beside the rounds
LOCAL_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "dagster.local.yaml"


class PipelineError(RuntimeError):
    """A stage of the run failed; the message names the stage and the failing steps."""


def execute_stage(job: dg.JobDefinition, instance: dg.DagsterInstance, partition_key: str | None = None,
                  tags: Mapping[str, str] | None = None,
                  assets: Sequence[dg.AssetKey] = ()) -> dg.ExecuteInProcessResult:
    """Run `job` in this process against `instance`, as `JobDefinition.execute_in_process` does, but without
    keeping every output of the run in memory until it ends (`execute_in_process` holds them all for
    `output_for_node`): each asset's frame is stored by its IO manager and freed once its consumers have it, so a
    round run holds a few frames at a time instead of every stage of every round. `assets` runs only those assets
    of the job (and their checks), as the UI's "materialize selected" does."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.execute_in_process import core_execute_in_process, merge_run_tags

    ephemeral = job.as_ephemeral_job(resource_defs={}, input_values={}, asset_selection=list(assets) or None)
    run_config: Mapping[str, object] = QUIET
    if partition_key and ephemeral.partitions_def:
        with dg.partition_loading_context(dynamic_partitions_store=instance) as context:
            ephemeral.validate_partition_key(partition_key=partition_key, selected_asset_keys=set(), context=context)
    try:
        return core_execute_in_process(
            job=InMemoryJob(job_def=ephemeral),
            run_config=run_config,
            instance=instance,
            output_capturing_enabled=False,
            raise_on_error=False,
            run_tags=merge_run_tags(job_def=job, partition_key=partition_key, tags=tags,
                                    asset_selection=list(assets), instance=instance, run_config=run_config),
            asset_selection=frozenset(assets) or None,
        )
    finally:
        handover.forget_all()  # frames kept for steps the run skipped
        forget_validations()  # an edition's validation begun for products the run skipped
        dispose_shared_engines()  # the warehouse connections of the run's steps


def failure_message(label: str, result: dg.ExecuteInProcessResult) -> str:
    """One line naming the failing blocking checks (with their message) and the failing steps (with their
    description) of a stage; nothing downstream of a failed check was written."""
    parts = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            entry = evaluation.metadata.get("message")
            message = str(entry.value) if entry is not None else "failed"
            parts.append(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed: {message}")
    for event in result.all_events:
        data = event.step_failure_data if event.is_step_failure else None
        if data is not None and not (data.error is not None and data.error.cls_name == "DagsterAssetCheckFailedError"):
            why = (data.user_failure_data.description if data.user_failure_data is not None else None) or (
                data.error.message.strip().splitlines()[-1] if data.error is not None else "")
            parts.append(f"step {event.step_key} failed: {why}" if why else f"step {event.step_key} failed")
    detail = "; ".join(" ".join(p.split()) for p in parts) or "see the log above"
    published = "; nothing was published" if label.startswith("products") else ""
    return f"{label} failed: {detail}{published}"


@dataclass
class RunSummary:
    week: str
    rounds: list[str]
    stages: list[tuple[str, float]] = field(default_factory=list)
    inventory: pd.DataFrame | None = None
    products: list[Path] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    withdrawn: list[Withdrawal] = field(default_factory=list)  # stored rounds whose files are gone
    late: list[LateRound] = field(default_factory=list)  # new rounds below the latest stored round of their source
    jobs: list[str] = field(default_factory=list)  # the jobs launched, in order (defs/jobs.py)
    unchanged: list[str] = field(default_factory=list)  # rounds up to date in the warehouse, not run again
    ingest_unchanged: bool = False  # the sources read whole were up to date, not run again
    whole_metrics_unchanged: bool = False  # so were the metrics computed from them alone (criteria, POA, services)

    def render(self) -> str:
        lines = ["", f"Summary — edition {self.week}, rounds {', '.join(self.rounds) or 'none'}"]
        lines += [f"  {w.render()}" for w in self.withdrawn]
        lines += [f"  {r.render()}" for r in self.late]
        if self.ingest_unchanged:
            lines.append("  gazetteer, 4W, POA workbooks, survey up to date, not run again")
        if self.whole_metrics_unchanged:
            lines.append("  their metrics (criteria, POA, service coverage) up to date, not run again")
        if self.unchanged:
            lines.append(f"  rounds up to date, not run again: {', '.join(self.unchanged)}")
        if self.inventory is not None and not self.inventory.empty:
            by_source = self.inventory.groupby("source_id", sort=True)[
                ["rows_read", "rows_accepted", "rows_quarantined"]
            ].sum()
            by_source["files"] = self.inventory.groupby("source_id")["source_file"].nunique()
            width = max(len(s) for s in by_source.index)
            lines.append(f"  {'source':<{width}}  {'files':>5}  {'read':>8}  {'accepted':>8}  {'quarantined':>11}")
            for source_id, row in by_source.iterrows():
                lines.append(
                    f"  {source_id:<{width}}  {row['files']:>5}  {row['rows_read']:>8,}  {row['rows_accepted']:>8,}"
                    f"  {row['rows_quarantined']:>11,}"
                )
            total = by_source.sum()
            lines.append(
                f"  {'total':<{width}}  {total['files']:>5}  {total['rows_read']:>8,}  {total['rows_accepted']:>8,}"
                f"  {total['rows_quarantined']:>11,}"
            )
        lines.append("  published:")
        lines += [f"    {p}" for p in self.products] or ["    nothing"]
        if self.feedback:
            lines.append(f"  submission feedback: {len(self.feedback)} reports in {self.feedback[0].parent}")
        lines.append(f"  wall time: {self.seconds:.1f} s")
        return "\n".join(lines)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block (the resources' variables of an in-process run)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _instance(instance_dir: Path | None) -> Iterator[dg.DagsterInstance]:
    if instance_dir is None:
        with scratch_folder("ds-pipeline-instance-") as tmp:
            with dg.DagsterInstance.local_temp(tempdir=str(tmp)) as instance:
                yield instance
        return
    instance_dir.mkdir(parents=True, exist_ok=True)
    config = instance_dir / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_INSTANCE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    with environment({"DAGSTER_HOME": str(instance_dir.resolve())}):
        with dg.DagsterInstance.get() as instance:
            yield instance


def contiguous_ranges(keys: list[str], order: list[str], most: int, size: Mapping[str, int] | None = None,
                      budget: int = ROUND_RUN_BYTES) -> list[list[str]]:
    """`keys` cut into runs of at most `most` partitions adjacent in `order` (the instance's order of the round
    partitions), and with `size` (bytes of each round's files) of at most `budget` bytes unless one round alone is
    more: each run of round assets covers one such range, as a backfill through the UI does."""
    position = {key: i for i, key in enumerate(order)}
    ranges: list[list[str]] = []
    for key in sorted(keys, key=position.__getitem__):
        current = ranges[-1] if ranges else []
        fits = size is None or sum(size.get(k, 0) for k in current) + size.get(key, 0) <= budget
        if current and position[key] == position[current[-1]] + 1 and len(current) < most and fits:
            current.append(key)
        else:
            ranges.append([key])
    return ranges


def metrics_label(definitions: dg.Definitions, keys: Sequence[dg.AssetKey]) -> str:
    """The label of a run of metrics assets: its steps by name."""
    return f"metrics: {', '.join(sorted({definitions.resolve_assets_def(k).node_def.name for k in keys}))}"


def _check_edition_week(week: str, week_key: str) -> None:
    """A week the products cannot be built for is an error before anything runs (not a Dagster traceback)."""
    from ds_pipeline.defs.partitions import weeks

    keys = weeks.get_partition_keys()
    if week_key not in keys:
        raise PipelineError(
            f"no edition can be built for {week}: editions run from {week_of_partition_key(keys[0])} to "
            f"{week_of_partition_key(keys[-1])}"
        )


def _check_area_month(month: str) -> None:
    """A month the area updates cannot be built for (before the first or not yet complete) is an error first."""
    from ds_pipeline.defs.partitions import months

    keys = months.get_partition_keys()
    if f"{month}-01" not in keys:
        raise PipelineError(
            f"no area updates can be built for {month}: they run from {keys[0][:7]} to {keys[-1][:7]}"
        )


def run_pipeline(
    sources_dir: Path,
    publish_dir: Path,
    week: str | None = None,
    instance_dir: Path | None = None,
    database_url: str | None = None,
    progress: Callable[[str], None] = print,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
    allow_incomplete: bool = False,
    areas: bool = False,
    month: str | None = None,
) -> RunSummary:
    """Materialise every asset over `sources_dir`: unpartitioned ingestion, each round, metrics, with `areas` the
    area updates of `month` (default: the latest month past its POA reporting deadline) into
    `publish_dir/areas/<month>/`, then the products of `week` (default: the last complete ISO week, as the Monday
    schedule) into `publish_dir/<week>/`."""
    started = time.perf_counter()
    week = parse_week(week) if week else last_complete_week(date.today())
    week_key = week_partition_key(week)
    _check_edition_week(week, week_key)
    sources_dir, publish_dir = Path(sources_dir).resolve(), Path(publish_dir).resolve()
    # Settings are checked before anything runs: a misspelt key or a wrong type stops here with a SettingsError.
    settings = load_settings(sources_dir)
    workers_wanted()  # DS_ROUND_WORKERS, when set, is a count: checked before anything runs
    if areas or month:
        deadline_day = int((settings.get("poa", {}) or {}).get("deadline_day", 10))
        month = parse_report_month(month) if month else latest_complete_area_month(date.today(), deadline_day)
        _check_area_month(month)
    registry = load_registry(sources_dir)
    present_files(sources_dir, registry)  # raises, naming the folder, before the warehouse or instance is touched
    sweep_orphans()  # scratch folders of publishes that were killed
    scratch = ExitStack()
    if database_url is None:
        folder = scratch.enter_context(scratch_folder("ds-pipeline-warehouse-"))
        database_url = f"sqlite:///{folder}/warehouse.db"
    assets_dir = Path(database_url.removeprefix("sqlite:///")).parent if database_url.startswith("sqlite") else None
    env = {
        "DS_SOURCES_DIR": str(sources_dir),
        "DS_PUBLISH_DIR": str(publish_dir),
        "DS_DATABASE_URL": database_url,
        "DS_ASSETS_DIR": str(assets_dir or Path(tempfile.gettempdir()) / "ds-pipeline-assets"),
        "DS_ALLOW_INCOMPLETE": "1" if allow_incomplete else "0",  # sections without input say why, not block
    }
    summary = RunSummary(week=week, rounds=[])
    lock = warehouse_lock(database_url, lock_timeout, progress)  # one publish at a time, for the whole run
    try:
        with lock, environment(env), _instance(instance_dir) as instance:
            present = present_files(sources_dir, registry)  # again: the files may have changed while waiting
            rounds = summary.rounds = rounds_present(registry, present)
            from ds_pipeline.definitions import defs as load_definitions
            from ds_pipeline.defs import jobs

            definitions = load_definitions()
            scratch.enter_context(long_lived_heap())  # the runs made here collect their own garbage only
            round_assets = sorted(definitions.resolve_job_def(jobs.round_job.name).asset_layer.selected_asset_keys)

            def group(key: dg.AssetKey) -> str:
                return definitions.resolve_assets_def(key).group_names_by_key[key]

            new_rounds = [r for r in rounds if not instance.has_dynamic_partition("rounds", r)]
            instance.add_dynamic_partitions("rounds", new_rounds)
            engine = make_engine(database_url)
            raw_tables = ["__".join(k.path) for k in round_assets if group(k) == "raw"]  # seen before
            stored = stored_partitions(engine, raw_tables, "round_id", "source_id")
            summary.withdrawn = withdrawn_rounds(registry, present, stored)
            summary.late = late_rounds(registry, present, stored)
            for late in summary.late:
                progress(f"  {late.render()}")
            for withdrawal in summary.withdrawn:
                progress(f"  {withdrawal.render()}")
                if not withdrawal.whole_round:
                    continue  # re-running the round replaces its rows without that source's
                if instance.has_dynamic_partition("rounds", withdrawal.round_id):
                    instance.delete_dynamic_partition("rounds", withdrawal.round_id)
                for key in sorted(round_assets, key=lambda k: group(k) == "raw"):  # raw last: records it
                    delete_partitions(engine, "__".join(key.path), "round_id", [withdrawal.round_id])
            record_fingerprints(engine, {}, forget=[w.round_id for w in summary.withdrawn])
            fingerprints = round_fingerprints(sources_dir, registry, present, settings)
            stored_prints = stored_fingerprints(engine)
            up_to_date = {r for r, fingerprint in stored_prints.items()
                          if fingerprints.get(r) == fingerprint and any(r in s for s in stored.values())}
            ingest_tables = ["__".join(k.path) for k in
                             definitions.resolve_job_def(jobs.ingest_job.name).asset_layer.selected_asset_keys]
            ingest_up_to_date = stored_prints.get(INGEST_KEY) == fingerprints[INGEST_KEY] and all(
                table_exists(engine, t) for t in ingest_tables)
            # the metrics read from the ingestion alone depend on what it depends on: up to date with it
            metrics_job = definitions.resolve_job_def(jobs.metrics_job.name)
            whole_metrics = metrics_of_sources_read_whole(definitions, metrics_job, ingest_tables)
            fingerprints[WHOLE_METRICS_KEY] = fingerprints[INGEST_KEY]
            summary.whole_metrics_unchanged = bool(whole_metrics) and ingest_up_to_date and (
                stored_prints.get(WHOLE_METRICS_KEY) == fingerprints[WHOLE_METRICS_KEY]) and all(
                table_exists(engine, "__".join(k.path)) for k in whole_metrics)
            engine.dispose()
            publish_pid, instance_ref = os.getpid(), instance.get_ref()

            def launch(label: str, job: dg.UnresolvedAssetJobDefinition, partition_key: str | None = None,
                       partition_range: tuple[str, str] | None = None,
                       assets: Sequence[dg.AssetKey] = ()) -> str | None:
                """Launch one of the pipeline's jobs (defs/jobs.py) in this instance, as the schedules do; with
                `partition_range`, one run over that range of partitions (as a single-run backfill does). Returns
                None when it succeeded, else the one line saying why not. In a process forked from this one
                (side_by_side.py), the run goes through an instance of its own on the same storage."""
                definition = definitions.resolve_job_def(job.name)
                tags = {RANGE_START: partition_range[0], RANGE_END: partition_range[1]} if partition_range else None
                if os.getpid() == publish_pid:
                    result = execute_stage(definition, instance, partition_key, tags, assets)
                else:
                    with dg.DagsterInstance.from_ref(instance_ref) as own:
                        result = execute_stage(definition, own, partition_key, tags, assets)
                return None if result.success else failure_message(label, result)

            def done(label: str, job: dg.UnresolvedAssetJobDefinition, seconds: float, assets: int = 0) -> None:
                summary.stages.append((label, seconds))
                summary.jobs.append(job.name)
                assets = assets or len(definitions.resolve_job_def(job.name).asset_layer.selected_asset_keys)
                progress(f"  {label}: {assets} assets in {seconds:.1f} s")

            def stage(label: str, job: dg.UnresolvedAssetJobDefinition, partition_key: str | None = None,
                      assets: Sequence[dg.AssetKey] = ()) -> None:
                t0 = time.perf_counter()
                failure = launch(label, job, partition_key, assets=assets)
                if failure is not None:
                    raise PipelineError(failure)
                done(label, job, time.perf_counter() - t0, len(assets))

            def forget(keys: list[str]) -> None:
                """Drop the stored fingerprints of `keys` before their stage runs: a run that fails half-way is
                never taken for up to date; they are recorded again once it succeeded (`remember`)."""
                engine = make_engine(database_url)
                record_fingerprints(engine, {}, forget=keys)
                engine.dispose()

            def remember(keys: list[str]) -> None:
                engine = make_engine(database_url)
                record_fingerprints(engine, {k: fingerprints[k] for k in keys})  # skipped until they change
                engine.dispose()

            to_run = [r for r in rounds if r not in up_to_date]
            summary.unchanged = [r for r in rounds if r in up_to_date]
            sizes: dict[str, int] = {}  # bytes of each round's files: a run holds its rounds' rows in memory
            for source_files in present.values():
                for source_file in source_files:
                    if source_file.round_id:
                        size = (sources_dir / source_file.relative_path).stat().st_size
                        sizes[source_file.round_id] = sizes.get(source_file.round_id, 0) + size
            batches = contiguous_ranges(to_run, instance.get_dynamic_partitions("rounds"), ROUNDS_PER_RUN, sizes)
            total = 3 + len(batches) + (1 if month else 0)
            # The ingestion in two runs of its job: the gazetteer first (every round conforms to it), then the 4W,
            # POA workbooks and survey, side by side with the rounds
            ingest_keys = definitions.resolve_job_def(jobs.ingest_job.name).asset_layer.selected_asset_keys
            gazetteer = sorted(k for k in ingest_keys if k.path[-1].startswith("gazetteer_"))
            other_sources = sorted(set(ingest_keys) - set(gazetteer))
            tasks = []
            if ingest_up_to_date:
                progress(f"[1/{total}] gazetteer, 4W, POA workbooks, survey: up to date (files, settings, registry "
                         "and code unchanged since they were stored), not run again")
                summary.ingest_unchanged = True
            else:
                progress(f"[1/{total}] gazetteer, 4W, POA workbooks, survey: read, validate, conform")
                forget([INGEST_KEY])
                stage("ingest: gazetteer", jobs.ingest_job, assets=gazetteer)
                tasks.append(Task(OTHER_SOURCES, partial(launch, OTHER_SOURCES, jobs.ingest_job, assets=other_sources)))
            if summary.unchanged:
                progress(f"  rounds up to date (files, gazetteer, settings, registry and code unchanged since they "
                         f"were stored), not run again: {', '.join(summary.unchanged)}")
            # With fewer runs than workers (one new round), a range's DTM and Return Index chains, which read
            # nothing of each other, are runs of their own side by side
            round_job = definitions.resolve_job_def(jobs.round_job.name)
            parts = (independent_parts(round_job, definitions) if len(tasks) + len(batches) < workers_wanted()
                     else [sorted(round_job.asset_layer.selected_asset_keys)])
            step = {}  # the [i/total] and rounds of each round range (a part of it), in the order of the ranges
            running: dict[str, int] = {}  # parts of a range not finished yet, by the range's label
            begun: set[str] = set()  # ranges whose first part started
            for i, batch in enumerate(batches, start=2):
                named = batch[0] if len(batch) == 1 else f"{batch[0]}–{batch[-1]} ({len(batch)} rounds)"
                running[f"round {named}"] = len(parts)
                for keys in parts:
                    kinds = sorted({k.path[-1].removesuffix("_raw") for k in keys if k.path[-1].endswith("_raw")})
                    label = f"round {named}" + (f": {', '.join(kinds)}" if len(parts) > 1 else "")
                    step[label] = (i, f"round {named}", batch, keys)
                    # one round is a run of its partition, as the sensor launches it (a range costs Dagster more
                    # partition look-ups); several, one run over their range, as a single-run backfill does
                    one = ({"partition_key": batch[0]} if len(batch) == 1
                           else {"partition_range": (batch[0], batch[-1])})
                    assets = keys if len(parts) > 1 else ()
                    tasks.append(Task(label, partial(launch, label, jobs.round_job, assets=assets, **one)))

            # The criteria, POA and service metrics read only the sources read whole: with runs side by side they go
            # beside the rounds as soon as those are stored, in the worker the rounds leave free at the end
            whole_beside_rounds = bool(whole_metrics) and not summary.whole_metrics_unchanged and workers_wanted() > 1
            whole_label = metrics_label(definitions, whole_metrics)
            if whole_beside_rounds:
                forget([WHOLE_METRICS_KEY])
                tasks.append(Task(whole_label, partial(launch, whole_label, jobs.metrics_job, assets=whole_metrics),
                                  after=None if ingest_up_to_date else OTHER_SOURCES))

            def round_started(task: Task) -> None:
                if task.label in step:
                    i, named, batch, _ = step[task.label]
                    if named not in begun:  # the range's first part
                        begun.add(named)
                        progress(f"[{i}/{total}] {named}: read, validate, conform, metrics")
                        forget(batch)

            def round_done(task: Task, seconds: float) -> None:
                if task.label == OTHER_SOURCES:
                    done(task.label, jobs.ingest_job, seconds, len(other_sources))
                    remember([INGEST_KEY])
                    return
                if task.label == whole_label:
                    done(task.label, jobs.metrics_job, seconds, len(whole_metrics))
                    remember([WHOLE_METRICS_KEY])
                    return
                _, named, batch, keys = step[task.label]
                done(task.label, jobs.round_job, seconds, len(keys))
                running[named] -= 1
                if running[named] == 0:  # every part of the range succeeded
                    remember(batch)

            # The renderer's preparation counts as one more task: a single round run goes to a process of its own
            # too, while this process imports the renderer (its forks and the products inherit it)
            failure = run_side_by_side(tasks, workers_for(len(tasks) + 1), round_started, round_done,
                                       meanwhile=prepare_renderer)
            if failure is not None:
                raise PipelineError(failure)
            progress(f"[{len(batches) + 2}/{total}] metrics over all rounds and data quality")

            def metrics_done(share: dict[str, list[dg.AssetKey]], task: Task, seconds: float) -> None:
                done(task.label, jobs.metrics_job, seconds, len(share[task.label]))

            workers = workers_wanted()
            # the products' validation process imports while the metrics run (not when the area updates, which
            # render side by side, come in between: it would wait through them, holding its memory)
            ahead = start_validation_ahead if not month else lambda: None
            metric_keys = sorted(metrics_job.asset_layer.selected_asset_keys)
            if summary.whole_metrics_unchanged:
                progress("  criteria, POA and service coverage metrics up to date (computed from the sources read "
                         "whole, which are), not run again")
            if summary.whole_metrics_unchanged or whole_beside_rounds:  # not run again, or run beside the rounds
                metric_keys = sorted(set(metric_keys) - set(whole_metrics))
            else:
                forget([WHOLE_METRICS_KEY])
            if workers <= 1:
                ahead()
                stage("metrics", jobs.metrics_job, assets=metric_keys)
            else:  # its steps in waves, the runs of a wave side by side (each step after the steps it reads from)
                waves = job_waves(metrics_job, definitions, workers, metric_keys)
                for number, wave in enumerate(waves):
                    if number == len(waves) - 1:
                        ahead()  # beside the last wave, which leaves a core free
                    share = {metrics_label(definitions, keys): keys for keys in wave}
                    failure = run_side_by_side(
                        [Task(label, partial(launch, label, jobs.metrics_job, assets=keys))
                         for label, keys in share.items()],
                        len(share), lambda _task: None,
                        partial(metrics_done, share))
                    if failure is not None:
                        raise PipelineError(failure)
            if not summary.whole_metrics_unchanged and not whole_beside_rounds:
                remember([WHOLE_METRICS_KEY])
            engine = make_engine(database_url)
            summary.inventory = read_table(engine, "source_inventory")
            engine.dispose()
            if month:
                progress(f"[{total - 1}/{total}] area updates for {month}")
                stage(f"products: area updates {month}", jobs.area_updates_job, f"{month}-01")
            progress(f"[{total}/{total}] products for {week}")
            stage(f"products {week}", jobs.weekly_products_job, week_key)
    finally:
        stop_validation_ahead()  # not used when a stage failed before the products
        scratch.close()
    edition_dir = publish_dir / week
    summary.products = sorted(p for p in edition_dir.glob("*") if p.is_file()) if edition_dir.is_dir() else []
    areas_dir = publish_dir / "areas" / (month or "")
    if month and areas_dir.is_dir():
        summary.products += sorted(p for p in areas_dir.glob("*") if p.is_file())
    summary.feedback = sorted((publish_dir / "feedback").glob("*.txt"))
    summary.seconds = time.perf_counter() - started
    return summary
