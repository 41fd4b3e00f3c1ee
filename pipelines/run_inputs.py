"""Everything a run reads, as digests, so a run does only what changed: nothing in seconds when
nothing did, only the assets a changed input feeds when some did.

A run's output is a function of its inputs: the landing files the loaders would read (one digest
per contract entity), the rows of the operational store, the business-settings folder and the code
(Python packages, dbt project, source contract). ``crmlake run`` takes these digests BEFORE it
starts (a file that lands during the run makes the next run real) and records them with a
successful whole run; the next run compares. The store needs no digest of its own: its extraction
watermark already says which tables had rows saved since the last extraction (``pending_changes``,
one aggregate per table). A changed setting or line of code runs everything.

Deliberately conservative: anything that might matter (a file touched but unchanged, a code
checkout, an unreadable store stamp) makes the run real; a no-op is only claimed when nothing did.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path

from kernel.contracts import EntitySpec, load_contract
from kernel.settings import Settings
from pipelines.ingest.landing import Discovery, ignored_files, scan

REPO = Path(__file__).resolve().parents[1]
# What the pipeline's behaviour is made of: a change in any of these files can change a figure.
CODE_ROOTS = ("kernel", "pipelines", "models_ml", "quality", "operational",
              "dbt_project/models", "dbt_project/macros", "dbt_project/tests",
              "dbt_project/dbt_project.yml", "pyproject.toml")
SKIPPED_PARTS = {"__pycache__", "target", "logs"}


@dataclass(frozen=True)
class RunInputs:
    landing: dict[str, str]  # contract entity -> digest of the files its loader would read
    ignored: str  # the landing files no loader reads, and why (what meta.ignored_files lists)
    settings: str
    code: str

    def as_dict(self) -> dict:
        return asdict(self)


def _fingerprint(files: list[tuple[Path, str]]) -> str:
    """A digest of (path, size, mtime) of landing files found by the loaders' own ``scan``: what
    they skip (an Office ``~$`` lock file, a hidden ``.DS_Store``, a symbolic link) changes nothing."""
    digest = hashlib.sha256()
    for path, rel in files:
        stat = path.lstat()
        digest.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _scans(settings: Settings) -> dict[str, tuple[EntitySpec, Discovery]]:
    return {name: (spec, scan(spec, settings.landing_dir)) for name, spec in sorted(load_contract().items())}


def landing_fingerprint(settings: Settings) -> str:
    """One digest of every entity's landing files (the landing sensor's cursor)."""
    per_entity = {name: _fingerprint(found.files) for name, (_, found) in _scans(settings).items()}
    return hashlib.sha256(json.dumps(per_entity, sort_keys=True).encode()).hexdigest()


def files_digest(files: Iterable[tuple[str, Path]], *, content: bool) -> str:
    """(name, contents) or (name, size, mtime) of ``files``, in name order."""
    digest = hashlib.sha256()
    for name, path in sorted(files):
        if content:
            digest.update(f"{name}\n".encode() + path.read_bytes() + b"\n")
        else:
            stat = path.stat()
            digest.update(f"{name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def regular_files(root: Path, base: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.relative_to(base).as_posix(), root)]
    if not root.is_dir():
        return []
    return [
        (path.relative_to(base).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and not SKIPPED_PARTS.intersection(path.parts)
    ]


# settings no asset up to the publish reads: a change needs no rebuild (alerts.yml: the alert
# evaluation after publish reads it itself, and `crmlake alerts evaluate` applies it at once;
# crm_api.yml: only `crmlake extract crm` reads it, and what it pulls arrives as landing files)
NOT_RUN_SETTINGS = frozenset({"alerts.yml", "crm_api.yml"})


def settings_fingerprint(settings: Settings) -> str:
    """The business-settings folder's file names and contents (a few small YAML files)."""
    files = [(name, path) for name, path in regular_files(settings.config_dir, settings.config_dir)
             if name not in NOT_RUN_SETTINGS]
    return files_digest(files, content=True)


def code_fingerprint(repo: Path = REPO) -> str:
    """(path, size, mtime) of the code a run executes: Python packages, dbt project, contract."""
    files = [f for root in CODE_ROOTS for f in regular_files(repo / root, repo)]
    return files_digest(files, content=False)


def current_inputs(settings: Settings) -> RunInputs:
    scans = _scans(settings)
    ignored = ignored_files(settings.landing_dir, [spec for spec, _ in scans.values()],
                            [found for _, found in scans.values()])
    return RunInputs(
        landing={name: _fingerprint(found.files) for name, (_, found) in scans.items()},
        ignored=hashlib.sha256(json.dumps([(i.path, i.reason) for i in ignored]).encode()).hexdigest(),
        settings=settings_fingerprint(settings),
        code=code_fingerprint(),
    )


