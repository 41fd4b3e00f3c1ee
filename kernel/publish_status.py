"""What is loaded, quarantined and published: the data behind ``crmlake status`` and the
apps' status page. Reads only the published snapshot, never the pipeline's warehouse, so it
works while a run is in progress."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import duckdb

from kernel.contracts import load_contract
from kernel.outcomes import STATUS_LABELS
from kernel.settings import Settings

LAST_RUN_NAME = "last_run.json"
MANIFEST_NAME = "manifest.json"  # written by pipelines.publish.snapshot next to the snapshot


def write_last_run(
    settings: Settings,
    run_id: str,
    success: bool,
    seconds: float,
    reasons: list[str],
    warnings: list[str] | None = None,
    inputs: dict[str, str] | None = None,
) -> None:
    """Remember how the last run ended, so `crmlake status` can say why nothing new was published
    and which checks warned (``warnings``: quality-suite and dbt-test warnings of the run), and
    what a whole run read (``inputs``: digests taken at its start), so the next run can tell
    whether anything changed."""
    settings.lakehouse_dir.mkdir(parents=True, exist_ok=True)
    path = settings.lakehouse_dir / LAST_RUN_NAME
    tmp = path.with_name(f".{path.name}.tmp")
    payload = {
        "run_id": run_id,
        "finished_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        "success": success,
        "seconds": seconds,
        "reasons": reasons,
        "warnings": warnings or [],
        "inputs": inputs,
    }
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def read_last_run(settings: Settings) -> dict | None:
    path = settings.lakehouse_dir / LAST_RUN_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def open_published(settings: Settings) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the published snapshot, or None if nothing is published."""
    path = settings.published_database
    if not path.exists():
        return None
    return duckdb.connect(str(path), read_only=True)


