"""The ``crmlake`` command: demo data, pipeline runs, status and benchmarks.

    crmlake init   [--admin NAME]            a new company: settings folder + first admin login
    crmlake demo   --scale 1 --seed 42      write a demo landing zone
    crmlake demo   --next-day                add the next day's delivery to the demo landing zone
    crmlake demo   --serve-crm [--port 8765]  serve the demo's CRM as a local 销售易 OpenAPI
    crmlake extract crm [--entity E]          pull the CRM from its API into the landing zone
    crmlake run    [--select "key:raw/crm/*"] materialize everything (or a selection); nothing
                   [--full-refresh]           changed since the last run: says so, exits 0
    crmlake status [--json]                   what is loaded and published
    crmlake check  [LANDING_DIR] [--json]     would a landing zone load? (reads, writes nothing)
    crmlake bench  --scale 1 [--pages]        time every phase in a fresh directory (--pages: and every
                                              dashboard page's reads on the snapshot, tools.page_latency)
    crmlake prepare                           build the dbt manifest (install step)
    crmlake store upgrade|seed-demo-users|users|return-stale-leads  operational store upkeep
    crmlake users  add|passwd|disable|enable|list  logins of the apps (passwords never on the command line)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path

from kernel.runtime import ensure_dagster_home, export_settings_env

log = logging.getLogger("crmlake")


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from tools.demo import generate
    from tools.demo.settings import UserSettingsExist

    settings = export_settings_env()
    landing = Path(args.landing_dir).resolve() if args.landing_dir else settings.landing_dir
    config_dir = Path(args.config_dir).resolve() if args.config_dir else settings.config_dir
    started = time.perf_counter()
    if args.serve_crm:
        from tools.extract_cli import serve_crm

        return serve_crm(landing, args.port)
    if args.next_day:
        return _demo_next_day(landing, started)
    try:
        report = generate(landing, scale=args.scale, seed=args.seed, end_date=args.end_date,
                          config_dir=config_dir, overwrite_settings=args.overwrite_settings)
    except UserSettingsExist as exc:
        print(f"crmlake demo: {exc}", file=sys.stderr)
        return 2
    rows = report.rows_by_entity()
    print(
        f"wrote {len(report.files)} files, {sum(rows.values()):,} rows for "
        f"{len(rows)} entities to {landing} in {time.perf_counter() - started:.1f}s; "
        f"demo business settings in {config_dir}"
    )
    return 0


def _demo_next_day(landing: Path, started: float) -> int:
    """``crmlake demo --next-day``: the day after the latest delivery in a demo landing zone."""
    from tools.demo.next_day import NotADemoLandingZone, write_next_day

    try:
        report = write_next_day(landing)
    except NotADemoLandingZone as exc:
        print(f"crmlake demo --next-day: {exc}", file=sys.stderr)
        return 2
    rows = report.rows_by_entity()
    print(
        f"wrote the delivery of {report.day}: {len(report.files) - 1} new files, {sum(rows.values()):,} rows "
        f"for {sum(1 for n in rows.values() if n)} entities to {landing}, "
        f"and re-delivered {report.redelivered} ({report.files[report.redelivered]:,} rows) "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return 0


def _settings_problem(config_dir: Path) -> str | None:
    """The settings folder's first error (file, key, what is allowed), or None when it loads."""
    from kernel.config import ConfigError, load_business_settings

    try:
        load_business_settings(config_dir)
    except ConfigError as exc:
        return str(exc)
    return None


