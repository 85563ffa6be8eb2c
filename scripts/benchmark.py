"""Performance benchmark: time the pipeline's publishes against the floor of the same work, at several scales.

Scale 1 is Iraq at national scale (about 5,000 DTM locations per round); scale 10 is ten times that. At every scale:
the full publish into a fresh SQLite warehouse and Dagster instance, and the floor (benchmarks/floor.py: the same
library functions on data frames, no Dagster, no pandera validation, no warehouse), whose key figures must equal
the publish's. At the first scale also: an incremental publish (one new round into an up-to-date warehouse), a
backfill (a publish of 24 rounds into a fresh warehouse), the PDF render of the brief alone, `ds-pipeline check`
on a 10,000-row file, and the publish on PostgreSQL (a throwaway server on loopback, scripts/test-postgres.sh).

Each measurement runs in a child process of its own, so its peak memory is its own: the peak of the summed PSS of
the child and every process it started, sampled every 0.5 s (benchmarks/memory.py), and never less than the
largest single process's resident set (os.wait4). Progress goes to stderr; stdout gets a Markdown table headed by
the machine it ran on, and its last line is the summary (one line):

    bench: e2e_s=… peak_mb=… incremental_s=… scale10_ratio=… backfill24_s=… pdf_s=… check10k_s=…
        floor_ratio=… pg_ratio=…

    .venv/bin/python scripts/benchmark.py [--scales 1,10] [--rounds 8] [--backfill-rounds 24] [--week 2026-W47]
        [--keep DIR] [--json FILE] [--timeout S] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import measure, memory  # noqa: E402
from benchmarks.report import bench_line, bench_values, machine, markdown_table  # noqa: E402

DEFAULT_WEEK = "2026-W47"
PG_SCRIPT = ROOT / "scripts" / "test-postgres.sh"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a file even if the writer is killed."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    scratch.replace(path)


# ---------------------------------------------------------------------------------------------------------------
# Child: one measurement
# ---------------------------------------------------------------------------------------------------------------


def run_child(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    sources = Path(args.sources) if args.sources else None
    if args.child == "generate":
        facts = measure.generate(Path(args.sources), args.scale, args.rounds)
        return {**facts, "seconds": facts["generate_s"]}
    if args.child == "publish":
        return measure.measure_publish(args.scale, args.rounds, args.week, workdir, sources, args.database_url)
    if args.child == "incremental":
        return measure.measure_incremental(args.scale, args.rounds, args.week, workdir)
    if args.child == "floor":
        pipeline_dir = Path(args.pipeline_dir) if args.pipeline_dir else None
        return measure.measure_floor(args.scale, args.rounds, args.week, workdir, sources, pipeline_dir)
    if args.child == "pdf":
        return measure.measure_pdf(workdir)
    if args.child == "check":
        return measure.measure_check(workdir)
    raise ValueError(f"unknown measurement {args.child!r}")


# ---------------------------------------------------------------------------------------------------------------
# Parent: one child per measurement, then the table and the bench line
# ---------------------------------------------------------------------------------------------------------------


def wait_child(proc: subprocess.Popen[bytes], timeout: float | None) -> tuple[int, float, bool]:
    """Wait for `proc`, sampling the memory of its process tree (benchmarks/memory.py) every 0.5 s (each sample
    walks /proc and the tree's page tables: more often, it takes CPU from the measurement); kill its process group on
    timeout.

    Returns (exit code, peak MB of the child and its descendants, timed out): the sampled peak of their summed
    PSS, or the largest single process's peak resident set (os.wait4) when that is more."""
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out, sampled = False, memory.available()
    tree_peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, max(tree_peak, usage.ru_maxrss / 1024), timed_out
        if sampled:
            tree_peak = max(tree_peak, memory.tree_mb(proc.pid))
        if deadline is not None and not timed_out and time.monotonic() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.5)


