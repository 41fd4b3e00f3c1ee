"""The simulated tenant's records: a demo landing zone's CRM pages replayed as a CRM's current state.

The landing zone holds the CRM's history as batches (a full pull, then deltas). The store applies
them in order, keeping for each id its newest version (highest ``updatedAt``; a batch re-sending an
older version changes nothing), so after step k it holds what the CRM held when batch k was cut.
Fields carry the tenant's apiKeys (crm_api.yml's mapping applied backwards), values are the
files' JSON values unchanged (odd values included).
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kernel.config.crm_api import CrmApi
from kernel.contracts import EntitySpec, load_contract
from tools.crm_simulator.xoql import Query, XoqlError

_BATCH = re.compile(r"^(full|delta|deletes)_(\d{8})")
# a landing record that says its record was deleted (kernel/contracts/sources.yml)
DELETE_MARKER = next(s.delete_marker for s in load_contract().values() if s.system == "crm")


@dataclass
class ObjectTable:
    entity: str
    api_key: str
    fields: dict[str, str]  # contract name -> tenant apiKey
    types: dict[str, str]  # tenant apiKey -> contract type
    records: dict[int, dict] = field(default_factory=dict)
    _by_update: list[tuple[int, int]] | None = None
    _by_id: list[int] | None = None

    @property
    def id_key(self) -> str:
        return self.fields["id"]

    @property
    def updated_key(self) -> str:
        return self.fields["updatedAt"]

    def put(self, contract_record: dict, *, force: bool = False) -> bool:
        """Keep the record unless the store already has a newer version of its id; a delete
        marker of a landing zone (``"_deleted": true``) removes it the same way."""
        tenant = {self.fields.get(k, k): v for k, v in contract_record.items() if k in self.fields}
        rid, updated = tenant[self.id_key], tenant[self.updated_key]
        old = self.records.get(rid)
        if old is not None and not force and old[self.updated_key] > updated:
            return False
        if contract_record.get(DELETE_MARKER) is True:
            return self.remove(rid)
        self.records[rid] = tenant
        self._by_update = self._by_id = None
        return True

    def remove(self, rid: int) -> bool:
        found = self.records.pop(rid, None) is not None
        self._by_update = self._by_id = None
        return found

    def query(self, q: Query) -> tuple[list[dict], int]:
        if q.where_field not in (None, self.updated_key):
            raise XoqlError(f"where on {q.where_field} is not supported here")
        unknown = [f for f in q.fields if f not in self.types]
        if unknown:
            raise XoqlError(f"{self.api_key} has no field {', '.join(unknown)}")
        if q.order in ((self.updated_key, self.id_key), ()):
            if self._by_update is None:
                self._by_update = sorted((r[self.updated_key], rid) for rid, r in self.records.items())
            keys = self._by_update
            lo = 0 if q.where_min is None else bisect.bisect_left(keys, (q.where_min, -(2**63)))
            ids = [rid for _, rid in keys[lo:]]
        elif q.order == (self.id_key,) and q.where_field is None:
            if self._by_id is None:
                self._by_id = sorted(self.records)
            ids = self._by_id
        else:
            raise XoqlError(f"order by {', '.join(q.order)} is not supported here")
        total = len(ids)
        end = None if q.size is None else q.offset + q.size
        page = ids[q.offset:end]
        return [{f: self.records[rid].get(f) for f in q.fields} for rid in page], total

    def description(self) -> dict:
        return {
            "apiKey": self.api_key,
            "label": self.entity,
            "fields": [{"apiKey": key, "label": name, "type": self.types[key]} for name, key in self.fields.items()],
        }


def _batches(folder: Path) -> list[Path]:
    """The batch folders of one entity, oldest first (a full pull before the deltas of its day)."""
    def order(p: Path) -> tuple[str, int, str]:
        m = _BATCH.match(p.name)
        return (m.group(2), 0 if m.group(1) == "full" else 1, p.name) if m else ("99999999", 2, p.name)
    return sorted((p for p in folder.iterdir() if p.is_dir()), key=order) if folder.is_dir() else []


class CrmStore:
    """All simulated objects; every method is safe to call from the server's threads."""

    def __init__(self, config: CrmApi | None = None) -> None:
        self.config = config or CrmApi()
        self.lock = threading.RLock()
        self.tables: dict[str, ObjectTable] = {}  # by tenant apiKey
        self.by_entity: dict[str, ObjectTable] = {}
        self._history: list[list[tuple[str, list[dict]]]] = []  # step -> [(entity, records)]
        self.step = 0
        self._clock = 0
        for spec in load_contract().values():
            if spec.system == "crm":
                self._add_table(spec)

    def _add_table(self, spec: EntitySpec) -> None:
        entity = spec.qualified_name
        fields = {f.name: self.config.field_key(entity, f.name) for f in spec.fields}
        table = ObjectTable(entity, self.config.object_key(entity), fields,
                            {fields[f.name]: f.type for f in spec.fields})
        self.tables[table.api_key] = table
        self.by_entity[entity] = table

    # ------------------------------------------------------------ loading and replay
    @classmethod
    def from_landing(cls, landing_dir: Path, config: CrmApi | None = None, *, steps: int | None = None) -> CrmStore:
        """The CRM as of batch ``steps`` of the landing zone (all batches when None)."""
        store = cls(config)
        per_step: dict[str, list[tuple[str, list[dict]]]] = {}
        for entity in store.by_entity:
            for batch in _batches(Path(landing_dir) / "crm" / entity.split(".", 1)[1]):
                records: list[dict] = []
                for page in sorted(batch.glob("page_*.json")):
                    records += json.loads(page.read_text(encoding="utf-8"))["records"]
                m = _BATCH.match(batch.name)
                per_step.setdefault(m.group(2) if m else batch.name, []).append((entity, records))
        store._history = [per_step[k] for k in sorted(per_step)]
        store.advance(len(store._history) if steps is None else steps)
        return store

    @property
    def steps_total(self) -> int:
        return len(self._history)

    def advance(self, n: int = 1) -> int:
        """Apply the next ``n`` batches; returns the step reached."""
        with self.lock:
            for _ in range(n):
                if self.step >= len(self._history):
                    break
                for entity, records in self._history[self.step]:
                    table = self.by_entity[entity]
                    for r in records:
                        table.put(r)
                self.step += 1
            return self.step

    # ------------------------------------------------------------ changes made "by users"
    def now_ms(self) -> int:
        """A strictly increasing clock, never behind the data's newest updatedAt."""
        with self.lock:
            newest = max((max((r[t.updated_key] for r in t.records.values()), default=0)
                          for t in self.tables.values()), default=0)
            self._clock = max(self._clock + 1, int(time.time() * 1000), newest + 1)
            return self._clock

    def update(self, entity: str, rid: int, changes: dict | None = None) -> dict:
        """Save a record as a user would: new values (contract names), a new updatedAt."""
        with self.lock:
            table = self.by_entity[entity]
            current = {name: table.records[rid].get(key) for name, key in table.fields.items()}
            current.update(changes or {})
            current["updatedAt"] = self.now_ms()
            table.put(current, force=True)
            return current

    def insert(self, entity: str, record: dict) -> dict:
        with self.lock:
            now = self.now_ms()
            record = {**record, "createdAt": record.get("createdAt", now), "updatedAt": now}
            self.by_entity[entity].put(record, force=True)
            return record

    def delete(self, entity: str, rid: int) -> bool:
        with self.lock:
            return self.by_entity[entity].remove(rid)

    def contract_records(self, entity: str) -> list[dict]:
        """The current records of ``entity`` with the contract's field names."""
        with self.lock:
            table = self.by_entity[entity]
            return [{name: r.get(key) for name, key in table.fields.items()} for r in table.records.values()]

    # ------------------------------------------------------------ API
    def query(self, q: Query) -> tuple[list[dict], int]:
        with self.lock:
            table = self.tables.get(q.obj)
            if table is None:
                raise XoqlError(f"no object {q.obj}")
            return table.query(q)

    def description(self, api_key: str) -> dict | None:
        with self.lock:
            table = self.tables.get(api_key)
            return None if table is None else table.description()
