"""Pull each CRM entity's changed records from the API into the landing zone, page by page.

Per entity: check the mapping against the object's description; query ``updatedAt >=`` the
watermark minus the look-back, ordered by ``updatedAt, id`` (a record saved during the pull gets a
newer ``updatedAt`` and comes again later, so nothing is skipped); write each page's new records
as one contract JSON page (``crm/<entity>/<batch>/page_NNNN.json``, written to a hidden file and
renamed) and only then move the watermark. Records already written (the look-back window, a
page re-read after a kill) are not written again, so a re-run on unchanged data writes nothing.
After the pull, ids are reconciled to find deleted records (the API has no deleted-records query);
each id newly found deleted lands as a delete marker (the contract's ``delete_marker``), which
staging applies.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kernel.config.crm_api import CrmApi
from kernel.contracts import EntitySpec, load_contract
from kernel.settings import Settings
from pipelines import duckdb_session
from pipelines.sources.crm_api.client import XsyClient
from pipelines.sources.crm_api.mapping import EntityMapping, MappingError, resolve
from pipelines.sources.crm_api.state import (
    EntityState,
    load_deleted,
    load_state,
    save_deleted,
    save_state,
)

log = logging.getLogger("crmlake.crm_api")

_PAGE = re.compile(r"^page_(\d{4,})\.json$")


@dataclass
class EntityProgress:
    entity: str
    pages: int = 0  # landing pages written
    records: int = 0  # records written
    fetched: int = 0  # records the API returned (re-reads included)
    requests: int = 0
    seconds: float = 0.0
    deleted: int | None = None  # ids no longer in the tenant (None: not reconciled)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.error:
            return f"{self.entity}: not extracted: {self.error}"
        rate = self.fetched / self.seconds if self.seconds > 0 else 0.0
        deleted = "" if self.deleted is None else f", {self.deleted:,} deleted in the CRM"
        return (f"{self.entity}: {self.pages} pages, {self.records:,} records written "
                f"({self.fetched:,} read, {self.requests} requests) in {self.seconds:.1f}s, "
                f"{rate:,.0f} records/s{deleted}")


def crm_entities(config: CrmApi) -> list[EntitySpec]:
    return [spec for name, spec in load_contract().items()
            if spec.system == "crm" and config.extracted(name)]


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_page(path: Path, records: list[dict], *, page_no: int, page_size: int, total: int, more: bool) -> None:
    """One landing page in the contract's CRM format, visible only once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {"totalSize": total, "pageNo": page_no, "pageSize": page_size, "hasMore": more, "records": records},
        ensure_ascii=False, separators=(",", ":"))
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class _Writer:
    """The landing pages of one entity in one run, and the state that follows them."""

    def __init__(self, spec: EntitySpec, settings: Settings, state: EntityState, look_back_ms: int,
                 page_size: int, batch: str) -> None:
        self.spec, self.settings, self.state = spec, settings, state
        self.look_back_ms, self.page_size, self.batch = look_back_ms, page_size, batch
        self.folder = settings.landing_dir / "crm" / spec.name
        self.known = {(i, u) for i, u in state.recent}

    def adopt_orphans(self) -> int:
        """Pages a killed run wrote after its last saved state: count them as written."""
        if not self.state.batch:
            return 0
        folder = self.folder / self.state.batch
        for tmp in folder.glob(".page_*.json.tmp") if folder.is_dir() else []:
            tmp.unlink()  # a page the killed run had not finished: never visible, fetched again
        adopted = 0
        for path in sorted(folder.glob("page_*.json")) if folder.is_dir() else []:
            m = _PAGE.match(path.name)
            if not m or int(m.group(1)) <= self.state.batch_pages:
                continue
            records = json.loads(path.read_text(encoding="utf-8"))["records"]
            self._account([(r["id"], r["updatedAt"]) for r in records], int(m.group(1)), len(records))
            adopted += 1
        if adopted:
            save_state(self.settings, self.spec.qualified_name, self.state)
            log.info("%s: adopted %d page(s) a stopped run had written", self.spec.qualified_name, adopted)
        return adopted

    def is_new(self, rid: int, updated: int) -> bool:
        return (rid, updated) not in self.known

    def write(self, records: list[dict], total: int, more: bool) -> None:
        if self.state.batch != self.batch:
            self.state.batch, self.state.batch_pages = self.batch, 0
        page_no = self.state.batch_pages + 1
        path = self.folder / self.batch / f"page_{page_no:04d}.json"
        _write_page(path, records, page_no=page_no, page_size=self.page_size, total=total, more=more)
        self._account([(r["id"], r["updatedAt"]) for r in records], page_no, len(records))
        save_state(self.settings, self.spec.qualified_name, self.state)  # the watermark moves only now

    def _account(self, pairs: list[tuple[int, int]], page_no: int, n: int) -> None:
        self.state.remember(pairs, self.look_back_ms)
        self.state.batch_pages = page_no
        self.state.records_written += n
        self.known.update(pairs)