def _tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every (schema, table) of the snapshot, read once: each catalog query costs 10-25 ms at S=10."""
    return {(s, t) for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def collect_status(settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """``con``: a connection to the published snapshot to read instead of opening one (the apps
    keep theirs open per publish: opening costs ~150 ms at S=10); closed when done."""
    manifest_path = settings.published_dir / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    status: dict = {
        "published_database": str(settings.published_database),
        "published": settings.published_database.exists(),
        "last_publish": {k: manifest.get(k) for k in ("published_at", "run_id")} if manifest else None,
        "landing_dir": str(settings.landing_dir),
        "lakehouse_dir": str(settings.lakehouse_dir),
        "tables": manifest.get("tables", {}),
        "loads": [],
        "quarantine": {"rows": 0, "by_entity": []},
        "last_run": read_last_run(settings),
        "entities": [],
        "capabilities": [],
        "warnings": [],
        "key_conflicts": [],
        "ignored_files": [],
    }
    if con is None:
        con = open_published(settings)
    if con is None:
        status["entities"] = _entities(status["loads"], {})
        return status
    with con:
        tables = _tables(con)
        if ("meta", "loads") in tables:
            status["loads"] = _rows(
                con,
                """
                select
                    regexp_replace(regexp_extract(replace(filename, '\\', '/'), '([^/]+)\\.parquet$', 1), '__', '.') as entity,
                    count(*) as files,
                    count(*) filter (where status = 'rejected') as files_rejected,
                    sum(rows_read) as rows_read,
                    sum(rows_loaded) as rows_loaded,
                    sum(rows_quarantined) as rows_quarantined,
                    strftime(max(loaded_at), '%Y-%m-%d %H:%M:%S') || ' UTC' as last_loaded_at
                from meta.loads
                group by all
                order by entity
                """,
            )
        if ("meta", "quarantine_summary") in tables:
            by_entity = _rows(
                con,
                """
                select system || '.' || entity as entity, sum(rows) as rows,
                       count(distinct source_file) as files
                from meta.quarantine_summary group by all order by entity
                """,
            )
            status["quarantine"] = {"rows": sum(r["rows"] for r in by_entity), "by_entity": by_entity}
        staged = {}
        if ("meta", "entities") in tables:
            staged = {r["entity"]: r for r in _rows(con, "select * from meta.entities")}
        status["entities"] = _entities(status["loads"], staged)
        if ("meta", "capabilities") in tables:
            status["capabilities"] = _rows(con, "select * from meta.capabilities")
        if ("meta", "key_conflicts") in tables:
            status["key_conflicts"] = _rows(
                con,
                """
                select system || '.' || entity as entity, rule, count(*) as rows,
                       count(distinct record_key) as keys, min(record_key) as example_key
                from meta.key_conflicts group by all order by entity, rule
                """,
            )
        if ("meta", "ignored_files") in tables:
            status["ignored_files"] = _rows(
                con, "select path, reason from meta.ignored_files order by path"
            )
        status["warnings"] = _warnings(settings, con, tables) + _data_warnings(status)
    return status


IGNORED_SHOWN = 20  # ignored landing files listed in the text report; --json lists all


def _data_warnings(status: dict) -> list[str]:
    """What the checks found in the published data that nobody would otherwise see: business
    keys re-used with other content, quarantined rows, landing files not loaded, check warnings
    of the last run (quality suites, dbt tests)."""
    out = []
    if conflicts := status["key_conflicts"]:
        detail = ", ".join(f"{c['entity']} {c['keys']} ({c['rule']})" for c in conflicts)
        out.append(
            f"业务键冲突待复核 {sum(c['keys'] for c in conflicts):,} business key(s) delivered again "
            f"with other content, not applied: {detail}; review meta.key_conflicts"
        )
    if rows := status["quarantine"]["rows"]:
        by_entity = status["quarantine"]["by_entity"]
        detail = ", ".join(f"{e['entity']} {e['rows']:,}" for e in by_entity[:5])
        more = f" and {len(by_entity) - 5} more entities" if len(by_entity) > 5 else ""
        out.append(
            f"隔离行 {rows:,} row(s) quarantined, not loaded: {detail}{more}; reasons in "
            "meta.quarantine"
        )
    if ignored := status["ignored_files"]:
        out.append(
            f"忽略的文件 {len(ignored):,} landing file(s) ignored, not loaded (listed below; "
            "meta.ignored_files)"
        )
    run = status.get("last_run") or {}
    if checks := run.get("warnings"):
        out.append(
            f"检查警告 {len(checks):,} check warning(s) in run {run.get('run_id')} (listed below)"
        )
    return out


# Business times measured on the company calendar (SLA clocks): the dates the calendar must know.
CALENDAR_DATES = (
    ("intermediate", "int_tickets_unioned", "created_at"),
    ("staging", "stg_callcenter__ticket_events", "event_time"),
)


def _warnings(settings: Settings, con: duckdb.DuckDBPyConnection, tables: set[tuple[str, str]]) -> list[str]:
    """Things a user should act on: unusable settings, data past the calendar's known years."""
    from kernel.config import ConfigError, load_business_settings
    from kernel.config.calendar import calendar_coverage_warning

    try:
        business = load_business_settings(settings.config_dir)
    except ConfigError as exc:
        return [f"business settings are not usable, the next run will stop: {exc}"]
    present = [(s, t, c) for s, t, c in CALENDAR_DATES if (s, t) in tables]
    last = None
    if present:
        union = " union all ".join(f"select max(cast({c} as date)) as d from {s}.{t}" for s, t, c in present)
        last = con.execute(f"select max(d) from ({union})").fetchone()[0]
    warning = calendar_coverage_warning(business, last)
    return [warning] if warning else []


def _entities(loads: list[dict], staged: dict[str, dict]) -> list[dict]:
    """Every contract entity, delivered or not: landing files and rows, staging rows, last load."""
    by_entity = {row["entity"]: row for row in loads}
    out = []
    for name in load_contract():
        load = by_entity.get(name, {})
        stage = staged.get(name, {})
        staging_rows = stage.get("staging_rows")
        out.append({
            "entity": name,
            "delivered": bool(load.get("rows_loaded")) or bool(staging_rows),
            "files": load.get("files", 0),
            "files_rejected": load.get("files_rejected", 0),
            "rows_read": load.get("rows_read", 0),
            "rows_loaded": load.get("rows_loaded", 0),
            "rows_quarantined": load.get("rows_quarantined", 0),
            "staging_rows": staging_rows,
            "last_loaded_at": load.get("last_loaded_at"),
            "needed_by": stage.get("needed_by", ""),
        })
    return out