@dataclass(frozen=True)
class Changes:
    """What changed since the last successful run, as the assets a run must start from."""

    everything: str | None = None  # why the whole pipeline must run (None: only what changed)
    entities: tuple[str, ...] = ()  # contract entities with new, re-delivered or removed files
    empty_deliveries: tuple[str, ...] = ()  # of those, the ones whose only change is new files without records
    store_tables: tuple[str, ...] = ()  # store tables with rows saved since the last extraction
    ignored: bool = False  # the list of landing files no loader reads changed

    @property
    def nothing(self) -> bool:
        return self.everything is None and not (self.entities or self.store_tables or self.ignored)

    def describe(self) -> str:
        if self.everything:
            return self.everything
        parts = []
        if self.entities:
            parts.append(f"landing files of {', '.join(self.entities)}")
        if self.empty_deliveries:
            parts.append(f"of which only loaded, as their new files hold no records: {', '.join(self.empty_deliveries)}")
        if self.store_tables:
            parts.append(f"store rows saved since the last extraction: {', '.join(self.store_tables)}")
        if self.ignored:
            parts.append("the files no loader reads (meta.ignored_files)")
        return "; ".join(parts) or "nothing"

    def start_keys(self) -> list[str]:
        """Asset keys (user strings) a run must materialize, with everything downstream of them."""
        keys = [f"raw/{name.replace('.', '/')}" for name in self.entities if name not in self.empty_deliveries]
        keys += [f"raw/ops/{table}" for table in self.store_tables]
        if self.ignored or self.entities:
            keys.append("raw/landing_zone")
        return keys

    def load_only_keys(self) -> list[str]:
        """Raw assets a run loads (so the ledger knows their files) without their checks or anything
        downstream: their new files add no row, so nothing they feed can change."""
        return [f"raw/{name.replace('.', '/')}" for name in self.empty_deliveries]


# A new landing file at most this large is opened to see whether it holds any record (a CRM delta
# page of an object nobody touched that day is a few bytes); a larger one is taken as data.
EMPTY_FILE_MAX_BYTES = 64 * 1024


def empty_deliveries(settings: Settings, entities: Iterable[str]) -> tuple[str, ...]:
    """The changed entities whose change is only new, small landing files without a single record.

    A CRM exports a delta page of every object every day, touched or not: 15 of the 32 entities of
    a demo day at S=10. Loading them records the files; their raw table gains no row, so their
    checks and everything downstream would rebuild exactly what is published. Anything else about
    an entity (a file re-delivered with other bytes or size, a file that fails to read, one already
    rejected) is a real change, as before.
    """
    import duckdb

    from pipelines.ingest.layout import ledger_path
    from pipelines.ingest.ledger import read_ledger_file

    contract = load_contract()
    empty = []
    with duckdb.connect() as con:
        for name in entities:
            spec = contract.get(name)
            if spec is None:
                continue
            ledger = {row["source_file"]: row for row in read_ledger_file(ledger_path(spec, settings)).to_dicts()}
            if _only_empty_new_files(spec, scan(spec, settings.landing_dir), ledger, con):
                empty.append(name)
    return tuple(empty)


def _only_empty_new_files(spec: EntitySpec, found: Discovery, ledger: dict[str, dict], con) -> bool:
    # Polars and the readers: imported only when files changed
    from pipelines.ingest.loader import evaluate_file

    new_files = []
    for path, rel in found.files:
        stat = path.lstat()
        loaded = ledger.get(rel)
        if loaded is None:
            new_files.append((path, rel, stat))
            continue
        # the loader's own decision is by bytes; here a file counts as unchanged only when its size
        # is the loaded one and it was last written before that load
        loaded_at = loaded["loaded_at"].replace(tzinfo=UTC).timestamp() if loaded["loaded_at"] else 0
        if loaded["status"] != "loaded" or loaded["file_size"] != stat.st_size or stat.st_mtime >= loaded_at:
            return False
    if not new_files:
        return False  # files were removed or only touched: keep the conservative path
    for path, rel, stat in new_files:
        if stat.st_size > EMPTY_FILE_MAX_BYTES:
            return False
        outcome = evaluate_file(spec, path, rel, con)
        if outcome.error is not None or outcome.rows_read != 0:
            return False
    return True


def changes_since(settings: Settings, inputs: RunInputs, last_run: dict | None) -> Changes:
    """What changed since the last successful run whose snapshot is still published.

    Settings, code, a failed or partial last run or a missing snapshot mean everything runs: a
    setting or a line of code may change any figure, and a failed run may have left the warehouse
    half-built. Otherwise only what a changed input feeds runs.
    """
    if not last_run or not last_run.get("success"):
        return Changes(everything="the last run did not succeed")
    if not settings.published_database.exists():
        return Changes(everything="nothing is published")
    recorded = last_run.get("inputs") or {}
    if not recorded:
        return Changes(everything="the last run was not a whole run")
    if not isinstance(recorded.get("landing"), dict):
        return Changes(everything="the last run recorded its inputs in an older form")
    for part in ("settings", "code"):
        if recorded.get(part) != getattr(inputs, part):
            return Changes(everything=f"{part} changed since the last run")
    before = recorded.get("landing") or {}
    entities = tuple(name for name, digest in inputs.landing.items() if before.get(name) != digest)
    from pipelines.sources.operational.extract import pending_changes

    return Changes(
        entities=entities,
        empty_deliveries=empty_deliveries(settings, entities) if entities else (),
        store_tables=tuple(sorted(pending_changes(settings))),
        ignored=recorded.get("ignored") != inputs.ignored,
    )