def measure_in_child(name: str, scale: float, rounds: int, args: argparse.Namespace, workdir: Path,
                     child: str | None = None, **options: str) -> dict[str, Any]:
    """Run one measurement (`child`: which one, default `name`) in a fresh child process; its result, with the
    child's peak memory and wall time."""
    workdir.mkdir(parents=True, exist_ok=True)
    result_path = workdir.parent / f"{workdir.name}.result.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", child or name, "--scale", str(scale),
               "--rounds", str(rounds), "--week", args.week, "--workdir", str(workdir), "--result", str(result_path)]
    for option, value in options.items():
        command += [f"--{option.replace('_', '-')}", value]
    log(f"== {name}, scale {scale:g}, {rounds} rounds")
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=sys.stderr, start_new_session=True)
    try:
        code, peak_mb, timed_out = wait_child(proc, args.timeout)
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
    result.update(name=name, scale=scale, rounds=rounds, peak_mb=peak_mb, child_wall_s=time.perf_counter() - started)
    if code != 0 or result.get("status") != "ok":
        reason = (f"killed after the {args.timeout:g} s time limit" if timed_out
                  else f"killed by signal {signal.Signals(-code).name}" if code < 0
                  else result.get("error") or f"exit code {code}")
        result.update(status="failed", failure=reason)
        log(f"   FAILED: {reason}")
    else:
        log(f"   {result['seconds']:.2f} s, peak {peak_mb:.0f} MB")
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def notes_of(result: dict[str, Any], publish: dict[str, Any] | None) -> str:
    """The table's notes for one measurement."""
    name = result["name"]
    if result.get("status") != "ok":
        return ""
    if name in ("publish", "publish_pg"):
        text = (f"{result['rows_accepted']:,} accepted, {result['rows_quarantined']:,} quarantined; "
                f"rounds {result['round_jobs_s']:.1f} s")
        if name == "publish_pg" and publish and publish.get("status") == "ok":
            text += f"; {result['seconds'] / publish['seconds']:.2f} × SQLite"
        return text
    if name == "incremental":
        return (f"+{result['new_round']} ({len(result['new_files'])} files); the {result['rounds'] - 1}-round "
                f"publish before it (untimed) took {result['up_to_date_publish_s']:.1f} s")
    if name == "backfill":
        return f"all {result['rounds_run']} round jobs: {result['round_jobs_s']:.1f} s"
    if name == "floor":
        if result.get("key_figure_mismatches"):
            return f"**KEY FIGURES DIFFER from the pipeline's** ({len(result['key_figure_mismatches'])})"
        if "key_figure_mismatches" not in result:
            return "not compared"
        same = "HTML brief identical" if result.get("html_identical") else "HTML brief differs"
        ratio = f"; publish / floor {publish['seconds'] / result['seconds']:.1f}" if publish and publish.get(
            "status") == "ok" else ""
        return (f"key figures = pipeline's; tables differing: {len(result.get('tables_differing', []))}; "
                f"{same}{ratio}")
    if name == "pdf":
        return f"{result['pages']} pages"
    if name == "check":
        return (f"Python start-up included; {result['rows_accepted']:,} accepted, {result['rows_quarantined']:,} "
                f"quarantined")
    return ""


def run_all(args: argparse.Namespace, root: Path) -> list[dict[str, Any]]:
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    results: list[dict[str, Any]] = []
    publishes: dict[float, dict[str, Any]] = {}
    base = scales[0]

    def generated(scale: float, rounds: int, sources: Path) -> None:
        """The demo's sources at `scale` generated in a process of their own, untimed: the measured process then
        holds only what it reads and builds, as a publish after `make demo`'s generation does."""
        measure_in_child("generate", scale, rounds, args, sources, sources=str(sources))

    def scale_runs(scale: float) -> None:
        folder = root / f"scale-{scale:g}"
        sources = folder / "sources"
        generated(scale, args.rounds, sources)
        publish = measure_in_child("publish", scale, args.rounds, args, folder / "pipeline", sources=str(sources))
        publishes[scale] = publish
        results.append(publish)
        options = {"sources": str(sources)}
        if publish.get("status") == "ok":
            options["pipeline_dir"] = str(folder / "pipeline")
        results.append(measure_in_child("floor", scale, args.rounds, args, folder / "floor", **options))

    scale_runs(base)
    if results[-1].get("status") == "ok":
        results.append(measure_in_child("pdf", base, args.rounds, args, root / f"scale-{base:g}" / "floor"))
    results.append(measure_in_child("check", base, 0, args, root / "check"))
    generated(base, args.rounds, root / "incremental" / "sources")
    results.append(measure_in_child("incremental", base, args.rounds, args, root / "incremental"))
    generated(base, args.backfill_rounds, root / "backfill" / "sources")
    results.append(measure_in_child("backfill", base, args.backfill_rounds, args, root / "backfill" / "pipeline",
                                    child="publish", sources=str(root / "backfill" / "sources")))
    if not args.no_postgres:
        results.append(measure_postgres(args, root, base))
    for scale in scales[1:]:
        scale_runs(scale)
    for result in results:
        result["notes"] = notes_of(result, publishes.get(result.get("scale")))
    return results


