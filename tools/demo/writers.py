"""Write frames into the landing zone exactly as each source system delivers them.

One writer per format (CRM JSON pages with full/delta batches, CSV in the promised or a
deliberately wrong encoding, JSONL, partner XLSX). The writer checks every frame against the
contract, records each file with its row count, and records where deliberate dirt landed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from kernel.contracts import EntitySpec, load_contract

from ._util import DAY, UTC_OFFSET, Timeline
from .world import KEEP, Note

PAGE_SIZE = 500


def glob_regex(glob: str) -> re.Pattern:
    """A contract path glob as a regex where ``*`` never crosses a folder."""
    out = []
    for ch in glob:
        out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
    return re.compile("^" + "".join(out) + "$")


def _since_ms(since: str) -> int:
    y, m = (int(x) for x in since.split("-"))
    from datetime import date

    return ((date(y, m, 1) - date(1970, 1, 1)).days * DAY - UTC_OFFSET) * 1000


def _frame_text_columns(
    spec: EntitySpec, df: pl.DataFrame, *, fixed_decimals: bool = False
) -> pl.DataFrame:
    """Contract columns only, typed as the file shows them (dates and times as text)."""
    missing = [f.name for f in spec.fields if f.name not in df.columns]
    extra = [c for c in df.columns if not c.startswith("_") and c not in spec.field_names]
    if missing or extra:
        raise ValueError(
            f"{spec.qualified_name}: frame does not match the contract; missing {missing}, extra {extra}"
        )
    exprs = []
    for f in spec.fields:
        c = pl.col(f.name)
        if f.type == "date":
            c = c.dt.strftime("%Y-%m-%d") if df.schema[f.name] == pl.Date else c.cast(pl.Utf8)
        elif f.type == "timestamp":
            c = c.dt.strftime("%Y-%m-%d %H:%M:%S") if df.schema[f.name] != pl.Utf8 else c
        elif f.type == "timestamp_utc":
            c = c.dt.strftime("%Y-%m-%dT%H:%M:%SZ") if df.schema[f.name] != pl.Utf8 else c
        elif f.type == "decimal":
            # CSV shows every decimal with its scale ("1200.00", "0.0150"); JSON a plain number
            c = c.cast(pl.Float64).round(f.scale)
            if fixed_decimals:
                c = c.cast(pl.Decimal(18, f.scale))
        elif f.type in ("int64", "epoch_ms"):
            c = c.cast(pl.Int64)
        elif f.type == "bool":
            c = c.cast(pl.Boolean)
        else:
            c = c.cast(pl.Utf8)
        exprs.append(c.alias(f.name))
    return df.select(exprs)


class LandingWriter:
    def __init__(self, landing_dir: Path, timeline: Timeline) -> None:
        self.root = landing_dir
        self.tl = timeline
        self.contract = load_contract()
        self.files: dict[str, int] = {}
        self.entity_of: dict[str, str] = {}
        self.dirt: dict[str, list[str]] = {}
        self._globs = {name: glob_regex(spec.path) for name, spec in self.contract.items()}

    # ------------------------------------------------------------ bookkeeping
    def _register(self, entity: str, rel: str, rows: int) -> Path:
        if not self._globs[entity].match(rel):
            raise ValueError(
                f"{rel} does not match the glob {self.contract[entity].path} of {entity}"
            )
        self.files[rel] = rows
        self.entity_of[rel] = entity
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add_dirt(self, kind: str, entry: str) -> None:
        self.dirt.setdefault(kind, []).append(entry)

    # ------------------------------------------------------------ CRM json pages
    def write_crm(
        self,
        entity: str,
        df: pl.DataFrame,
        notes: Sequence[Note] = (),
        *,
        prev_versions: pl.DataFrame | None = None,
        overlaps: int = 0,
        out_of_order: int = 0,
        rng: np.random.Generator | None = None,
    ) -> None:
        """A full pull at the full date and delta pulls after it, as the CRM's query API pages them."""
        spec = self.contract[entity]
        tl = self.tl
        df = df.with_row_index("_rid").with_columns(pl.col("_rid").cast(pl.Int64))
        cols = ["_rid", *spec.field_names]
        final = df.select(cols)
        to_ms = lambda secs: (secs - UTC_OFFSET) * 1000  # noqa: E731
        full_cut = to_ms(tl.cut(tl.full_date))
        created_in_full = final.filter(pl.col("createdAt") <= full_cut)
        changed = created_in_full.filter(pl.col("updatedAt") > full_cut)
        # the full pull saw an earlier version of records changed after it
        if prev_versions is not None and prev_versions.height:
            pv = prev_versions.join(df.select("id", "_rid"), on="id").select(cols)
            pv = pv.filter(pl.col("_rid").is_in(changed["_rid"].implode()))
        else:
            pv = changed.head(0)
        generic = changed.filter(~pl.col("_rid").is_in(pv["_rid"].implode()))
        if generic.height:
            u = (rng or np.random.default_rng(0)).random(generic.height)
            c = generic["createdAt"].to_numpy()
            generic = generic.with_columns(
                pl.Series("updatedAt", (c + u * (full_cut - c)).astype(np.int64))
            )
        full = pl.concat(
            [created_in_full.filter(pl.col("updatedAt") <= full_cut), pv, generic],
            how="vertical_relaxed",
        ).sort("id")
        self._write_batch(
            spec, f"full_{tl.full_date:%Y%m%d}", full, notes, overlaps=overlaps, rng=rng
        )
        prev_cut = full_cut
        for i, d in enumerate(tl.delta_dates):
            cut = to_ms(tl.cut(d))
            batch = final.filter((pl.col("updatedAt") > prev_cut) & (pl.col("updatedAt") <= cut))
            stale = None
            if i == 0 and out_of_order:
                # the API re-sends a stale version of records the full pull had newer
                pool = full.filter(pl.col("updatedAt") > pl.col("createdAt") + 10 * DAY * 1000)
                if pool.height:
                    pick = (rng or np.random.default_rng(0)).choice(
                        pool.height, size=min(out_of_order, pool.height), replace=False
                    )
                    stale = pool[np.sort(pick)]
                    back = np.maximum(
                        stale["updatedAt"].to_numpy() - 5 * DAY * 1000,
                        stale["createdAt"].to_numpy(),
                    )
                    stale = stale.with_columns(pl.Series("updatedAt", back.astype(np.int64)))
            batch = batch.sort(["updatedAt", "id"])
            if stale is not None:
                batch = pl.concat([batch, stale.sort(["updatedAt", "id"])])
            self._write_batch(
                spec,
                f"delta_{d:%Y%m%d}",
                batch,
                notes,
                stale_from=(batch.height - (0 if stale is None else stale.height)),
            )
            prev_cut = cut

    def _write_batch(
        self,
        spec: EntitySpec,
        batch_name: str,
        frame: pl.DataFrame,
        notes: Sequence[Note],
        *,
        overlaps: int = 0,
        rng: np.random.Generator | None = None,
        stale_from: int | None = None,
    ) -> None:
        n = frame.height
        n_pages = max(1, -(-n // PAGE_SIZE))
        starts = np.arange(n_pages) * PAGE_SIZE
        dup_pages: set[int] = set()
        if overlaps and n_pages > 1:
            # offset paging while records are inserted: a page starts with the previous page's last record
            k = (rng or np.random.default_rng(0)).choice(
                np.arange(1, n_pages), size=min(overlaps, n_pages - 1), replace=False
            )
            for p in sorted(k):
                starts[p:] -= 1
                dup_pages.add(int(p))
            # the last page may have emptied; the last page takes the rest in any case
        by_rid: dict[int, list[Note]] = {}
        for note in notes:
            by_rid.setdefault(note.row, []).append(note)
        note_rids = np.array(sorted(by_rid), dtype=np.int64)
        since_fields = [(f.name, _since_ms(f.since)) for f in spec.fields if f.since]
        text = _frame_text_columns(spec, frame)
        rids = frame["_rid"].to_numpy()
        updated = frame["updatedAt"].to_numpy()
        for p in range(n_pages):
            lo = int(starts[p])
            hi = min(lo + PAGE_SIZE, n) if p + 1 < n_pages else n
            rel = f"{spec.system}/{spec.name}/{batch_name}/page_{p + 1:04d}.json"
            page = text.slice(lo, hi - lo)
            body = page.write_json() if page.height else "[]"
            patches: dict[int, dict[str, object]] = {}
            drops: dict[int, list[str]] = {}
            for i in np.flatnonzero(np.isin(rids[lo:hi], note_rids)).tolist():
                for note in by_rid[int(rids[lo + i])]:
                    if note.value is not KEEP:
                        patches.setdefault(i, {})[note.field] = note.value
                    self.add_dirt(note.kind, f"{rel}:{i + 1}:{note.field}")
            for fname, since in since_fields:
                old = np.flatnonzero(updated[lo:hi] < since)
                for i in old:
                    drops.setdefault(int(i), []).append(fname)
                if len(old):
                    self.add_dirt("column_appears_mid_history", f"{rel}:{fname}")
            if patches or drops:
                records = json.loads(body)
                for i, fields in patches.items():
                    records[i].update(fields)
                for i, fields in drops.items():
                    for f in fields:
                        records[i].pop(f, None)
                body = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
            if p in dup_pages:
                self.add_dirt("duplicate_across_pages", f"{rel}:1:id")
            if stale_from is not None and hi > stale_from:
                for i in range(max(lo, stale_from), hi):
                    self.add_dirt("out_of_order_updates", f"{rel}:{i - lo + 1}:updatedAt")
            head = (
                f'{{"totalSize":{n},"pageNo":{p + 1},"pageSize":{PAGE_SIZE},'
                f'"hasMore":{"true" if p + 1 < n_pages else "false"},"records":'
            )
            path = self._register(spec.qualified_name, rel, hi - lo)
            path.write_text(head + body + "}", encoding="utf-8")

    # ------------------------------------------------------------ CSV
    def write_csv(
        self,
        entity: str,
        rel: str,
        df: pl.DataFrame,
        notes: Sequence[Note] = (),
        *,
        month: str | None = None,
        encoding: str | None = None,
        truncate: bool = False,
    ) -> None:
        """One CSV file; ``month`` (YYYY-MM) drops columns the source only added later."""
        spec = self.contract[entity]
        text_df = _frame_text_columns(spec, df, fixed_decimals=True)
        headers = [f.header for f in spec.fields]
        keep = [f for f in spec.fields if not (f.since and month is not None and month < f.since)]
        if len(keep) < len(spec.fields):
            self.add_dirt(
                "column_appears_mid_history",
                f"{rel}:{[f.header for f in spec.fields if f not in keep][0]}",
            )
        text_df = text_df.select([f.name for f in keep])
        headers = [f.header for f in keep]
        body = text_df.write_csv(
            include_header=False,
            line_terminator="\n",
            quote_style="necessary",
            null_value="",
        )
        lines = body.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        pos = {f.name: i for i, f in enumerate(keep)}
        for note in notes:
            if note.value is not KEEP and note.field in pos:
                row = next(csv.reader([lines[note.row]]))
                row[pos[note.field]] = str(note.value)
                buf = io.StringIO()
                csv.writer(buf, lineterminator="").writerow(row)
                lines[note.row] = buf.getvalue()
            self.add_dirt(note.kind, f"{rel}:{note.row + 1}:{note.field}")
        rows = len(lines)
        header = ",".join(headers)
        if truncate and rows > 4:
            # the transfer broke off in the middle of a row: keep the complete rows before it
            cut_row = int(rows * 0.6)
            kept = lines[:cut_row]
            partial = lines[cut_row][: max(1, len(lines[cut_row]) // 2)]
            text = header + "\n" + "\n".join(kept) + "\n" + partial
            rows = len(kept)
            self.add_dirt("truncated_file", rel)
        else:
            text = header + "\n" + "\n".join(lines) + ("\n" if lines else "")
        enc = encoding or spec.encoding
        if encoding and encoding != spec.encoding:
            self.add_dirt("unexpected_encoding", rel)
        path = self._register(entity, rel, rows)
        path.write_bytes(text.encode(enc))

    def write_csv_monthly(
        self,
        entity: str,
        df: pl.DataFrame,
        time_col: str,
        name: str,
        notes: Sequence[Note] = (),
        *,
        encodings: dict[str, str] | None = None,
        truncate_month: str | None = None,
    ) -> None:
        """Split ``df`` by the month of ``time_col`` into files named ``name.format(month=...)``."""
        months = df.select(pl.col(time_col).dt.strftime("%Y-%m")).to_series()
        df = df.with_columns(months.alias("_month")).with_row_index("_rid")
        by_row: dict[int, list[Note]] = {}
        for note in notes:
            by_row.setdefault(note.row, []).append(note)
        for (label,), part in df.sort(["_month", time_col], maintain_order=True).group_by(
            ["_month"], maintain_order=True
        ):
            rids = part["_rid"].to_numpy()
            hits = np.flatnonzero(np.isin(rids, np.array(sorted(by_row), dtype=np.int64))).tolist()
            local = [
                Note(i, nt.field, nt.kind, nt.value) for i in hits for nt in by_row[int(rids[i])]
            ]
            self.write_csv(
                entity,
                name.format(month=label),
                part.drop("_rid", "_month"),
                local,
                month=label,
                encoding=(encodings or {}).get(label),
                truncate=(label == truncate_month),
            )

    # ------------------------------------------------------------ JSONL
    def write_jsonl(
        self, entity: str, rel: str, df: pl.DataFrame, notes: Sequence[Note] = ()
    ) -> None:
        spec = self.contract[entity]
        body = _frame_text_columns(spec, df).write_ndjson()
        if notes:
            lines = body.split("\n")
            for note in notes:
                if note.value is not KEEP:
                    rec = json.loads(lines[note.row])
                    rec[note.field] = note.value
                    lines[note.row] = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
                self.add_dirt(note.kind, f"{rel}:{note.row + 1}:{note.field}")
            body = "\n".join(lines)
        path = self._register(entity, rel, df.height)
        path.write_text(body, encoding=spec.encoding)

    # ------------------------------------------------------------ XLSX
    def write_xlsx(
        self,
        entity: str,
        rel: str,
        headers: list[str],
        rows: Iterable[Sequence[object]],
        n_rows: int,
        bad_cells: Iterable[tuple[int, int, object, str]] = (),
    ) -> None:
        """One sheet, the header on the first row; ``bad_cells`` are (row, column, value, field)."""
        import xlsxwriter

        path = self._register(entity, rel, n_rows)
        bad = {(r, c): (v, f) for r, c, v, f in bad_cells}
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        # a fixed creation date keeps the bytes of the file reproducible
        wb.set_properties({"created": datetime(2020, 1, 1)})
        ws = wb.add_worksheet("Sheet1")
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, headers)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if (r - 1, c) in bad:
                    v, f = bad[(r - 1, c)]
                    self.add_dirt("bad_rows", f"{rel}:{r}:{f}")
                if v is None:
                    continue
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, date_fmt)
                else:
                    ws.write(r, c, v)
        wb.close()
