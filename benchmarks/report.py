"""The benchmark's results as a Markdown table with the machine it ran on, and as the one-line `bench:` summary."""

from __future__ import annotations

import math
import os
import platform
from typing import Any

# The keys of the `bench:` line, in order.
BENCH_KEYS = ("e2e_s", "peak_mb", "incremental_s", "scale10_ratio", "backfill24_s", "pdf_s", "check10k_s",
              "floor_ratio", "pg_ratio")
# What each measurement is, as the table names it.
TITLES = {
    "publish": "publish, fresh warehouse (SQLite)",
    "incremental": "incremental publish: one new round into an up-to-date warehouse",
    "backfill": "backfill: publish of {rounds} rounds into a fresh warehouse",
    "floor": "floor: library functions on data frames, no Dagster, no pandera, no SQL",
    "pdf": "PDF render of the brief alone",
    "check": "`ds-pipeline check` on a {rows:,}-row 4W",
    "publish_pg": "publish, fresh warehouse (PostgreSQL on loopback)",
}


def machine() -> dict[str, Any]:
    """CPU count, RAM and Python version of this machine."""
    ram_gb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram_gb = int(line.split()[1]) / 1024 / 1024
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "ram_gb": ram_gb, "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


def machine_line(info: dict[str, Any]) -> str:
    ram = f"{info['ram_gb']:.0f} GB RAM" if info.get("ram_gb") else "RAM unknown"
    return f"Machine: {info['cpus']} CPUs, {ram}, Python {info['python']} ({info['platform']})"


def _number(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}"


def markdown_table(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """One row per measurement: what, scale, rounds, wall time, peak memory, notes."""
    lines = [machine_line(info), "",
             "| measurement | scale | rounds | rows read | wall s | peak MB | notes |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        title = TITLES[r["name"]].format(rounds=r.get("rounds", ""), rows=r.get("rows", 0))
        notes = r.get("notes", "")
        if r.get("status") != "ok":
            notes = f"**failed**: {r.get('failure', '?')}"
        lines.append(f"| {title} | {r.get('scale', 1):g} | {r.get('rounds') or '—'} | "
                     f"{_number(r.get('rows_read'), 0)} | {_number(r.get('seconds'), 2)} | "
                     f"{_number(r.get('peak_mb'), 0)} | {notes} |")
    return "\n".join(lines)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def bench_values(results: list[dict[str, Any]], base_scale: float = 1.0, big_scale: float = 10.0) -> dict[str, Any]:
    """The values of the `bench:` line from the results (None where a measurement is missing or failed)."""

    def seconds(name: str, scale: float = base_scale) -> float | None:
        for r in results:
            if r["name"] == name and r.get("scale") == scale and r.get("status") == "ok":
                return r.get("seconds")
        return None

    peak = next((r.get("peak_mb") for r in results
                 if r["name"] == "publish" and r.get("scale") == base_scale and r.get("status") == "ok"), None)
    e2e = seconds("publish")
    return {
        "e2e_s": e2e,
        "peak_mb": peak,
        "incremental_s": seconds("incremental"),
        "scale10_ratio": _ratio(seconds("publish", big_scale), e2e),
        "backfill24_s": seconds("backfill"),
        "pdf_s": seconds("pdf"),
        "check10k_s": seconds("check"),
        "floor_ratio": _ratio(e2e, seconds("floor")),
        "pg_ratio": _ratio(seconds("publish_pg"), e2e),
    }


def bench_line(values: dict[str, Any]) -> str:
    """`bench: e2e_s=… peak_mb=… …`: every key of BENCH_KEYS in order; ratios and short times with 2 decimals,
    longer times and memory with 1; a missing value is `n/a`."""
    parts = []
    for key in BENCH_KEYS:
        value = values.get(key)
        decimals = 2 if key.endswith("_ratio") or key in ("pdf_s", "check10k_s") else 1
        text = "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{decimals}f}"
        parts.append(f"{key}={text}")
    return "bench: " + " ".join(parts)