def measure_postgres(args: argparse.Namespace, root: Path, scale: float) -> dict[str, Any]:
    """The publish of the first scale into a throwaway PostgreSQL server of its own (own folder and port, so
    nobody else's test server is touched), stopped afterwards."""
    # its own folder beside (not inside) the private temporary folder: the server runs as the postgres user
    folder = Path(tempfile.gettempdir()) / f"ds-benchmark-postgres-{os.getpid()}"
    env = {**os.environ, "DS_TEST_PG_DIR": str(folder), "DS_TEST_PG_PORT": str(free_port())}
    started = subprocess.run(["bash", str(PG_SCRIPT), "start"], capture_output=True, text=True, env=env, check=False)
    url = started.stdout.strip().splitlines()[-1] if started.returncode == 0 and started.stdout.strip() else ""
    if not url:
        reason = (started.stderr.strip().splitlines() or ["no URL printed"])[-1]
        log(f"== publish_pg: PostgreSQL could not be started: {reason}")
        return {"name": "publish_pg", "scale": scale, "rounds": args.rounds, "status": "failed",
                "failure": f"PostgreSQL could not be started: {reason}"}
    try:
        sources = root / f"scale-{scale:g}" / "sources"
        return measure_in_child("publish_pg", scale, args.rounds, args, root / "postgres-run", child="publish",
                                sources=str(sources), database_url=url)
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop"], capture_output=True, env=env, check=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="comma-separated demo scales; the first gets every "
                        "measurement, the others the publish and the floor")
    parser.add_argument("--rounds", type=int, default=8, help="DTM rounds to generate and publish")
    parser.add_argument("--backfill-rounds", type=int, default=24, help="rounds of the backfill measurement")
    parser.add_argument("--week", default=DEFAULT_WEEK, help="ISO week of the products (YYYY-Www)")
    parser.add_argument("--keep", metavar="DIR", help="keep every measurement's sources, warehouse and products")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--timeout", type=float, help="seconds after which a measurement is killed (default: none)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL publish")
    for hidden in ("--child", "--workdir", "--result", "--sources", "--pipeline-dir", "--database-url"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        result_path = Path(args.result)
        try:
            facts = run_child(args)
            write_json(result_path, {**facts, "status": "ok"})
            return 0
        except Exception as error:  # recorded for the parent, which reports it in the table
            traceback.print_exc()
            write_json(result_path, {"status": "failed", "error": f"{type(error).__name__}: {error}"})
            return 1

    info = machine()
    with tempfile.TemporaryDirectory(prefix="ds-benchmark-") as tmp:
        root = Path(args.keep).resolve() if args.keep else Path(tmp)
        results = run_all(args, root)
    mismatches = [(r["scale"], p) for r in results if r["name"] == "floor" for p in r.get("key_figure_mismatches", [])]
    for scale, problem in mismatches:
        message = f"FLOOR MISMATCH at scale {scale:g}: the floor's key figures differ from the pipeline's: {problem}"
        log(message)
        print(message)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    values = bench_values(results, base_scale=scales[0], big_scale=scales[-1] if len(scales) > 1 else 10.0)
    if args.json:
        write_json(Path(args.json), {"week": args.week, "rounds": args.rounds, "machine": info, "results": results,
                                     "bench": values})
    print(markdown_table(results, info))
    print()
    print(bench_line(values))
    failed = mismatches or any(r.get("status") != "ok" and r["name"] != "publish_pg" for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
