"""Remembered raw-suite verdicts: the same raw files, ledger and suite give the same result.

A run loads only new or re-delivered landing files, so most raw tables are byte for byte what the
last run validated; re-reading them into pandas and running their suite again (a third of a
no-change run's check time at S=10) would only repeat the verdict. The key is everything the
verdict depends on: the raw table's Parquet files (name, size, mtime; the schema file, rewritten
every run, by content), the entity's ledger (by content: the row-count reconciliation reads it),
the entity's contract and the validation code. Only passing verdicts are kept: a failure is
evaluated afresh every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from kernel.contracts import EntitySpec
from kernel.settings import Settings
from pipelines.ingest.layout import SCHEMA_FILE, ledger_path, raw_dir_of
from pipelines.ingest.ledger import contract_fingerprint
from pipelines.run_inputs import files_digest, regular_files

QUALITY_CODE = Path(__file__).resolve().parents[2] / "quality"


def cache_dir(settings: Settings) -> Path:
    return settings.lakehouse_dir / "check_cache"


def _stat_line(path: Path) -> str:
    stat = path.stat()
    return f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}"


def raw_state_key(spec: EntitySpec, settings: Settings) -> str:
    digest = hashlib.sha256(f"{spec.qualified_name}|{contract_fingerprint(spec)}\n".encode())
    raw = raw_dir_of(spec, settings)
    for path in sorted(raw.glob("*.parquet")) if raw.is_dir() else []:
        if path.name == SCHEMA_FILE:
            digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
        else:
            digest.update(_stat_line(path).encode())
    ledger = ledger_path(spec, settings)
    if ledger.exists():
        digest.update(hashlib.sha256(ledger.read_bytes()).hexdigest().encode())
    digest.update(files_digest(regular_files(QUALITY_CODE, QUALITY_CODE), content=False).encode())
    return digest.hexdigest()


def _entry(spec: EntitySpec, settings: Settings) -> Path:
    return cache_dir(settings) / f"{spec.raw_table}.json"


def remembered(spec: EntitySpec, settings: Settings, key: str) -> dict | None:
    """The passing verdict stored under ``key`` (metadata and description), or None."""
    try:
        entry = json.loads(_entry(spec, settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if entry.get("key") == key else None


def remember(spec: EntitySpec, settings: Settings, key: str, metadata: dict, description: str | None) -> None:
    path = _entry(spec, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"key": key, "metadata": metadata, "description": description},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
