"""What is loaded, quarantined and published: the data behind ``crmlake status`` and the
apps' status page. Reads only the published snapshot, never the pipeline's warehouse, so it
works while a run is in progress."""

from __future__ import annotations

import json

import duckdb

from pipelines.publish.snapshot import MANIFEST_NAME
from pipelines.settings import Settings


def open_published(settings: Settings) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the published snapshot, or None if nothing is published."""
    path = settings.published_database
    if not path.exists():
        return None
    return duckdb.connect(str(path), read_only=True)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def collect_status(settings: Settings) -> dict:
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
    }
    con = open_published(settings)
    if con is None:
        return status
    with con:
        if _has_table(con, "meta", "loads"):
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
                    max(loaded_at) as last_loaded_at
                from meta.loads
                group by all
                order by entity
                """,
            )
        if _has_table(con, "meta", "quarantine_summary"):
            by_entity = _rows(
                con,
                """
                select system || '.' || entity as entity, sum(rows) as rows,
                       count(distinct source_file) as files
                from meta.quarantine_summary group by all order by entity
                """,
            )
            status["quarantine"] = {"rows": sum(r["rows"] for r in by_entity), "by_entity": by_entity}
    return status


def format_status(status: dict) -> str:
    """A short human-readable report."""
    if not status["published"]:
        return (
            f"Nothing published yet at {status['published_database']}.\n"
            "Run `make run` (or `crmlake demo && crmlake run`)."
        )
    lines = [
        f"published database : {status['published_database']}",
        f"last publish       : {status['last_publish']['published_at']} (run {status['last_publish']['run_id']})",
        f"landing zone       : {status['landing_dir']}",
        "",
        f"{'entity':<40} {'files':>6} {'rejected':>8} {'read':>10} {'loaded':>10} {'quarant.':>8}  last loaded",
    ]
    for row in status["loads"]:
        lines.append(
            f"{row['entity']:<40} {row['files']:>6} {row['files_rejected']:>8} {row['rows_read']:>10,} "
            f"{row['rows_loaded']:>10,} {row['rows_quarantined']:>8,}  {row['last_loaded_at']}"
        )
    lines += ["", f"quarantined rows   : {status['quarantine']['rows']:,}", "", "published tables:"]
    for name, rows in sorted(status["tables"].items()):
        lines.append(f"  {name:<50} {rows:>12,}")
    return "\n".join(lines)
