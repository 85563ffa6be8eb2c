"""Run the whole asset graph over a sources folder with Dagster, stage by stage, and summarise what happened."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from ds_pipeline.lib.registry import discover_rounds, load_registry
from ds_pipeline.lib.warehouse import make_engine, prune_partitions, read_table

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
PRE_ROUND_GROUPS = ("raw", "validated", "conformed")
LOCAL_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "dagster.local.yaml"


class PipelineError(RuntimeError):
    """A stage of the run failed; the message names the stage and the failing steps."""


def iso_week_key(week: str) -> str:
    """Partition key (the Monday, YYYY-MM-DD) of an ISO week written YYYY-Www."""
    year, number = week.upper().split("-W")
    return date.fromisocalendar(int(year), int(number), 1).isoformat()


def current_iso_week(today: date | None = None) -> str:
    year, week, _ = (today or date.today()).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class RunSummary:
    week: str
    rounds: list[str]
    stages: list[tuple[str, float]] = field(default_factory=list)
    inventory: pd.DataFrame | None = None
    products: list[Path] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def render(self) -> str:
        lines = ["", f"Summary — edition {self.week}, rounds {', '.join(self.rounds) or 'none'}"]
        if self.inventory is not None and not self.inventory.empty:
            by_source = self.inventory.groupby("source_id", sort=True)[
                ["rows_read", "rows_accepted", "rows_quarantined"]
            ].sum()
            by_source["files"] = self.inventory.groupby("source_id").size()
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
def _environment(values: dict[str, str]) -> Iterator[None]:
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
        with tempfile.TemporaryDirectory(prefix="ds-pipeline-instance-") as tmp:
            with dg.DagsterInstance.local_temp(tempdir=tmp) as instance:
                yield instance
        return
    instance_dir.mkdir(parents=True, exist_ok=True)
    config = instance_dir / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_INSTANCE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    with _environment({"DAGSTER_HOME": str(instance_dir.resolve())}):
        with dg.DagsterInstance.get() as instance:
            yield instance


def run_pipeline(
    sources_dir: Path,
    publish_dir: Path,
    week: str | None = None,
    instance_dir: Path | None = None,
    database_url: str | None = None,
    progress: Callable[[str], None] = print,
) -> RunSummary:
    """Materialise every asset over `sources_dir`: unpartitioned ingestion, each round, metrics, then the
    products of `week` (default: the current ISO week) into `publish_dir/<week>/`."""
    started = time.perf_counter()
    week = week or current_iso_week()
    week_key = iso_week_key(week)
    sources_dir, publish_dir = Path(sources_dir).resolve(), Path(publish_dir).resolve()
    scratch = None
    if database_url is None:
        scratch = tempfile.TemporaryDirectory(prefix="ds-pipeline-warehouse-")
        database_url = f"sqlite:///{scratch.name}/warehouse.db"
    assets_dir = Path(database_url.removeprefix("sqlite:///")).parent if database_url.startswith("sqlite") else None
    env = {
        "DS_SOURCES_DIR": str(sources_dir),
        "DS_PUBLISH_DIR": str(publish_dir),
        "DS_DATABASE_URL": database_url,
        "DS_ASSETS_DIR": str(assets_dir or Path(tempfile.gettempdir()) / "ds-pipeline-assets"),
    }
    rounds = discover_rounds(sources_dir, load_registry(sources_dir))
    summary = RunSummary(week=week, rounds=rounds)
    try:
        with _environment(env), _instance(instance_dir) as instance:
            from ds_pipeline.definitions import defs as load_defs

            defs = load_defs()
            everything = [*defs.assets, *(defs.asset_checks or [])]
            keys = list(defs.resolve_all_asset_keys())
            spec = {k: defs.resolve_assets_def(k) for k in keys}

            def group(k: dg.AssetKey) -> str:
                return spec[k].group_names_by_key[k]

            unpartitioned_ingest = [k for k in keys if not spec[k].partitions_def and group(k) in PRE_ROUND_GROUPS]
            round_assets = [k for k in keys if isinstance(spec[k].partitions_def, dg.DynamicPartitionsDefinition)]
            later_metrics = [k for k in keys if not spec[k].partitions_def and group(k) not in PRE_ROUND_GROUPS]
            weekly = [k for k in keys if spec[k].partitions_def is not None and k not in round_assets]
            new_rounds = [r for r in rounds if not instance.has_dynamic_partition("rounds", r)]
            instance.add_dynamic_partitions("rounds", new_rounds)
            for stale in sorted(set(instance.get_dynamic_partitions("rounds")) - set(rounds)):
                instance.delete_dynamic_partition("rounds", stale)  # its files are gone from the folder
                progress(f"  round {stale}: no files any more, dropped")
            engine = make_engine(database_url)
            for key in round_assets:
                prune_partitions(engine, "__".join(key.path), "round_id", rounds)
            engine.dispose()

            def stage(label: str, selection: list[dg.AssetKey], partition_key: str | None = None) -> None:
                if not selection:
                    return
                t0 = time.perf_counter()
                result = dg.materialize(
                    everything,
                    selection=selection,
                    partition_key=partition_key,
                    instance=instance,
                    resources=defs.resources,
                    run_config=QUIET,
                    raise_on_error=False,
                )
                if not result.success:
                    failed = [e.step_key for e in result.all_events if e.is_step_failure]
                    raise PipelineError(f"{label} failed in step(s) {', '.join(failed) or '?'}; see the log above")
                seconds = time.perf_counter() - t0
                summary.stages.append((label, seconds))
                progress(f"  {label}: {len(selection)} assets in {seconds:.1f} s")

            total = 2 + len(rounds) + 1
            progress(f"[1/{total}] gazetteer, 4W, POA workbooks, survey: read, validate, conform")
            stage("ingest", unpartitioned_ingest)
            for i, round_id in enumerate(rounds, start=2):
                progress(f"[{i}/{total}] round {round_id}: read, validate, conform, metrics")
                stage(f"round {round_id}", round_assets, round_id)
            progress(f"[{total - 1}/{total}] metrics over all rounds and data quality")
            stage("metrics", later_metrics)
            engine = make_engine(database_url)
            summary.inventory = read_table(engine, "source_inventory")
            engine.dispose()
            progress(f"[{total}/{total}] products for {week}")
            stage(f"products {week}", weekly, week_key)
    finally:
        if scratch is not None:
            scratch.cleanup()
    edition_dir = publish_dir / week
    summary.products = sorted(p for p in edition_dir.glob("*") if p.is_file()) if edition_dir.is_dir() else []
    summary.feedback = sorted((publish_dir / "feedback").glob("*.txt"))
    summary.seconds = time.perf_counter() - started
    return summary
