"""The benchmark's measurements, each run in a child process of its own (scripts/benchmark.py): a publish, an
incremental publish, a backfill, the floor, the PDF render alone and `ds-pipeline check` on a 10,000-row file.

Each returns a JSON-able dict with at least `seconds` (the measured wall time); the parent adds the child's peak
memory (os.wait4), so one measurement's memory never leaks into another's.
"""

from __future__ import annotations

import json
import pickle
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SEED = 20261122  # the demo generator's default seed, so scale 1 is the bundled demo
CHECK_ROWS = 10_000
EDITION_FILE, HTML_FILE = "edition.pickle", "brief.html"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(sources: Path, scale: float, rounds: int) -> dict[str, Any]:
    """The demo sources at `scale` with `rounds` DTM rounds in `sources` (reused when already generated so)."""
    from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources

    manifest_path = sources / "files" / "demo_manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("scale") == scale and len(manifest.get("rounds", [])) == rounds:
            return {"generate_s": 0.0, "generated_rows": sum(s["rows"] for s in manifest["sources"].values())}
    copy_demo_config(sources)
    started = time.perf_counter()
    manifest = generate_demo_sources(sources, seed=DEFAULT_SEED, scale=scale, rounds=rounds)
    return {"generate_s": time.perf_counter() - started,
            "generated_rows": sum(s["rows"] for s in manifest["sources"].values())}


def _publish(sources: Path, workdir: Path, week: str, database_url: str | None, label: str) -> Any:
    from ds_pipeline.run import run_pipeline

    url = database_url or f"sqlite:///{(workdir / 'warehouse.db').resolve()}"
    return run_pipeline(sources, workdir / "published", week=week, instance_dir=workdir / "dagster",
                        database_url=url, progress=lambda message: log(f"[{label}] {message.rstrip()}"))


def _summary_facts(summary: Any) -> dict[str, Any]:
    inventory = summary.inventory
    dtm = inventory[inventory["kind"] == "displacement"]
    rounds = [seconds for name, seconds in summary.stages if name.startswith("round ")]
    return {
        "seconds": summary.seconds,
        "stages": dict(summary.stages),
        "rounds_run": len(summary.rounds),
        "round_jobs_s": sum(rounds),
        "dtm_rows_per_round": float(dtm.groupby("round_id")["rows_read"].sum().mean()) if not dtm.empty else 0.0,
        "rows_read": int(inventory["rows_read"].sum()),
        "rows_accepted": int(inventory["rows_accepted"].sum()),
        "rows_quarantined": int(inventory["rows_quarantined"].sum()),
        "published": [p.name for p in summary.products],
    }


def measure_publish(scale: float, rounds: int, week: str, workdir: Path, sources: Path,
                    database_url: str | None = None) -> dict[str, Any]:
    """`ds-pipeline publish` of every round into a fresh warehouse and Dagster instance (the sources generated
    first when they are not yet, untimed; scripts/benchmark.py generates them beforehand in a process of their
    own)."""
    result = generate(sources, scale, rounds)
    for stale in (workdir / "warehouse.db", workdir / "dagster", workdir / "published", workdir / "storage"):
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    summary = _publish(sources, workdir, week, database_url, f"publish scale {scale:g}")
    return {**result, **_summary_facts(summary)}


def measure_incremental(scale: float, rounds: int, week: str, workdir: Path) -> dict[str, Any]:
    """Publish `rounds - 1` rounds (the last round's files hidden), add the last round's files back, and publish
    again into the same warehouse and instance: only the second publish is timed."""
    from ds_pipeline.lib.registry import load_registry
    from ds_pipeline.lib.sources_folder import present_files, rounds_present

    sources, hidden = workdir / "sources", workdir / "hidden"
    result = generate(sources, scale, rounds)
    registry = load_registry(sources)
    present = present_files(sources, registry)
    last = rounds_present(registry, present)[-1]
    moved = sorted({f.relative_path for files in present.values() for f in files if f.round_id == last})
    for relative in moved:
        (hidden / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(sources / relative, hidden / relative)
    first = _publish(sources, workdir, week, None, f"incremental scale {scale:g}: {rounds - 1} rounds")
    for relative in moved:
        shutil.move(hidden / relative, sources / relative)
    second = _publish(sources, workdir, week, None, f"incremental scale {scale:g}: + {last}")
    return {**result, **_summary_facts(second), "new_round": last, "new_files": moved,
            "up_to_date_publish_s": first.seconds}


def measure_floor(scale: float, rounds: int, week: str, workdir: Path, sources: Path,
                  pipeline_dir: Path | None) -> dict[str, Any]:
    """The floor over `sources`; with the pipeline's publish of the same sources in `pipeline_dir`, its key figures
    (and, for information, every published table and the HTML brief) are compared with the pipeline's. The edition
    and its HTML are kept in `workdir` for the PDF measurement."""
    from benchmarks.floor import differing_tables, key_figure_mismatches, run_floor
    from ds_pipeline.lib.edition_calendar import week_partition_key

    result = run_floor(sources, week)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / EDITION_FILE).write_bytes(pickle.dumps(result.edition))
    (workdir / HTML_FILE).write_text(result.html, encoding="utf-8")
    facts: dict[str, Any] = {"seconds": result.total_s, "stages": result.stages, **result.rows}
    if pipeline_dir is not None:
        pack_path = pipeline_dir / "published" / week / result.edition.pack_name
        edition_path = pipeline_dir / "storage" / "weekly_edition" / week_partition_key(week)
        if not pack_path.exists():
            facts["key_figure_mismatches"] = [f"the pipeline's pack {pack_path.name} is missing: nothing to compare"]
            return facts
        pipeline_edition = pickle.loads(edition_path.read_bytes()) if edition_path.exists() else None
        facts["key_figure_mismatches"] = key_figure_mismatches(result, pack_path, pipeline_edition)
        facts["tables_differing"] = differing_tables(result, pack_path)
        brief = pack_path.parent / f"{result.edition.brief_stem}.html"
        facts["html_identical"] = brief.exists() and brief.read_text(encoding="utf-8") == result.html
        facts["compared_with"] = "pipeline edition object and pack" if pipeline_edition else "pipeline pack"
    return facts


def measure_pdf(floor_dir: Path) -> dict[str, Any]:
    """`render_brief_document` on the brief's HTML alone (edition and HTML from the floor's run), WeasyPrint
    imported before the clock starts, as a publish imports it while its round runs work."""
    from ds_pipeline.lib.products.brief import prepare_renderer, render_brief_document

    prepare_renderer()
    edition = pickle.loads((floor_dir / EDITION_FILE).read_bytes())
    html = (floor_dir / HTML_FILE).read_text(encoding="utf-8")
    started = time.perf_counter()
    pdf, pages = render_brief_document(html, edition)
    return {"seconds": time.perf_counter() - started, "pages": pages, "pdf_bytes": len(pdf)}


def measure_check(workdir: Path, rows: int = CHECK_ROWS) -> dict[str, Any]:
    """Wall time and peak memory of `ds-pipeline check --format json` on a partner 4W of `rows` rows (2% bad), run
    as a user would: a fresh process, Python start-up included."""
    from ds_pipeline.lib.iraq_cod_ab import DISTRICTS

    workdir.mkdir(parents=True, exist_ok=True)
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
    return {"rows": rows, "exit_code": proc.returncode, "seconds": seconds,
            "check_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "rows_accepted": report["rows_accepted"], "rows_quarantined": report["rows_quarantined"]}