def cmd_run(args: argparse.Namespace) -> int:
    settings = export_settings_env()
    if (problem := _settings_problem(settings.config_dir)) is not None:
        print(f"crmlake run: business settings are not usable, nothing was run:\n  {problem}", file=sys.stderr)
        return 2
    from pipelines.run_what_changed import run_what_changed  # imports Dagster only if it runs

    ensure_dagster_home(settings)
    outcome = run_what_changed(settings, full_refresh=args.full_refresh, select=args.select)
    if not outcome.ran:
        return 0
    if not outcome.success:
        print(f"\nrun {outcome.run_id} FAILED after {outcome.seconds:.0f}s; nothing new was published.")
        print("Why:")
        for reason in outcome.reasons or ["(no step reported an error; see the log above)"]:
            print(f"  - {reason}")
        if outcome.warnings:
            print(f"Check warnings 检查警告 ({len(outcome.warnings)}):")
            for warning in outcome.warnings:
                print(f"  - {warning}")
        print("The previously published snapshot (if any) is still serving: `crmlake status`.")
        return 1
    print(f"run {outcome.run_id} succeeded in {outcome.seconds:.0f}s")
    if args.select is None and _is_demo(settings):  # demo data only: demo logins follow its people
        cmd_store(argparse.Namespace(action="seed-demo-users"))
    # the status lists the check warnings of this run, key conflicts, quarantine, ignored files
    return cmd_status(argparse.Namespace(json=False))


def cmd_status(args: argparse.Namespace) -> int:
    from kernel.publish_status import collect_status, format_status
    from tools.extract_cli import crm_api_status, format_crm_api_status

    settings = export_settings_env()
    status = collect_status(settings)
    status["crm_api"] = crm_api_status(settings)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2, default=str))
    else:
        print(format_status(status) + format_crm_api_status(status["crm_api"]))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a landing zone against the contract without loading it (exit 1: a file rejected)."""
    from kernel.settings import get_settings
    from pipelines.ingest.check import check_landing, format_report

    landing = Path(args.landing_dir) if args.landing_dir else get_settings().landing_dir
    try:
        report = check_landing(landing)
    except FileNotFoundError as exc:
        print(f"crmlake check: {exc}; pass the folder that holds crm/, erp/, callcenter/, partners/",
              file=sys.stderr)
        return 2
    print(report.to_json() if args.json else format_report(report))
    return report.exit_code


def cmd_prepare(args: argparse.Namespace) -> int:
    """Build the dbt manifest Dagster loads its dbt assets from (an install step)."""
    settings = export_settings_env()
    settings.ensure_dirs()
    ensure_dagster_home(settings)
    from pipelines.dbt.project import prepare_manifest

    manifest = prepare_manifest()  # always: this is the explicit install step
    print(f"dbt manifest ready at {manifest}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.dbt.project import ensure_manifest
    from tools.bench import run_bench

    export_settings_env()
    ensure_manifest()
    if args.incremental:
        from tools.bench_incremental import run_incremental_bench

        path = run_incremental_bench(scale=args.scale, seed=args.seed, keep=args.keep)
    else:
        path = run_bench(scale=args.scale, seed=args.seed, keep=args.keep, pages=args.pages)
    print(f"bench results written to {path}")
    return 0


def _is_demo(settings) -> bool:
    """Whether the settings folder is the demo's (``company.demo``, written only by ``crmlake demo``)."""
    from kernel.config import load_business_settings

    return load_business_settings(settings.config_dir).company.demo


