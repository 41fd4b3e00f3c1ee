"""Load the landing files of one contract entity into the raw layer, idempotently.

This is the only place that decides what happens to a landing file: skipped (same bytes as
already loaded), loaded, superseded (same path, new bytes: its raw and quarantine files are
replaced) or rejected (the file as a whole breaks the contract). Every outcome is recorded in
the ledger, and the invariant ``rows_read = rows_loaded + rows_quarantined`` is checked after
every file.

What is deliberately *not* done here:

* A landing file that disappeared is left loaded: sources are append-only, so its raw data
  and ledger row stay.
* Out-of-order updates of one record are not resolved: every delivery keeps its own raw file
  (every version of every record stays in raw) and staging picks the latest by the contract's
  ``version`` field.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec
from kernel.settings import Settings, ingest_threads
from pipelines.file_lock import file_lock
from pipelines.ingest.encoding import decode
from pipelines.ingest.errors import ContractError, InvariantError
from pipelines.ingest.landing import SYMBOLIC_LINK, RefusedFile, read_landing_bytes, scan
from pipelines.ingest.layout import (
    QUARANTINE_SCHEMA,
    atomic_write_parquet,
    file_key,
    ledger_path,
    quarantine_dir_of,
    quarantine_glob,
    raw_dir_of,
    raw_glob,
    remove_stale_temporaries,
    write_schema_files,
)
from pipelines.ingest.ledger import Ledger, contract_fingerprint, read_ledger_file
from pipelines.ingest.mapping import MissingColumnsError, map_columns
from pipelines.ingest.readers import (
    INTERNAL,
    READ_TOGETHER,
    LandingFile,
    RawFrame,
    read_file,
    read_json_pages,
)
from pipelines.ingest.typing_plan import UntypedFile, lineage, raw_record, type_files

LOGGER = logging.getLogger("crmlake.ingest")

# Flush the ledger at most this often during a load (and always at the end). Losing unflushed
# rows in a crash is harmless: those files are simply loaded again, replacing their own output.
_LEDGER_FLUSH_SECONDS = 2.0

STATUSES = ("loaded", "unchanged", "superseded", "rejected")


@dataclass
class FileLoadResult:
    """What happened to one landing file in one load.

    status: "loaded" (first delivery), "superseded" (new bytes at a known path, replacing the
    earlier delivery), "unchanged" (same bytes as already in the ledger; counts are 0 because
    nothing was read) or "rejected" (the whole file broke the contract; see ``message``).
    """

    source_file: str
    file_hash: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None
    message: str | None = None
    elapsed_seconds: float = 0.0

    def check_invariant(self) -> None:
        if self.rows_read != self.rows_loaded + self.rows_quarantined:
            raise InvariantError(
                f"{self.source_file}: rows_read {self.rows_read} != rows_loaded "
                f"{self.rows_loaded} + rows_quarantined {self.rows_quarantined}"
            )


@dataclass
class EntityLoadReport:
    """Outcome of one :func:`load_entity` call (counts cover this load only)."""

    entity: str
    load_id: str
    files: list[FileLoadResult] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): never read

    @property
    def symlinks(self) -> list[str]:
        """Matching paths that are, or pass through, a symbolic link (refused, never read)."""
        return [rel for rel, reason in self.refused if reason == SYMBOLIC_LINK]

    def _count(self, *statuses: str) -> int:
        return sum(1 for f in self.files if f.status in statuses)

    @property
    def files_loaded(self) -> int:
        """Files whose rows were (re)loaded in this load, superseding deliveries included."""
        return self._count("loaded", "superseded")

    @property
    def files_superseded(self) -> int:
        return self._count("superseded")

    @property
    def files_unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def files_rejected(self) -> int:
        return self._count("rejected")

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def warnings(self) -> list[str]:
        return [
            f"{f.source_file}: {f.message}"
            for f in self.files
            if f.message and f.status in ("loaded", "superseded")
        ] + [f"{rel}: {reason}" for rel, reason in self.refused]

    def to_metadata(self) -> dict[str, str | int | float]:
        """Plain values for Dagster output metadata."""
        rejected = [f.message or f.source_file for f in self.files if f.status == "rejected"]
        warnings = self.warnings
        return {
            "entity": self.entity,
            "load_id": self.load_id,
            "files_seen": len(self.files),
            "files_loaded": self.files_loaded,
            "files_superseded": self.files_superseded,
            "files_unchanged": self.files_unchanged,
            "files_rejected": self.files_rejected,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "rejected_files": _capped_lines(rejected),
            "warnings": _capped_lines(warnings),
        }


def _capped_lines(lines: list[str], limit: int = 20) -> str:
    more = [f"... and {len(lines) - limit} more (see the ledger)"] if len(lines) > limit else []
    return "\n".join(lines[:limit] + more)


def read_ledger(spec: EntitySpec, settings: Settings) -> pl.DataFrame:
    """The current ledger of ``spec``: one row per landing path ever seen (empty if none)."""
    return read_ledger_file(ledger_path(spec, settings))


def new_load_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}"


@contextmanager
def _entity_lock(spec: EntitySpec, settings: Settings) -> Iterator[None]:
    """One load per entity at a time (a retried Dagster run must not race the ledger)."""
    with file_lock(settings.ledger_dir / f".{spec.raw_table}.lock"):
        yield


def discover(spec: EntitySpec, settings: Settings) -> list[tuple[Path, str]]:
    """(absolute path, landing-relative posix path) of every landing file of ``spec`` (see scan)."""
    return scan(spec, settings.landing_dir).files


def load_entity(
    spec: EntitySpec, settings: Settings, *, log: logging.Logger | None = None
) -> EntityLoadReport:
    """Load new and changed landing files of ``spec`` into the raw layer.

    Files matching ``spec.path`` are processed in sorted order. A file whose bytes are already
    in the ledger is skipped ("unchanged"); a rejected file is retried only when its bytes or
    the entity's contract changed. New bytes at a known path supersede the earlier delivery:
    its raw and quarantine Parquet files are replaced and the old hash is kept in the ledger's
    ``superseded_hashes``. The empty ``0000_schema.parquet`` files are always rewritten.
    A landing file that disappeared is left loaded (sources are append-only). Several files
    are read and typed at once (``kernel.settings.ingest_threads``); results, ledger rows and
    log lines still come in delivery order, exactly as one thread gives them.
    """
    logger = log or LOGGER
    started = time.monotonic()
    loaded_at = datetime.now(UTC)
    report = EntityLoadReport(entity=spec.qualified_name, load_id=new_load_id(loaded_at))
    ctx = _LoadContext(
        spec=spec,
        settings=settings,
        load_id=report.load_id,
        loaded_at=loaded_at.replace(tzinfo=None),
        fingerprint=contract_fingerprint(spec),
    )
    with _entity_lock(spec, settings):
        ledger_file = ledger_path(spec, settings)
        stale = [
            *remove_stale_temporaries(raw_dir_of(spec, settings)),
            *remove_stale_temporaries(quarantine_dir_of(spec, settings)),
            *remove_stale_temporaries(ledger_file.parent, ledger_file.name),
        ]
        for tmp in stale:
            logger.info("%s: removed stale temporary file %s (a killed run's)", spec.qualified_name, tmp)
        write_schema_files(spec, settings)
        ledger = Ledger(ledger_file)
        last_flush = time.monotonic()
        keys: dict[str, str] = {}
        found = scan(spec, settings.landing_dir)
        report.refused = found.refused
        for rel, reason in found.refused:
            advice = "; deliver the file itself" if reason == SYMBOLIC_LINK else ""
            logger.warning("%s: ignored: %s, not read%s", rel, reason, advice)
        work: list[_FileWork] = []
        for path, rel in found.files:
            clash = keys.setdefault(file_key(rel), rel)
            work.append(_FileWork(path, rel, clash if clash != rel else None, ledger.get(rel)))
        try:
            for result, ledger_row in _in_delivery_order(ctx, work, ingest_threads()):
                if ledger_row is not None:
                    ledger.record(ledger_row)
                report.files.append(result)
                _log_result(logger, result)
                if time.monotonic() - last_flush > _LEDGER_FLUSH_SECONDS:
                    ledger.flush()
                    last_flush = time.monotonic()
        finally:
            ledger.flush()
    report.elapsed_seconds = time.monotonic() - started
    logger.info(
        "%s: %d files (%d loaded, %d superseded, %d unchanged, %d rejected), "
        "%d rows read, %d loaded, %d quarantined in %.2fs",
        spec.qualified_name,
        len(report.files),
        report.files_loaded,
        report.files_superseded,
        report.files_unchanged,
        report.files_rejected,
        report.rows_read,
        report.rows_loaded,
        report.rows_quarantined,
        report.elapsed_seconds,
    )
    return report


def _log_result(logger: logging.Logger, r: FileLoadResult) -> None:
    if r.status == "unchanged":
        # counted in the entity's summary line; one event per skipped file cost a daily run
        # ~2,000 Dagster log events (about 10 ms each) at S=10 for nothing a person reads
        return
    level = logging.WARNING if r.status == "rejected" or r.message else logging.INFO
    logger.log(
        level,
        "%s: %s, %d rows read, %d loaded, %d quarantined in %.2fs%s",
        r.source_file,
        r.status,
        r.rows_read,
        r.rows_loaded,
        r.rows_quarantined,
        r.elapsed_seconds,
        f" ({r.message})" if r.message else "",
    )


@dataclass(frozen=True)
class _LoadContext:
    spec: EntitySpec
    settings: Settings | None  # None: evaluating only (crmlake check), nothing is written
    load_id: str
    loaded_at: datetime  # naive UTC
    fingerprint: str


# A worker reads up to this many landing files of an entity and types them in one plan (fewer
# when that would leave a thread idle). It types what it has read as soon as the rows reach
# _TYPING_ROWS, so memory stays bounded at any scale (a larger single file is typed alone).
# A plan's fixed cost is ~10-20 ms: at 50,000 rows it is lost in the typing; at S=10 the peak
# was 748 MB with 50,000 and 939 MB with 200,000 (586 MB file by file), CPU the same.
_BATCH_FILES = 64
_TYPING_ROWS = 50_000


@dataclass(frozen=True)
class _FileWork:
    """One landing file to load, with what the ledger knew of its path before this load."""

    path: Path
    rel: str
    clashes_with: str | None  # the earlier file whose raw name this one's collides with
    previous: dict | None  # its ledger row


@dataclass
class _ReadFile:
    """A landing file whose bytes were read: what its result and ledger row need besides rows."""

    item: _FileWork
    file_hash: str
    size: int
    seconds: float  # spent on this file so far (reading; typing and writing are added)


def _batches(work: list[_FileWork], threads: int) -> list[list[_FileWork]]:
    """Consecutive runs of files, each one worker's unit: every thread gets work."""
    size = max(1, min(_BATCH_FILES, -(-len(work) // threads)))
    return [work[i : i + size] for i in range(0, len(work), size)]


def _in_delivery_order(
    ctx: _LoadContext, work: list[_FileWork], threads: int
) -> Iterator[tuple[FileLoadResult, dict | None]]:
    """Each file's result and ledger row, in delivery order, with up to ``threads`` batches of
    files read, typed and written at once (each thread has its own in-memory DuckDB: the readers
    use fixed table names). At most two batches per thread are in flight. After a failure nothing
    further is started; files already written but not yet in the ledger are loaded again by the
    next run, replacing their own output."""
    local = threading.local()
    connections: list[duckdb.DuckDBPyConnection] = []

    def load(batch: list[_FileWork]) -> list[tuple[FileLoadResult, dict | None]]:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = duckdb.connect()
            connections.append(con)
        return _load_batch(ctx, batch, con)

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ingest")
    try:
        pending: deque[Future] = deque()
        upcoming = iter(_batches(work, threads))
        for batch in itertools.islice(upcoming, 2 * threads):
            pending.append(pool.submit(load, batch))
        while pending:
            done = pending.popleft().result()
            batch = next(upcoming, None)
            if batch is not None:
                pending.append(pool.submit(load, batch))
            yield from done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for con in connections:
            con.close()


def _load_batch(
    ctx: _LoadContext, batch: list[_FileWork], con: duckdb.DuckDBPyConnection
) -> list[tuple[FileLoadResult, dict | None]]:
    """Read every file of ``batch`` (JSON pages all at once, other files one by one), type the
    rows of those read in one plan per column layout, write each file's own raw and quarantine
    Parquet; results in the batch's order (a ledger row of None: the file is unchanged)."""
    done: list[tuple[FileLoadResult, dict | None]] = [None] * len(batch)  # type: ignore[list-item]
    waiting: list[tuple[int, _ReadFile, UntypedFile]] = []
    opened: list[tuple[int, LandingFile, str, float]] = []  # read together when JSON pages

    def prepare() -> None:
        started = time.monotonic()
        files = [(landing, file_hash, batch[i].clashes_with) for i, landing, file_hash, _ in opened]
        prepared = _prepare(ctx, con, files)
        share = (time.monotonic() - started) / len(opened)
        for (i, landing, file_hash, seconds), outcome in zip(opened, prepared, strict=True):
            read = _ReadFile(batch[i], file_hash, len(landing.data), seconds + share)
            if isinstance(outcome, FileOutcome):
                done[i] = _finish(ctx, read, outcome)
            else:
                waiting.append((i, read, outcome))
        opened.clear()
        if sum(untyped.raw.height for _, _, untyped in waiting) >= _TYPING_ROWS:
            _type_and_finish(ctx, waiting, done)
            waiting.clear()

    for i, item in enumerate(batch):
        started = time.monotonic()
        result = _open(ctx, item)
        if isinstance(result, FileLoadResult):
            done[i] = (result, None)
            continue
        opened.append((i, *result, time.monotonic() - started))
        if ctx.spec.format not in READ_TOGETHER:
            prepare()
    if opened:
        prepare()
    _type_and_finish(ctx, waiting, done)
    return done


def _type_and_finish(
    ctx: _LoadContext,
    waiting: list[tuple[int, _ReadFile, UntypedFile]],
    done: list[tuple[FileLoadResult, dict | None]],
) -> None:
    if not waiting:
        return
    started = time.monotonic()
    outcomes = _typed(ctx, [untyped for _, _, untyped in waiting])
    share = (time.monotonic() - started) / len(waiting)
    for (i, read, _), outcome in zip(waiting, outcomes, strict=True):
        read.seconds += share
        done[i] = _finish(ctx, read, outcome)


def _open(ctx: _LoadContext, item: _FileWork) -> FileLoadResult | tuple[LandingFile, str]:
    """The file's bytes and their hash, or its result when it is not to be read any further
    (unchanged since the ledger's delivery, or refused)."""
    previous = item.previous
    try:
        # read once: the hash is of the bytes actually loaded, even if the file just changed
        data = read_landing_bytes(item.path)
    except RefusedFile as exc:  # replaced by a link since the scan: nothing read, nothing written
        return FileLoadResult(item.rel, "", "rejected", message=f"{exc}; not read")
    file_hash = hashlib.sha256(data).hexdigest()
    if previous is not None and previous["file_hash"] == file_hash:
        if previous["status"] == "loaded" or previous["contract_fingerprint"] == ctx.fingerprint:
            return FileLoadResult(
                item.rel, file_hash, "unchanged", encoding=previous["encoding"], message=None
            )
    return LandingFile(path=item.path, rel=item.rel, data=data), file_hash


def _finish(
    ctx: _LoadContext, read: _ReadFile, outcome: FileOutcome
) -> tuple[FileLoadResult, dict]:
    """Write one file's raw and quarantine Parquet; its result and the ledger row to record."""
    started = time.monotonic()
    rel, clashes_with, previous = read.item.rel, read.item.clashes_with, read.item.previous
    file_hash = read.file_hash
    key = file_key(rel)
    if clashes_with is not None:  # the raw name belongs to the other file: leave its output
        key = f"{key}__clash_{file_hash[:12]}"
    raw_target = raw_dir_of(ctx.spec, ctx.settings) / f"{key}.parquet"
    quarantine_target = quarantine_dir_of(ctx.spec, ctx.settings) / f"{key}.parquet"
    if outcome.raw is not None:
        atomic_write_parquet(outcome.raw, raw_target)
    else:
        raw_target.unlink(missing_ok=True)  # a rejected re-delivery replaces the earlier data too
    if outcome.quarantine.height:
        atomic_write_parquet(outcome.quarantine, quarantine_target)
    else:
        quarantine_target.unlink(missing_ok=True)

    messages = [m for m in (outcome.warning, outcome.error) if m]
    superseding = previous is not None and previous["file_hash"] != file_hash
    if superseding:
        messages.append(
            f"supersedes delivery {previous['file_hash'][:12]} of load {previous['load_id']} "
            f"({previous['rows_loaded']} rows loaded)"
        )
    status = "rejected" if outcome.error else ("superseded" if superseding else "loaded")
    result = FileLoadResult(
        source_file=rel,
        file_hash=file_hash,
        status=status,
        rows_read=outcome.rows_read,
        rows_loaded=outcome.rows_loaded,
        rows_quarantined=outcome.rows_quarantined,
        encoding=outcome.encoding,
        message="; ".join(messages) or None,
        elapsed_seconds=read.seconds + time.monotonic() - started,
    )
    result.check_invariant()
    return result, (
        {
            "source_file": rel,
            "file_hash": file_hash,
            "file_size": read.size,
            "status": "rejected" if outcome.error else "loaded",
            "load_id": ctx.load_id,
            "loaded_at": ctx.loaded_at,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "encoding": result.encoding,
            "message": result.message,
            "contract_fingerprint": ctx.fingerprint,
        }
    )


def _prepare(
    ctx: _LoadContext,
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[LandingFile, str, str | None]],
) -> list[FileOutcome | UntypedFile]:
    """Read landing files (file, hash, the file its raw name clashes with) and map their columns,
    ready to be typed together (see :mod:`pipelines.ingest.typing_plan`); a file rejected as a
    whole is its outcome already. Nothing is written (the caller decides)."""
    spec = ctx.spec
    out: list[FileOutcome | UntypedFile] = [None] * len(files)  # type: ignore[list-item]
    readable: list[tuple[int, dict[str, str | None]]] = []
    try:
        for k, (f, file_hash, clashes_with) in enumerate(files):
            if clashes_with is not None:
                reason = (
                    f"{f.rel}: its raw file name {file_key(f.rel)} clashes with "
                    f"{clashes_with}; rename one of the landing files"
                )
                out[k] = FileOutcome.rejected_file(ctx, f, file_hash, reason)
                continue
            try:
                path_values = _path_values(spec, f.rel)
                if spec.format != "xlsx":
                    f.decoded = decode(f.data, spec.encoding, source=f.rel)
            except ContractError as exc:
                out[k] = FileOutcome.rejected_file(ctx, f, file_hash, str(exc))
                continue
            readable.append((k, path_values))
        landings = [files[k][0] for k, _ in readable]
        raws = (
            read_json_pages(landings, con)
            if spec.format in READ_TOGETHER
            else [_read_one(spec, f, con) for f in landings]
        )
        for (k, path_values), raw in zip(readable, raws, strict=True):
            f, file_hash, _ = files[k]
            out[k] = _map(ctx, f, file_hash, raw, path_values)
    finally:
        for f, _, _ in files:
            f.close()
    return out


def _read_one(
    spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection
) -> RawFrame | ContractError:
    try:
        return read_file(spec, f, con)
    except ContractError as exc:
        return exc


def _typed(ctx: _LoadContext, files: list[UntypedFile]) -> list[FileOutcome]:
    """The outcomes of files read and mapped, typed together (one plan per column layout)."""
    typed = type_files(ctx.spec, files, ctx.load_id, ctx.loaded_at)
    return [
        FileOutcome(
            loaded,
            quarantine,
            f.raw.height,
            encoding=f.encoding,
            warning=f.warning,
            columns=f.mapping.fields,
        )
        for f, (loaded, quarantine) in zip(files, typed, strict=True)
    ]


def evaluate_file(
    spec: EntitySpec,
    path: Path,
    rel: str,
    con: duckdb.DuckDBPyConnection,
    *,
    clashes_with: str | None = None,
) -> FileOutcome:
    """What loading landing file ``path`` (``rel`` under the landing root) would give, writing
    nothing: the same reading, decoding, column mapping and typing as :func:`load_entity`, without
    the ledger (every file is evaluated as a first delivery). ``clashes_with``: the earlier file
    whose raw name this one's collides with (see :func:`file_key`). For ``crmlake check``.
    """
    ctx = _LoadContext(
        spec=spec,
        settings=None,
        load_id="check",
        loaded_at=datetime.now(UTC).replace(tzinfo=None),
        fingerprint=contract_fingerprint(spec),
    )
    try:
        data = read_landing_bytes(path)
    except RefusedFile as exc:  # replaced by a link since the scan
        return FileOutcome.rejected_file(ctx, LandingFile(path=path, rel=rel, data=b""), "", str(exc))
    landing = LandingFile(path=path, rel=rel, data=data)
    (prepared,) = _prepare(ctx, con, [(landing, hashlib.sha256(data).hexdigest(), clashes_with)])
    return prepared if isinstance(prepared, FileOutcome) else _typed(ctx, [prepared])[0]


@dataclass
class FileOutcome:
    """One landing file read and typed: the rows for raw and for quarantine, nothing written yet."""

    raw: pl.DataFrame | None  # None: nothing to keep in raw (file rejected)
    quarantine: pl.DataFrame
    rows_read: int
    encoding: str | None = None
    warning: str | None = None
    error: str | None = None  # file-level rejection reason
    columns: dict[str, str | None] | None = None  # contract field -> landing column, once mapped

    @property
    def rows_loaded(self) -> int:
        return 0 if self.raw is None else self.raw.height

    @property
    def rows_quarantined(self) -> int:
        """Quarantined records; the file-level row (_row_number 0) of a rejection is not one."""
        if not self.quarantine.height:
            return 0
        return self.quarantine.filter(pl.col("_row_number") > 0).height

    @classmethod
    def rejected_file(
        cls,
        ctx: _LoadContext,
        f: LandingFile,
        file_hash: str,
        reason: str,
        field_name: str | None = None,
        encoding: str | None = None,
        warning: str | None = None,
    ) -> FileOutcome:
        row = {
            "_source_file": f.rel,
            "_row_number": 0,
            "_load_id": ctx.load_id,
            "_loaded_at": ctx.loaded_at,
            "_file_hash": file_hash,
            "field": field_name,
            "reason": reason,
            "raw_record": None,
        }
        frame = pl.DataFrame([row], schema=QUARANTINE_SCHEMA)
        return cls(None, frame, 0, encoding=encoding, warning=warning, error=reason)


def _path_values(spec: EntitySpec, rel: str) -> dict[str, str | None]:
    if not spec.path_fields:
        return {}
    match = re.search(spec.path_fields, rel)
    if match is None:
        names = ", ".join(spec.path_field_names)
        raise ContractError(
            f"{rel}: path does not match {spec.path_fields!r}, so {names} cannot be derived; "
            "move the file to the path the contract describes"
        )
    return match.groupdict()


def _map(
    ctx: _LoadContext,
    f: LandingFile,
    file_hash: str,
    raw: RawFrame | ContractError,
    path_values: dict[str, str | None],
) -> FileOutcome | UntypedFile:
    """One file read (or refused by its reader) and its columns mapped to the contract."""
    spec = ctx.spec
    encoding = f.decoded.encoding if f.decoded else None
    warning = f.decoded.warning if f.decoded else None
    if isinstance(raw, ContractError):
        return FileOutcome.rejected_file(
            ctx, f, file_hash, str(raw), encoding=encoding, warning=warning
        )

    warning = "; ".join(w for w in (warning, *raw.warnings) if w) or None
    reserved = set(LINEAGE_COLUMNS) | set(path_values) | set(INTERNAL)
    # a delete marker carries only key and version: a page of markers lacks the other columns
    marker = spec.delete_marker if spec.delete_marker in raw.columns else None
    reserved |= {spec.delete_marker} if spec.delete_marker else set()
    try:
        mapping = map_columns(
            spec,
            [c for c in raw.columns if c != marker],
            source=f.rel,
            reserved=reserved,
            # a JSON page without records has no keys at all; that is not a missing column
            check_required=(raw.height > 0 or spec.format in ("csv", "xlsx")) and marker is None,
        )
    except ContractError as exc:
        missing = exc.missing if isinstance(exc, MissingColumnsError) else []
        field_name = ", ".join(missing) or None
        if raw.height == 0:
            return FileOutcome.rejected_file(
                ctx, f, file_hash, str(exc), field_name, encoding=encoding, warning=warning
            )
        quarantine = raw.frame.select(
            *lineage(ctx.load_id, ctx.loaded_at, pl.lit(f.rel, pl.Utf8), pl.lit(file_hash, pl.Utf8)),
            pl.lit(field_name, pl.Utf8).alias("field"),
            pl.lit(str(exc), pl.Utf8).alias("reason"),
            raw_record(raw.columns),
        )
        return FileOutcome(
            None, quarantine, raw.height, encoding=encoding, warning=warning, error=str(exc)
        )

    return UntypedFile(
        f.rel, file_hash, raw, mapping, marker, path_values, encoding=encoding, warning=warning
    )


def check_invariants(spec: EntitySpec, settings: Settings) -> list[str]:
    """Problems found by comparing the ledger with the Parquet files actually on disk.

    For quality checks: every ledger row must satisfy rows_read = rows_loaded +
    rows_quarantined, and the raw and quarantine folders must hold exactly those counts for
    each source file, from the ledger's current hash. Returns an empty list when all is well.
    """
    ledger = read_ledger(spec, settings)
    problems = [
        f"{r['source_file']}: ledger rows_read {r['rows_read']} != "
        f"{r['rows_loaded']} loaded + {r['rows_quarantined']} quarantined"
        for r in ledger.filter(
            pl.col("rows_read") != pl.col("rows_loaded") + pl.col("rows_quarantined")
        ).iter_rows(named=True)
    ]
    con = duckdb.connect()
    try:
        counts = {}
        for kind, glob in (
            ("raw", raw_glob(spec, settings)),
            ("quarantine", quarantine_glob(spec, settings)),
        ):
            filter_ = "where _row_number > 0" if kind == "quarantine" else ""
            rows = con.execute(
                f"select _source_file, _file_hash, count(*) from read_parquet(?, "
                f"union_by_name = true) {filter_} group by all",
                [glob],
            ).fetchall()
            counts[kind] = {(s, h): n for s, h, n in rows}
    finally:
        con.close()
    expected_raw = {
        (r["source_file"], r["file_hash"]): r["rows_loaded"]
        for r in ledger.iter_rows(named=True)
        if r["rows_loaded"]
    }
    expected_quarantine = {
        (r["source_file"], r["file_hash"]): r["rows_quarantined"]
        for r in ledger.iter_rows(named=True)
        if r["rows_quarantined"]
    }
    for kind, expected in (("raw", expected_raw), ("quarantine", expected_quarantine)):
        actual = counts[kind]
        for key in sorted(set(expected) | set(actual)):
            if expected.get(key, 0) != actual.get(key, 0):
                problems.append(
                    f"{key[0]} ({key[1][:12]}): ledger says {expected.get(key, 0)} {kind} rows, "
                    f"{kind} files hold {actual.get(key, 0)}"
                )
    return problems
