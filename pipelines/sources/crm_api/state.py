"""Each CRM entity's extraction state, kept durably in the lakehouse's ledger folder.

One small JSON file per entity (``ledger/crm_api/<entity>.json``), replaced atomically after
every landing page is written: the watermark (highest ``updatedAt`` written), the (id, updatedAt)
pairs inside the look-back window (so a re-read of that window writes nothing twice), the batch
folder of the current run and how many of its pages are accounted for (a page written by a run
killed before it saved the state is adopted on the next start, not fetched again), and the last
success and error for ``crmlake status``. The CRM does not know its readers, so the state lives here.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kernel.settings import Settings


@dataclass
class EntityState:
    watermark: int | None = None  # epoch ms, highest updatedAt written into the landing zone
    recent: list[list[int]] = field(default_factory=list)  # [id, updatedAt] with updatedAt >= watermark - look-back
    batch: str | None = None  # landing sub-folder of the last run that wrote pages
    batch_pages: int = 0  # pages of that folder accounted for in this state
    records_written: int = 0  # over all runs
    deleted_ids: int = 0  # ids landed as deleted (delete markers, the API's and a file drop's)
    last_reconciled: str | None = None  # ISO-8601 UTC of the last id reconciliation
    last_success: str | None = None  # ISO-8601 UTC
    last_error: str | None = None
    last_error_at: str | None = None

    def remember(self, pairs: list[tuple[int, int]], look_back_ms: int) -> None:
        """Move the watermark over written records and keep only the look-back window's pairs."""
        if not pairs:
            return
        top = max(u for _, u in pairs)
        self.watermark = top if self.watermark is None else max(self.watermark, top)
        floor = self.watermark - look_back_ms
        kept = {(i, u) for i, u in self.recent if u >= floor}
        kept.update((i, u) for i, u in pairs if u >= floor)
        self.recent = sorted([i, u] for i, u in kept)


def state_dir(settings: Settings) -> Path:
    return settings.ledger_dir / "crm_api"


def state_path(settings: Settings, entity: str) -> Path:
    return state_dir(settings) / f"{entity}.json"


def deleted_path(settings: Settings, entity: str) -> Path:
    """The ids of ``entity`` whose newest landed version is a delete marker, as of the last
    reconciliation (those it found and those landed before, by a pull or a file drop)."""
    return state_dir(settings) / f"{entity}.deleted.json"


def load_state(settings: Settings, entity: str) -> EntityState:
    path = state_path(settings, entity)
    if not path.exists():
        return EntityState()
    return EntityState(**json.loads(path.read_text(encoding="utf-8")))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_state(settings: Settings, entity: str, state: EntityState) -> None:
    _atomic_write(state_path(settings, entity), json.dumps(asdict(state), separators=(",", ":")))


def save_deleted(settings: Settings, entity: str, ids: list[int], detected_at: str) -> None:
    doc = {"entity": entity, "detectedAt": detected_at, "ids": sorted(ids)}
    _atomic_write(deleted_path(settings, entity), json.dumps(doc, separators=(",", ":")))


def load_deleted(settings: Settings, entity: str) -> list[int]:
    path = deleted_path(settings, entity)
    return list(json.loads(path.read_text(encoding="utf-8"))["ids"]) if path.exists() else []


def all_states(settings: Settings) -> dict[str, EntityState]:
    """Every entity that has a state, for ``crmlake status``."""
    folder = state_dir(settings)
    if not folder.is_dir():
        return {}
    return {p.stem: load_state(settings, p.stem) for p in sorted(folder.glob("crm.*.json"))
            if not p.name.endswith(".deleted.json")}