def _last_run_lines(status: dict) -> list[str]:
    run = status.get("last_run")
    if not run or run.get("success"):
        return []
    published_at = (status.get("last_publish") or {}).get("published_at") or ""
    if published_at and run["finished_at"] < published_at:
        return []
    lines = [f"LAST RUN FAILED    : {run['finished_at']} (run {run['run_id']}, {run['seconds']:.0f}s); nothing new was published"]
    lines += [f"  why: {reason}" for reason in run.get("reasons") or ["see the run's log"]]
    return lines


def _printable(text: object) -> str:
    """Text from the landing zone or the data as it can be shown on a terminal: a control
    character in a file name (ESC, U+202E) is written as its escape, never sent to the screen."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _detail_lines(status: dict) -> list[str]:
    """The ignored landing files and the last run's check warnings, one line each."""
    lines = []
    if ignored := status.get("ignored_files"):
        lines += ["", f"Ignored files 忽略的文件: {len(ignored):,}"]
        lines += [
            f"  {_printable(f['path'])}: ignored: {_printable(f['reason'])}"
            for f in ignored[:IGNORED_SHOWN]
        ]
        if len(ignored) > IGNORED_SHOWN:
            lines.append(f"  ... and {len(ignored) - IGNORED_SHOWN:,} more (crmlake status --json)")
    run = status.get("last_run") or {}
    if warnings := run.get("warnings"):
        lines += ["", f"Check warnings 检查警告 (run {run.get('run_id')}): {len(warnings):,}"]
        lines += [f"  {_printable(w)}" for w in warnings]
    return lines


def format_status(status: dict) -> str:
    """A short human-readable report: sources, capabilities, published tables."""
    if not status["published"]:
        lines = [f"Nothing published yet at {status['published_database']}.", *_last_run_lines(status), ""]
        lines.append(
            f"Put your extracts in {status['landing_dir']} (the contract: docs/sources.md; "
            "`crmlake check` validates them) and run `crmlake run`, or try the demo: "
            "`crmlake demo && crmlake run`."
        )
        return "\n".join(lines)
    lines = [
        f"published database : {status['published_database']}",
        f"last publish       : {status['last_publish']['published_at']} (run {status['last_publish']['run_id']})",
        *_last_run_lines(status),
        f"landing zone       : {status['landing_dir']}",
        *[f"WARNING            : {w}" for w in status.get("warnings", [])],
        "",
    ]
    entities = status["entities"]
    delivered = sum(e["delivered"] for e in entities)
    lines += [
        f"Sources 数据源: {delivered} of {len(entities)} contract entities delivered",
        f"  {'entity':<40} {'files':>5} {'rejected':>8} {'read':>10} {'loaded':>10} {'quarant.':>8} "
        f"{'in staging':>10}  last loaded",
    ]
    for row in entities:
        if not row["delivered"] and not row["files"]:
            lines.append(f"  {row['entity']:<40} {'-':>5} {'':>8} {'':>10} {'':>10} {'':>8} {'-':>10}  not delivered")
            continue
        staged = "" if row["staging_rows"] is None else f"{row['staging_rows']:,}"
        lines.append(
            f"  {row['entity']:<40} {row['files']:>5} {row['files_rejected']:>8} {row['rows_read']:>10,} "
            f"{row['rows_loaded']:>10,} {row['rows_quarantined']:>8,} {staged:>10}  {row['last_loaded_at'] or ''}"
        )
    lines += ["", f"quarantined rows   : {status['quarantine']['rows']:,}"]
    lines += _detail_lines(status)
    if status["capabilities"]:
        computed = sum(c["status"] == "computed" for c in status["capabilities"])
        lines += ["", f"Capabilities 功能: {computed} of {len(status['capabilities'])} computed"]
        for cap in status["capabilities"]:
            label = STATUS_LABELS.get(cap["status"], cap["status"])
            reason = f": {cap['reason']}" if cap["reason"] else ""
            lines.append(f"  {label:<22} {cap['capability']:<38} {cap['label']}{reason}")
    lines += ["", "published tables:"]
    for name, rows in sorted(status["tables"].items()):
        lines.append(f"  {name:<50} {rows:>12,}")
    return "\n".join(lines)
