"""``crmlake extract crm``: pull the CRM from the tenant's API into the landing zone; and
``crmlake demo --serve-crm``: the local simulator of that API over the demo landing zone.

    crmlake extract crm [--entity crm.accounts ...] [--no-deletes]
    crmlake demo --serve-crm [--port 8765] [--landing-dir DIR]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from kernel.runtime import export_settings_env


def _business_settings():
    from kernel.config import load_business_settings

    return load_business_settings(export_settings_env().config_dir)


def cmd_extract(args: argparse.Namespace) -> int:
    from kernel.config import ConfigError
    from pipelines.sources.crm_api.client import client_for
    from pipelines.sources.crm_api.extract import extract_crm
    from pipelines.sources.crm_api.secrets import MissingCredentials

    if not getattr(args, "verbose", False):  # one line per request is noise (it never shows credentials)
        logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = export_settings_env()
    try:
        config = _business_settings().crm_api
    except ConfigError as exc:
        print(f"crmlake extract: {exc}", file=sys.stderr)
        return 2
    try:
        client = client_for(config)
    except MissingCredentials as exc:
        print(f"crmlake extract: {exc}", file=sys.stderr)
        return 2
    shown: dict[str, float] = {}

    def on_page(p) -> None:  # at most one line a second per entity while it runs
        now = time.monotonic()
        if now - shown.get(p.entity, 0.0) >= 1.0:
            shown[p.entity] = now
            print(f"  {p.entity}: {p.pages} pages, {p.records:,} records ...", flush=True)

    started = time.perf_counter()
    with client:
        reconcile = False if args.no_deletes else (True if args.deletes else None)
        results = extract_crm(client, settings, config, entities=args.entity or None, reconcile=reconcile,
                              on_page=on_page,
                              on_entity=lambda p: print(p.line(), *(f"  warning: {w}" for w in p.warnings),
                                                        sep="\n", flush=True))
        stats = client.stats
    records = sum(p.records for p in results)
    failed = [p.entity for p in results if p.error]
    print(f"extracted {records:,} records of {len(results)} entities into {settings.landing_dir} in "
          f"{time.perf_counter() - started:.1f}s ({stats.requests} requests, {stats.retries} retries, "
          f"{stats.rate_limited} rate-limited, {stats.token_fetches} tokens)"
          + (f"; not extracted: {', '.join(failed)}" if failed else ""))
    if records:
        print("next: crmlake run")
    return 1 if failed else 0


def serve_crm(landing_dir: Path, port: int) -> int:
    """Serve ``landing_dir``'s CRM records as the tenant API until Ctrl-C."""
    from tools.crm_simulator import CrmSimulator, CrmStore

    if not (landing_dir / "crm").is_dir():
        print(f"crmlake demo --serve-crm: no crm/ folder in {landing_dir}; run `crmlake demo` first",
              file=sys.stderr)
        return 2
    store = CrmStore.from_landing(landing_dir, _business_settings().crm_api)
    records = sum(len(t.records) for t in store.tables.values())
    with CrmSimulator(store, port=port) as sim:
        print(f"serving {records:,} CRM records of {landing_dir} as a 销售易 OpenAPI on {sim.base_url}")
        print("point `crmlake extract crm` at it (another shell, another CRMLAKE_HOME):")
        for name, value in sim.env().items():
            print(f"  export {name}={value}")
        print("Ctrl-C stops it.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    extract = sub.add_parser("extract", help="pull a source system from its API into the landing zone")
    extract.add_argument("source", choices=["crm"], help="crm: 销售易's OpenAPI (settings: crm_api.yml)")
    extract.add_argument("--entity", action="append",
                         help="only this contract entity (crm.accounts or accounts); repeatable")
    deletes = extract.add_mutually_exclusive_group()
    deletes.add_argument("--deletes", action="store_true",
                         help="list the tenant's ids to find deleted records now, even if not due "
                              "(crm_api.yml: reconcile_deletes_every_days)")
    deletes.add_argument("--no-deletes", action="store_true", help="not this time, even if due")
    extract.set_defaults(func=cmd_extract)


def crm_api_status(settings) -> list[dict]:
    """Each extracted entity's watermark, last success and last error (``crmlake status``)."""
    from datetime import UTC, datetime

    from pipelines.sources.crm_api.state import all_states

    rows = []
    for entity, s in all_states(settings).items():
        mark = (datetime.fromtimestamp(s.watermark / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if s.watermark is not None else None)
        rows.append({"entity": entity, "watermark": mark, "records_written": s.records_written,
                     "deleted_in_crm": s.deleted_ids, "last_success": s.last_success,
                     "last_error": s.last_error, "last_error_at": s.last_error_at})
    return rows


def format_crm_api_status(rows: list[dict]) -> str:
    if not rows:
        return ""
    lines = ["", "CRM API extraction 接口抽取 (crmlake extract crm)",
             f"  {'entity':<32} {'watermark (updatedAt)':<22} {'records':>9} {'deleted':>7}  last success / last error"]
    for r in rows:
        tail = r["last_success"] or "never"
        if r["last_error"]:
            tail += f"; ERROR {r['last_error_at']}: {r['last_error']}"
        lines.append(f"  {r['entity']:<32} {r['watermark'] or '-':<22} {r['records_written']:>9,} "
                     f"{r['deleted_in_crm']:>7,}  {tail}")
    return "\n".join(lines)