def _batch_name(state: EntityState, started: datetime) -> str:
    kind = "full" if state.watermark is None else "delta"
    return f"{kind}_{started:%Y%m%d_%H%M%S}"


def _pull(client: XsyClient, mapping: EntityMapping, writer: _Writer, config: CrmApi,
          progress: EntityProgress, on_page: Callable[[EntityProgress], None] | None) -> None:
    """Keyset paging over (updatedAt, id): each query starts at the last record's updatedAt, so a
    record saved meanwhile (newer updatedAt) is met again later; only records after the last one
    seen are taken. Offsets are used only inside a run of equal updatedAt longer than a page."""
    fields = dict(mapping.fields)
    t_id, t_up = fields["id"], fields["updatedAt"]
    wm = writer.state.watermark
    lower = max(0, wm - writer.look_back_ms) if wm is not None else None
    cursor: tuple[int, int] | None = None
    skip = 0
    size = config.page_size
    while True:
        where = f" where {t_up} >= {lower}" if lower is not None else ""
        q = f"select {mapping.select} from {mapping.api_key}{where} order by {t_up},{t_id} limit {skip},{size}"
        before = client.stats.requests
        records, total = client.query(q)
        progress.requests += client.stats.requests - before
        progress.fetched += len(records)
        fresh = []
        for r in records:
            key = (r[t_up], r[t_id])
            if (cursor is None or key > cursor) and writer.is_new(r[t_id], r[t_up]):
                fresh.append(mapping.to_contract(r))
        # totalSize counts what the query matches: a tenant capping the page below `size` still pages on
        more = bool(records) and (skip + len(records) < total if total else len(records) >= size)
        if fresh:
            writer.write(fresh, total, more)
            progress.pages += 1
            progress.records += len(fresh)
            if on_page:
                on_page(progress)
        if not more:
            return
        last = (records[-1][t_up], records[-1][t_id])
        if lower is not None and last[0] == lower:
            skip += len(records)  # a page of one updatedAt: step over it
        else:
            lower, skip = last[0], 0
        cursor = last if cursor is None else max(cursor, last)


def _tenant_ids(client: XsyClient, mapping: EntityMapping, page_size: int, progress: EntityProgress) -> set[int]:
    t_id = dict(mapping.fields)["id"]
    ids: set[int] = set()
    offset = 0
    while True:
        before = client.stats.requests
        records, total = client.query(f"select {t_id} from {mapping.api_key} order by {t_id} limit {offset},{page_size}")
        progress.requests += client.stats.requests - before
        ids.update(int(r[t_id]) for r in records)
        offset += len(records)
        if not records or (offset >= total if total else len(records) < page_size):
            return ids


def landed_newest(settings: Settings, spec: EntitySpec) -> dict[int, tuple[int, bool]]:
    """Per id in the landing zone's JSON pages (file drops and API pulls alike): its newest
    ``updatedAt`` and whether that version is a delete marker (a delete wins a tie, as in staging)."""
    folder = settings.landing_dir / "crm" / spec.name
    files = sorted(str(p) for p in folder.glob("*/page_*.json")) if folder.is_dir() else []
    if not files:
        return {}
    con = duckdb_session.connect()
    marker = spec.delete_marker or "_deleted"
    try:
        rows = con.execute(
            "select id, max(updated), arg_max(deleted, (updated, deleted)) from ("
            " select try_cast(json_extract_string(r, '$.id') as bigint) as id,"
            "  coalesce(try_cast(json_extract_string(r, '$.updatedAt') as bigint), -1) as updated,"
            f"  coalesce(try_cast(json_extract_string(r, '$.\"{marker}\"') as boolean), false) as deleted"
            " from (select unnest(json_extract(content, '$.records[*]')) as r from read_text(?)))"
            " where id is not null group by id", [files]).fetchall()
    finally:
        con.close()
    return {int(i): (int(u), bool(d)) for i, u, d in rows}


def reconcile_deletes(client: XsyClient, mapping: EntityMapping, spec: EntitySpec, settings: Settings,
                      config: CrmApi, progress: EntityProgress) -> set[int]:
    """Ids extracted once and no longer in the tenant: the API's record delete leaves no trace in
    ``updatedAt`` queries, so the two id sets are compared (one cheap id-only pass). An id whose
    newest landed version is already a delete marker is not found again; each new one lands as a
    marker, so a re-run writes nothing and a record saved again later comes back."""
    newest = landed_newest(settings, spec)
    live = {rid for rid, (_, is_deleted) in newest.items() if not is_deleted}
    deleted = live - _tenant_ids(client, mapping, config.page_size, progress)
    detected = datetime.now(UTC)
    if deleted:
        write_delete_markers(settings, spec, {rid: newest[rid][0] for rid in deleted}, detected,
                             config.page_size)
    marked = {rid for rid, (_, is_deleted) in newest.items() if is_deleted} | deleted
    save_deleted(settings, spec.qualified_name, sorted(marked), f"{detected:%Y-%m-%dT%H:%M:%SZ}")
    return deleted


