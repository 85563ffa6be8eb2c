"""Performance benchmark: generate the demo sources at several scales and time the whole pipeline on each.

Scale 1 is Iraq at national scale (about 5,000 DTM locations per round); scale 10 is ten times that. Each scale
runs in its own child process, in a fresh temporary folder, with a throwaway SQLite warehouse and a throwaway
Dagster instance, so the peak memory of one scale never leaks into another. Progress goes to stderr; the results
go to stdout as a Markdown table (and to `--json FILE` if given).

    .venv/bin/python scripts/benchmark.py [--scales 1,10] [--rounds 8] [--week 2026-W47] [--keep DIR]
        [--json FILE] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

DEFAULT_WEEK = "2026-W47"
DEFAULT_SEED = 20261122  # the demo generator's default seed, so scale 1 is the bundled demo

COLUMNS = [
    ("scale", "scale"),
    ("dtm_rows_per_round", "DTM rows per round"),
    ("rows_read", "total rows read"),
    ("generate_s", "generate s"),
    ("ingest_s", "ingest s"),
    ("round_mean_s", "mean s per round"),
    ("metrics_s", "metrics s"),
    ("products_s", "products s"),
    ("total_s", "total s"),
    ("peak_mb", "peak MB"),
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def max_rss_mb(who: int) -> float:
    """Peak resident set size in MB of this process (RUSAGE_SELF) or of its waited-for children (Linux: KB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a file even if the writer is killed."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    scratch.replace(path)


# ---------------------------------------------------------------------------------------------------------------
# Child: one scale
# ---------------------------------------------------------------------------------------------------------------


def run_one_scale(scale: float, rounds: int, week: str, workdir: Path, result_path: Path) -> int:
    """Generate the demo sources at `scale` in `workdir`, run the pipeline, and write the measurements as JSON.

    The result file is rewritten after every stage, so if the process dies (killed for memory or time) the parent
    still knows which stages finished, how long they took and which stage was running."""
    from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
    from ds_pipeline.run import run_pipeline

    label = scale_label(scale)
    result: dict[str, Any] = {
        "scale": scale, "rounds": rounds, "week": week, "status": "running", "stage": "generate",
        "stage_started_at": time.time(), "stages": {}, "pid": os.getpid(),
    }
    write_json(result_path, result)

    sources, publish = workdir / "sources", workdir / "published"
    for stale in (workdir / "warehouse.db", workdir / "dagster", publish):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    copy_demo_config(sources)
    log(f"[scale {label}] generating demo sources ({rounds} rounds)")
    t0 = time.perf_counter()
    manifest = generate_demo_sources(sources, seed=DEFAULT_SEED, scale=scale, rounds=rounds)
    result["generate_s"] = time.perf_counter() - t0
    result["generate_peak_mb"] = max_rss_mb(resource.RUSAGE_SELF)
    result["peak_mb_after_stage"] = {"generate": result["generate_peak_mb"]}
    result["generated_rows"] = {source_id: info["rows"] for source_id, info in manifest["sources"].items()}
    log(f"[scale {label}]   generate: {sum(result['generated_rows'].values()):,} rows in {result['generate_s']:.1f} s")

    stage_clock = {"label": "", "t0": time.perf_counter()}

    def progress(message: str) -> None:
        text = message.strip()
        if text.startswith("[") and "]" in text:  # "[i/n] what": a stage starts
            stage_clock["label"], stage_clock["t0"] = text.split("] ", 1)[-1], time.perf_counter()
            result["stage"], result["stage_started_at"] = stage_clock["label"], time.time()
        elif " assets in " in text:  # "label: N assets in X s": it finished
            stage, _ = text.split(":", 1)
            result["stages"][stage] = time.perf_counter() - stage_clock["t0"]
            result["peak_mb_after_stage"][stage] = max_rss_mb(resource.RUSAGE_SELF)
        result["peak_mb_so_far"] = max_rss_mb(resource.RUSAGE_SELF)
        write_json(result_path, result)
        log(f"[scale {label}] {message.rstrip()}")

    summary = run_pipeline(
        sources,
        publish,
        week=week,
        instance_dir=workdir / "dagster",
        database_url=f"sqlite:///{(workdir / 'warehouse.db').resolve()}",
        progress=progress,
    )

    inventory = summary.inventory
    dtm = inventory[inventory["kind"] == "displacement"]
    result.update(
        status="ok",
        stage="",
        stages={name: seconds for name, seconds in summary.stages},
        total_s=summary.seconds,
        rounds_run=summary.rounds,
        dtm_rows_per_round=float(dtm.groupby("round_id")["rows_read"].sum().mean()) if not dtm.empty else 0.0,
        rows_read=int(inventory["rows_read"].sum()),
        rows_accepted=int(inventory["rows_accepted"].sum()),
        rows_quarantined=int(inventory["rows_quarantined"].sum()),
        rows_by_source=inventory.groupby("source_id")[["rows_read", "rows_accepted", "rows_quarantined"]]
        .sum()
        .to_dict(orient="index"),
        published=[p.name for p in summary.products],
        peak_mb=max(max_rss_mb(resource.RUSAGE_SELF), max_rss_mb(resource.RUSAGE_CHILDREN)),
    )
    write_json(result_path, result)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Parent: one child per scale, then the table
# ---------------------------------------------------------------------------------------------------------------


def wait_child(proc: subprocess.Popen[bytes], timeout: float | None) -> tuple[int, float, bool]:
    """Wait for `proc` with os.wait4, which gives that child's own peak memory; kill its process group on timeout.

    Returns (exit code, peak MB of the child, timed out)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss / 1024, timed_out
        if deadline is not None and not timed_out and time.monotonic() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.25)


def measure_scale(scale: float, args: argparse.Namespace) -> dict[str, Any]:
    label = scale_label(scale)
    with tempfile.TemporaryDirectory(prefix=f"ds-benchmark-{label}-") as tmp:
        workdir = Path(args.keep) / f"scale-{label}" if args.keep else Path(tmp) / "run"
        workdir.mkdir(parents=True, exist_ok=True)
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable, str(Path(__file__).resolve()), "--one-scale", str(scale), "--rounds", str(args.rounds),
            "--week", args.week, "--workdir", str(workdir), "--result", str(result_path),
        ]
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sys.stderr, start_new_session=True)
        try:
            code, child_peak_mb, timed_out = wait_child(proc, args.timeout)
        except KeyboardInterrupt:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        elapsed = time.perf_counter() - started
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
    result.setdefault("scale", scale)
    result["peak_mb"] = max(result.get("peak_mb", 0.0), child_peak_mb)
    result["child_wall_s"] = elapsed
    if code != 0 or result.get("status") != "ok":
        if timed_out:
            reason = f"killed after the {args.timeout:g} s time limit"
        elif code < 0:
            reason = f"killed by signal {signal.Signals(-code).name}"
        else:
            reason = result.get("error") or f"exit code {code}"
        running = result.get("stage") or "?"
        since = time.time() - result["stage_started_at"] if "stage_started_at" in result else float("nan")
        result.update(status="failed", failure=f"{reason}, during '{running}' ({since:.0f} s into it)")
        log(f"[scale {label}] FAILED: {result['failure']}; peak {result['peak_mb']:.0f} MB")
    else:
        for transient in ("stage", "stage_started_at", "peak_mb_so_far", "pid"):
            result.pop(transient, None)
        log(f"[scale {label}] done in {result['total_s']:.1f} s, peak {result['peak_mb']:.0f} MB")
    stages = result.get("stages", {})
    round_times = [s for name, s in stages.items() if name.startswith("round ")]
    result["ingest_s"] = stages.get("ingest")
    result["round_mean_s"] = sum(round_times) / len(round_times) if round_times else None
    result["metrics_s"] = stages.get("metrics")
    result["products_s"] = next((s for name, s in stages.items() if name.startswith("products")), None)
    return result


def markdown_table(results: list[dict[str, Any]]) -> str:
    def cell(key: str, value: Any) -> str:
        if value is None:
            return "—"
        if key == "scale":
            return scale_label(value)
        if key in ("dtm_rows_per_round", "rows_read"):
            return f"{value:,.0f}"
        if key == "peak_mb":
            return f"{value:,.0f}"
        return f"{value:,.1f}"

    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---:|" * len(COLUMNS)]
    for r in results:
        cells = [cell(key, r.get(key)) for key, _ in COLUMNS]
        if r.get("status") != "ok":
            cells[COLUMNS.index(("total_s", "total s"))] = f"failed: {r.get('failure', '?')}"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


CHECK_ROWS = 10_000


def measure_check(workdir: Path, rows: int = CHECK_ROWS) -> dict[str, Any]:
    """Wall time and peak memory of `ds-pipeline check --format json` on a partner 4W of `rows` rows (2% bad), run
    as a user would: a fresh process, Python start-up included."""
    from ds_pipeline.lib.iraq_cod_ab import DISTRICTS

    path = workdir / "partner_4w_10k.csv"
    sectors, statuses = ("WASH", "Protection", "Food Security", "Education", "Health"), ("Ongoing", "Completed")
    lines = ["org_acronym,sector_code,admin1_pcode,admin2_pcode,activity,status,people_targeted,people_reached,"
             "period_start,period_end"]
    for i in range(rows):
        code = DISTRICTS[i % len(DISTRICTS)][0]
        reached = "many" if i % 50 == 0 else str(50 + i % 400)  # every 50th row is not a number
        lines.append(f"NGO-{i % 80},{sectors[i % 5]},{code[:5]},{code},Activity {i % 30},{statuses[i % 2]},"
                     f"{100 + i % 500},{reached},2026-0{1 + i % 9}-01,2026-1{i % 2}-28")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ds_pipeline.cli", "check", str(path), "--kind", "service_mapping",
                           "--format", "json"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    report = json.loads(proc.stdout)[0]
    return {"rows": rows, "exit_code": proc.returncode, "seconds": round(seconds, 2),
            "peak_mb": round(max_rss_mb(resource.RUSAGE_CHILDREN), 1), "rows_accepted": report["rows_accepted"],
            "rows_quarantined": report["rows_quarantined"]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="comma-separated demo scales (1 = Iraq at national scale)")
    parser.add_argument("--rounds", type=int, default=8, help="DTM rounds to generate and run")
    parser.add_argument("--week", default=DEFAULT_WEEK, help="ISO week of the products (YYYY-Www)")
    parser.add_argument("--keep", metavar="DIR", help="keep each scale's sources, warehouse and products in DIR")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--timeout", type=float, help="seconds after which a scale's run is killed (default: none)")
    parser.add_argument("--one-scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one_scale is not None:
        result_path = Path(args.result)
        try:
            return run_one_scale(args.one_scale, args.rounds, args.week, Path(args.workdir), result_path)
        except Exception as error:  # recorded for the parent, which reports it in the table
            traceback.print_exc()
            partial = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
            partial.update(status="failed", error=f"{type(error).__name__}: {error}")
            write_json(result_path, partial)
            return 1

    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    results = []
    for scale in scales:
        log(f"== scale {scale_label(scale)}: {args.rounds} rounds, products for {args.week}")
        results.append(measure_scale(scale, args))
    print(markdown_table(results))
    with tempfile.TemporaryDirectory(prefix="ds-bench-check-") as tmp:
        check = measure_check(Path(tmp))
    print(f"\n`ds-pipeline check` on a {check['rows']:,}-row 4W: {check['seconds']} s, {check['peak_mb']} MB peak "
          f"(exit {check['exit_code']}: {check['rows_accepted']:,} accepted, {check['rows_quarantined']:,} "
          "quarantined)")
    if args.json:
        write_json(Path(args.json), {"rounds": args.rounds, "week": args.week, "cpus": os.cpu_count(),
                                     "results": results, "check": check})
    return 0 if all(r.get("status") == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
