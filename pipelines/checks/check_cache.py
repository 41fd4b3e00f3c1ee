"""Remembered raw-suite verdicts: the same raw files, ledger and suite give the same result.

A run loads only new or re-delivered landing files, so most raw tables are byte for byte what the
last run validated; re-reading them into pandas and running their suite again (a third of a
no-change run's check time at S=10) would only repeat the verdict. The key is everything the
verdict depends on: the raw table's Parquet files (name, size, mtime; the schema file, rewritten
every run, by content), the entity's ledger (by content: the row-count reconciliation reads it),
the entity's contract and the validation code. Only passing verdicts are kept: a failure is
evaluated afresh every time.

A passing verdict also lists the raw files it covered, so when a delivery only *adds* raw files
(every remembered file still there, unchanged) the check validates the new files' rows alone
(:func:`incremental_base`; ``pipelines/checks/raw_checks.py`` says why that verdict is the whole
table's).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
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


def raw_data_files(spec: EntitySpec, settings: Settings) -> dict[str, str]:
    """The raw table's data files (not the schema file) by name: ``size|mtime`` of each."""
    raw = raw_dir_of(spec, settings)
    return {
        path.name: _stat_line(path).split("|", 1)[1]
        for path in (sorted(raw.glob("*.parquet")) if raw.is_dir() else [])
        if path.name != SCHEMA_FILE
    }


def suite_key(spec: EntitySpec) -> str:
    """What a verdict depends on besides the data: the entity's contract and the validation code."""
    digest = hashlib.sha256(f"{spec.qualified_name}|{contract_fingerprint(spec)}\n".encode())
    digest.update(files_digest(regular_files(QUALITY_CODE, QUALITY_CODE), content=False).encode())
    return digest.hexdigest()


def raw_state_key(spec: EntitySpec, settings: Settings) -> str:
    digest = hashlib.sha256(f"{suite_key(spec)}\n".encode())
    raw = raw_dir_of(spec, settings)
    for path in sorted(raw.glob("*.parquet")) if raw.is_dir() else []:
        if path.name == SCHEMA_FILE:
            digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
        else:
            digest.update(_stat_line(path).encode())
    ledger = ledger_path(spec, settings)
    if ledger.exists():
        digest.update(hashlib.sha256(ledger.read_bytes()).hexdigest().encode())
    return digest.hexdigest()


def _entry(spec: EntitySpec, settings: Settings) -> Path:
    return cache_dir(settings) / f"{spec.raw_table}.json"


def _stored(spec: EntitySpec, settings: Settings) -> dict | None:
    try:
        return json.loads(_entry(spec, settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remembered(spec: EntitySpec, settings: Settings, key: str) -> dict | None:
    """The passing verdict stored under ``key`` (metadata and description), or None."""
    entry = _stored(spec, settings)
    return entry if entry is not None and entry.get("key") == key else None


@dataclass(frozen=True)
class IncrementalBase:
    """A passing verdict whose files are all still there, unchanged, plus the files added since."""

    validated_rows: int  # rows of the remembered files
    old_files: tuple[str, ...]
    new_files: tuple[str, ...]


def incremental_base(spec: EntitySpec, settings: Settings) -> IncrementalBase | None:
    """The last passing verdict, if the raw table only gained files since (same suite), else None."""
    entry = _stored(spec, settings)
    if not entry or entry.get("suite") != suite_key(spec) or "files" not in entry:
        return None
    current = raw_data_files(spec, settings)
    old: dict[str, str] = entry["files"]
    if any(current.get(name) != token for name, token in old.items()):
        return None  # a file was replaced (re-delivery) or removed: validate the whole table
    new = tuple(sorted(set(current) - set(old)))
    if not new:
        return None
    return IncrementalBase(int(entry["rows"]), tuple(sorted(old)), new)


def remember(
    spec: EntitySpec,
    settings: Settings,
    key: str,
    metadata: dict,
    description: str | None,
    *,
    rows: int | None = None,
) -> None:
    """Keep a passing verdict; with ``rows`` (the table's row count) it can seed an incremental one."""
    path = _entry(spec, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"key": key, "metadata": metadata, "description": description}
    if rows is not None:
        entry |= {"suite": suite_key(spec), "files": raw_data_files(spec, settings), "rows": rows}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