def cmd_store(args: argparse.Namespace) -> int:
    """Operational store: migrations, demo logins, list logins, return stale leads to the pool."""
    from operational.db import session_scope
    from operational.migrate import current_revision, upgrade

    settings = export_settings_env()
    url = settings.operational_url
    if args.action == "upgrade":
        upgrade(url)
        print(f"operational store {url} at revision {current_revision(url)}")
        return 0
    if args.action == "seed-demo-users":
        from operational.demo_users import DEMO_PASSWORD, seed_demo_users
        from operational.reference import Reference

        if not _is_demo(settings):
            print(f"demo logins not seeded: {settings.config_dir} is not the demo's settings folder "
                  "(company.demo is false), and demo logins share a published password. "
                  "Add real logins with `crmlake users add`.")
            return 1
        try:
            reference = Reference.load()
            with session_scope(url) as session:
                seeded = seed_demo_users(session, reference)
        except (LookupError, FileNotFoundError) as exc:
            print(f"demo logins not seeded: {exc}")
            return 1
        print(f"demo logins in {url} (password {DEMO_PASSWORD!r}, demo only: change it; "
              "each is seeded once, a deleted or changed one stays so):")
        for demo, state in seeded:
            print(f"  {demo.username:<13} {demo.role:<16} {demo.display_name}  [{state}]")
        return 0
    if args.action == "return-stale-leads":  # for cron / a schedule: the lead pool's automatic return
        from operational.workflows.leads import auto_return_stale, pool_days

        with session_scope(url) as session:
            returned = auto_return_stale(session)
        print(f"{len(returned)} lead(s) without follow-up for {pool_days()} days returned to the pool")
        return 0
    from tools.users_cli import cmd_users  # `store users` = `users list`

    return cmd_users(argparse.Namespace(users_action="list", json=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmlake", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="generate demo source files into the landing zone")
    demo.add_argument("--scale", type=float, default=1.0, help="size factor; rows grow linearly")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    demo.add_argument("--landing-dir", help="default: CRMLAKE_LANDING_DIR or ./data/landing")
    demo.add_argument("--config-dir", help="where the demo's business settings go; default: "
                      "CRMLAKE_CONFIG_DIR or ./data/config, where `crmlake run` reads them")
    demo.add_argument("--overwrite-settings", action="store_true",
                      help="replace a settings folder that is not the demo's")
    demo.add_argument("--next-day", action="store_true",
                      help="add the next day's delivery to an existing demo landing zone "
                           "(new records, updates, late corrections, a re-delivered file)")
    demo.add_argument("--serve-crm", action="store_true",
                      help="serve the landing zone's CRM records as a local 销售易 OpenAPI (127.0.0.1) "
                           "for `crmlake extract crm`, until Ctrl-C")
    demo.add_argument("--port", type=int, default=8765, help="--serve-crm's port")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="materialize every asset (or a selection) and publish")
    run.add_argument(
        "--select",
        help='Dagster asset selection, e.g. "key:raw/crm/*" or "group:raw_erp"; default: everything',
    )
    run.add_argument(
        "--full-refresh", action="store_true",
        help="rebuild everything even when no landing file, store row, setting or code changed",
    )
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="what is loaded, quarantined and published")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    check = sub.add_parser(
        "check", help="validate a landing zone against the contract without loading anything"
    )
    check.add_argument("landing_dir", nargs="?", help="default: CRMLAKE_LANDING_DIR or ./data/landing")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(func=cmd_check)

    prepare = sub.add_parser("prepare", help="install step: parse the dbt project (manifest)")
    prepare.set_defaults(func=cmd_prepare)

    bench = sub.add_parser("bench", help="time generation, ingestion, dbt, checks and publish")
    bench.add_argument("--scale", type=float, default=1.0)
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--keep", action="store_true", help="keep the bench working directory")
    bench.add_argument("--pages", action="store_true",
                       help="also time every dashboard page on the fresh snapshot (<date>-S<scale>-pages.json)")
    bench.add_argument("--incremental", action="store_true",
                       help="floor, full refresh, no-op run, next-day delivery and its run, the smallest change, dbt's node floor "
                            "(<date>-S<scale>-incremental.json)")
    bench.set_defaults(func=cmd_bench)

    store = sub.add_parser("store", help="operational store: migrations and logins")
    store.add_argument("action", choices=["upgrade", "seed-demo-users", "users", "return-stale-leads"])
    store.set_defaults(func=cmd_store)

    from tools.alerts_cli import add_parser as add_alerts_parser
    from tools.extract_cli import add_parser as add_extract_parser
    from tools.init_cli import add_parser as add_init_parser
    from tools.users_cli import add_parser as add_users_parser

    add_alerts_parser(sub)
    add_extract_parser(sub)
    add_init_parser(sub)
    add_users_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; with no ``argv`` it is the process's own command line (the ``crmlake`` script,
    ``python -m tools.cli``), and the process ends here (:mod:`tools.process_end`)."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    code = args.func(args)
    if argv is None:
        from tools.process_end import end_process

        end_process(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