def delete_marker(spec: EntitySpec, rid: int, updated_at: int) -> dict:
    """A record's delete as the contract carries it: key, version, the marker (nothing else)."""
    return {"id": rid, "updatedAt": updated_at, spec.delete_marker or "_deleted": True}


def write_delete_markers(settings: Settings, spec: EntitySpec, deleted: dict[int, int],
                         detected: datetime, page_size: int) -> list[Path]:
    """Land ``deleted`` (id -> its newest landed updatedAt) as marker pages in
    ``crm/<entity>/deletes_<UTC time>/``. A marker's updatedAt is the detection time, or one
    millisecond after the version it deletes when that is later (a clock behind the tenant's),
    so it is always the newest version; the entity's watermark does not move (it follows the
    tenant's updatedAt, and the markers are not tenant records)."""
    now_ms = int(detected.timestamp() * 1000)
    markers = [delete_marker(spec, rid, max(now_ms, last + 1)) for rid, last in sorted(deleted.items())]
    folder = settings.landing_dir / "crm" / spec.name / f"deletes_{detected:%Y%m%d_%H%M%S}"
    paths = []
    for n, start in enumerate(range(0, len(markers), page_size), start=1):
        path = folder / f"page_{n:04d}.json"
        _write_page(path, markers[start:start + page_size], page_no=n, page_size=page_size,
                    total=len(markers), more=start + page_size < len(markers))
        paths.append(path)
    return paths


def reconciliation_due(state: EntityState, config: CrmApi, now: datetime) -> bool:
    """Every ``reconcile_deletes_every_days`` (an hour early, so a daily job started a little
    earlier than yesterday's still counts its day)."""
    days = config.reconcile_deletes_every_days
    if days == 0:
        return False
    if state.last_reconciled is None:
        return True
    last = datetime.strptime(state.last_reconciled, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return now - last >= timedelta(days=days) - timedelta(hours=1)


def extract_entity(client: XsyClient, spec: EntitySpec, settings: Settings, config: CrmApi, *,
                   started: datetime | None = None, reconcile: bool | None = None,
                   on_page: Callable[[EntityProgress], None] | None = None) -> EntityProgress:
    """Extract one entity; an error is recorded in its state and returned, never raised.
    ``reconcile``: list the tenant's ids to find deletes (None: when crm_api.yml says it is due)."""
    entity = spec.qualified_name
    progress = EntityProgress(entity)
    t0 = time.perf_counter()
    state = load_state(settings, entity)
    try:
        before = client.stats.requests
        mapping = resolve(spec, config, client.describe(config.object_key(entity)))
        progress.requests += client.stats.requests - before
        if mapping.missing_optional:
            progress.warnings.append(f"not in the tenant, landed empty: {', '.join(mapping.missing_optional)}")
        writer = _Writer(spec, settings, state, config.look_back_minutes * 60_000, config.page_size,
                         _batch_name(state, started or datetime.now(UTC)))
        writer.adopt_orphans()
        _pull(client, mapping, writer, config, progress, on_page)
        if reconciliation_due(state, config, datetime.now(UTC)) if reconcile is None else reconcile:
            deleted = reconcile_deletes(client, mapping, spec, settings, config, progress)
            progress.deleted = len(deleted)
            state.deleted_ids = len(load_deleted(settings, entity))  # every id deleted so far
            state.last_reconciled = _now_iso()
        state.last_success, state.last_error, state.last_error_at = _now_iso(), None, None
    except Exception as exc:  # noqa: BLE001 - one entity's failure is reported, the rest go on
        progress.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, MappingError) else str(exc)
        state = load_state(settings, entity)  # what the written pages left, not a half-updated copy
        state.last_error, state.last_error_at = progress.error, _now_iso()
        log.warning("%s", progress.line())
    save_state(settings, entity, state)
    progress.seconds = time.perf_counter() - t0
    return progress


def extract_crm(client: XsyClient, settings: Settings, config: CrmApi, *,
                entities: list[str] | None = None, reconcile: bool | None = None,
                on_page: Callable[[EntityProgress], None] | None = None,
                on_entity: Callable[[EntityProgress], None] | None = None) -> list[EntityProgress]:
    """Every CRM entity of the contract that crm_api.yml does not switch off (or ``entities``)."""
    started = datetime.now(UTC)
    out = []
    for spec in crm_entities(config):
        if entities and spec.qualified_name not in entities and spec.name not in entities:
            continue
        progress = extract_entity(client, spec, settings, config, started=started, reconcile=reconcile,
                                  on_page=on_page)
        out.append(progress)
        if on_entity:
            on_entity(progress)
    return out
