"""The `ds-pipeline` command: generate demo sources, run and publish, check a file before dropping it, POA template."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def iso_week(text: str) -> str:
    """argparse type: an ISO week written YYYY-Www (2026-W47)."""
    from ds_pipeline.lib.edition_calendar import CalendarError, parse_week

    try:
        return parse_week(text)
    except CalendarError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def report_month(text: str) -> str:
    """argparse type: a reporting month written YYYY-MM (2026-11)."""
    from ds_pipeline.lib.edition_calendar import CalendarError, parse_report_month

    try:
        return parse_report_month(text.strip())
    except CalendarError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _generate_demo(args: argparse.Namespace) -> int:
    from ds_pipeline.lib.demo import copy_demo_config, generate_demo_sources
    from ds_pipeline.lib.registry import RegistryError
    from ds_pipeline.lib.settings import SettingsError

    out = Path(args.out)
    manifest = out / "files" / "demo_manifest.json"
    if args.if_absent and manifest.is_file():
        print(f"demo sources already in {out}/files (delete that folder to regenerate)")
        return 0
    try:
        if not (out / "registry").exists() and not (out / "settings.yaml").exists():  # a new folder: make it whole
            copy_demo_config(out)
            print(f"wrote the demo registry/ and settings.yaml into {out}")
        print(f"generating demo sources in {out}/files (seed {args.seed}, scale {args.scale}, {args.rounds} rounds)")
        result = generate_demo_sources(out, seed=args.seed, scale=args.scale, rounds=args.rounds)
    except (RegistryError, SettingsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the demo sources into {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for source_id, info in sorted(result["sources"].items()):
        print(f"  {source_id}: {len(info['files'])} files, {info['rows']:,} rows")
    print(f"  planted bad rows: {len(result['planted'])}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from ds_pipeline.lib.parallelism import WorkersError
    from ds_pipeline.lib.registry import RegistryError
    from ds_pipeline.lib.settings import SettingsError
    from ds_pipeline.lib.warehouse import WarehouseError
    from ds_pipeline.run import PipelineError, run_pipeline

    def stop(signum: int, _frame: object) -> None:
        # SIGTERM (a service manager stopping the run) unwinds like Ctrl-C: the warehouse lock is released and the
        # throwaway instance and warehouse folders are deleted; what was being published is not half-written
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        summary = run_pipeline(
            Path(args.sources),
            Path(args.out),
            week=args.week,
            instance_dir=Path(args.instance) if args.instance else None,
            database_url=args.database,
            lock_timeout=args.lock_timeout,
            allow_incomplete=args.allow_incomplete,
            areas=args.areas,
            month=args.month,
        )
    except (PipelineError, RegistryError, SettingsError, WarehouseError, WorkersError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (SystemExit, KeyboardInterrupt) as stopped:
        print("error: publish stopped before it finished; no product was half-written (each is as before or complete)",
              file=sys.stderr)
        return stopped.code if isinstance(stopped, SystemExit) and isinstance(stopped.code, int) else 130
    print(summary.render())
    return 0


def _check(args: argparse.Namespace) -> int:
    import json

    from ds_pipeline.lib.check_report import Checker, CheckOptions, CheckResult, write_accepted

    options = CheckOptions(
        sources=Path(args.sources) if args.sources else None,
        kind=args.kind,
        source=args.source,
        gazetteer=Path(args.gazetteer) if args.gazetteer else None,
    )
    checker = Checker(options)
    results: list[CheckResult] = []
    for path in args.files:
        result = checker.check(Path(path))
        results.append(result)
        if args.format == "text":
            print(result.render())
    if args.format == "json":
        print(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2, default=str))
    worst = max(r.exit_code for r in results)
    if args.accepted_out:
        try:
            write_accepted(results, Path(args.accepted_out))
        except OSError as exc:
            print(f"error: could not write {args.accepted_out}: {exc}", file=sys.stderr)
            return 2
    return worst


def _poa_template(args: argparse.Namespace) -> int:
    from ds_pipeline.lib.poa_template import (
        configured_area,
        poa_registry_entry,
        previous_report,
        submission_deadline,
        write_poa_template,
    )
    from ds_pipeline.lib.registry import load_registry
    from ds_pipeline.lib.settings import load_settings

    sources = Path(args.sources)
    try:
        entry = poa_registry_entry(load_registry(sources))
        settings = load_settings(sources)
        area = configured_area(settings, args.area)
        actions = previous_report(sources, area, args.month)
        write_poa_template(
            Path(args.out), area=area, month=args.month, registry_entry=entry, settings=settings, actions=actions
        )
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    deadline = submission_deadline(args.month, settings)
    print(f"{args.out}: POA template for {area}, {args.month} (due {deadline.isoformat()})")
    if actions.empty:
        print(f"  no earlier report of {area} in {sources}: the Actions sheet is left blank")
    else:
        month = actions["report_month"].iloc[0]
        print(f"  {len(actions)} actions carried over from the {month} report")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ds-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("generate-demo", help="write the deterministic demo source files")
    demo.add_argument("--out", default="sources/demo", help="sources folder (its registry/ and settings.yaml)")
    demo.add_argument("--seed", type=int, default=20261122)
    demo.add_argument("--scale", type=float, default=1.0, help="1.0 = Iraq at national scale")
    demo.add_argument("--rounds", type=int, default=8)
    demo.add_argument("--if-absent", action="store_true", help="do nothing if the demo files are already there")
    demo.set_defaults(handler=_generate_demo)

    publish = commands.add_parser("publish", help="run every asset over a sources folder and publish an edition")
    publish.add_argument("--sources", required=True, help="sources folder with registry/, settings.yaml, files/")
    publish.add_argument("--out", required=True, help="folder that receives <edition>/ with the brief and pack")
    publish.add_argument(
        "--week", type=iso_week,
        help="ISO week of the edition, YYYY-Www (default: the last complete week, as of the Sunday before today, "
        "as the Monday schedule publishes)",
    )
    publish.add_argument("--instance", help="Dagster instance folder to keep (default: a throwaway one)")
    publish.add_argument(
        "--database", help="warehouse SQLAlchemy URL (default: $DS_DATABASE_URL, else a throwaway SQLite file)"
    )
    publish.add_argument(
        "--lock-timeout", type=float, default=1800.0, metavar="SECONDS",
        help="how long to wait while another publish holds the warehouse lock before giving up (default: 1800)",
    )
    publish.add_argument(
        "--allow-incomplete", action="store_true",
        help="publish even if a section's required source has no accepted rows; the section says "
        "'No data in this edition' and why (default: publish nothing and exit 1)",
    )
    publish.add_argument(
        "--areas", action="store_true",
        help="also publish the area updates (each POA area, English and Arabic) of the latest month past its POA "
        "reporting deadline, into <out>/areas/<YYYY-MM>/, before the edition (its RWG pack includes them)",
    )
    publish.add_argument("--month", type=report_month,
                         help="report month of the area updates, YYYY-MM (implies --areas)")
    publish.set_defaults(handler=_publish)

    check = commands.add_parser("check", help="check files before dropping them: every rejected row and why")
    check.add_argument("files", nargs="+", help="files to check, anywhere on disk (nothing is loaded or moved)")
    check.add_argument("--sources", help="sources folder whose registry entry fits the file name (and whose "
                       "registered files the cross-file rules compare with)")
    check.add_argument("--kind", help="kind of the file when no registry entry fits: columns from the layout "
                       "presets, HXL hashtags or canonical names, whichever fits the header")
    check.add_argument("--source", help="registry entry to check the files against (default: by file name)")
    check.add_argument("--gazetteer", help="gazetteer file (HDX global p-codes layout or canonical columns) to "
                       "check p-codes and names against (default: the registered one, else the bundled Iraq "
                       "governorates and districts)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--accepted-out", help="write the rows that would load, as they would load, to this CSV")
    check.set_defaults(handler=_check)

    template = commands.add_parser(
        "poa-template", help="write the POA progress template of one area and month, pre-filled from its last report"
    )
    template.add_argument("--area", required=True, help="a POA area configured in the sources folder's settings.yaml")
    template.add_argument("--month", required=True, type=report_month, help="reporting month, YYYY-MM")
    template.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    template.add_argument(
        "--sources", default="sources/demo", help="sources folder: its registry, settings and earlier POA workbooks"
    )
    template.set_defaults(handler=_poa_template)

    args = parser.parse_args(argv)
    if getattr(args, "database", None) is None and args.command == "publish":
        import os

        args.database = os.environ.get("DS_DATABASE_URL")
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
