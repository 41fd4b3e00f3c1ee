"""The next day's delivery for an existing demo landing zone, as the four sources send it daily.

``write_next_day(landing_dir)`` adds one day after the latest delivery already there: a CRM
``delta_YYYYMMDD`` batch for every object, and daily CSV files (``<entity>_YYYY-MM-DD.csv``)
from the ERP, the call center and the partner portal. The day holds new records (leads,
opportunities and their first stage, repeat orders with lines, splits, plans and installments,
receipts with their bank receipts and invoices, tickets with events and calls, activities,
expenses, deal registrations), updates of earlier records as new versions with a newer
version field (an opportunity moves stage or closes, a lead is contacted, a ticket moves on),
late corrections (an opportunity and an expense from days or weeks before re-sent with a
changed amount) and one re-delivered file: the previous invoice file under its own name with
one invoice's amount corrected, which the ledger loads as a new delivery of that file.

Why a replay: day N is computed by rebuilding the demo world from the seed, scale and end
date the manifest records and replaying days 1..N in memory, so the same landing zone and day
always give the same bytes, and day N's updates see what days 1..N-1 changed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from kernel.contracts import entities_of, load_contract

from . import vocab
from ._util import _OFFICE_HOURS, DAY, UTC_OFFSET, codes, local_seconds, mobiles, person_names, pick
from .world import World

__all__ = ["DayReport", "NotADemoLandingZone", "write_next_day"]

MANIFEST = "_truth/manifest.json"
OPEN_TICKET = {  # the next status of an open ticket
    "new": "assigned",
    "assigned": "in_progress",
    "in_progress": "resolved",
    "waiting_on_customer": "in_progress",
}
STAGE_UP = {"初步接洽": "需求确认", "需求确认": "方案报价", "方案报价": "商务谈判"}


class NotADemoLandingZone(Exception):
    """The landing zone has no demo manifest to continue from."""


@dataclass
class DayReport:
    """What one next-day delivery wrote: landing-relative path -> data rows."""

    day: date
    files: dict[str, int] = field(default_factory=dict)
    entity_of: dict[str, str] = field(default_factory=dict, repr=False)
    redelivered: str = ""

    def rows_by_entity(self) -> dict[str, int]:
        """Rows of the day's own files per entity (the re-delivered file is not counted)."""
        out: dict[str, int] = {}
        for rel, n in self.files.items():
            if rel != self.redelivered:
                out[self.entity_of[rel]] = out.get(self.entity_of[rel], 0) + n
        return out


def write_next_day(landing_dir: Path) -> DayReport:
    """Write the day after the latest delivery in ``landing_dir`` and record it in the manifest."""
    from .writers import LandingWriter

    landing_dir = Path(landing_dir)
    manifest_path = landing_dir / MANIFEST
    if not manifest_path.exists():
        raise NotADemoLandingZone(f"{manifest_path} not found: write a demo first (crmlake demo)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if "demo" not in manifest:
        raise NotADemoLandingZone(
            f"{manifest_path} predates next-day deliveries: write the demo again (crmlake demo)"
        )
    params = manifest["demo"]
    end = date.fromisoformat(params["end_date"])
    n = len(manifest.get("next_days", [])) + 1
    world = base_world(params["seed"], params["scale"], end)
    for k in range(1, n + 1):
        day = _Day(world, end + timedelta(days=k))
        day.simulate()
    writer = LandingWriter(landing_dir, world.tl)
    day.write(writer)
    report = DayReport(day.day, dict(sorted(writer.files.items())), writer.entity_of)
    report.redelivered = day.redeliver_invoice_file(writer, landing_dir, previous=_previous(n, end))
    report.files[report.redelivered] = writer.files[report.redelivered]
    manifest["files"] = sorted(set(manifest["files"]) | set(report.files))
    manifest.setdefault("next_days", []).append(
        {"date": day.day.isoformat(), "files": sorted(report.files)}
    )
    manifest_path.write_text(json.dumps(manifest, indent=0), encoding="utf-8")
    return report


def base_world(seed: int, scale: float, end_date: date) -> World:
    """The demo world as ``generate`` builds it (tables only, nothing written)."""
    from . import callcenter, crm, erp, partners, registry

    world = World(seed=seed, scale=scale, end_date=end_date)
    for module in (crm, erp, callcenter, partners, registry):
        module.build(world)
    return world


def _previous(n: int, end: date) -> str:
    """The invoice file re-delivered on day ``n``: the day before's, or the base's last month."""
    if n == 1:
        return f"erp/invoices/invoices_{end:%Y-%m}.csv"
    return f"erp/invoices/invoices_{end + timedelta(days=n - 1):%Y-%m-%d}.csv"


def _codes(prefix: str, numbers, width: int) -> np.ndarray:
    """``_util.codes`` that also takes no numbers at all."""
    numbers = np.asarray(numbers, dtype=np.int64)
    return codes(prefix, numbers, width) if len(numbers) else np.array([], dtype=str)


def _lookup(frame: pl.DataFrame, key: str, value: str) -> dict:
    return dict(zip(frame[key].to_list(), frame[value].to_list(), strict=True))


def _ms(secs) -> np.ndarray:
    return (np.asarray(secs, dtype=np.int64) - UTC_OFFSET) * 1000


def _local(ms) -> np.ndarray:
    return np.asarray(ms, dtype=np.int64) // 1000 + UTC_OFFSET


def _ts(secs) -> pl.Series:
    return pl.from_epoch(pl.Series(np.asarray(secs, dtype=np.int64)), time_unit="s")


def _secs_of(ts: pl.Series) -> np.ndarray:
    return ts.dt.epoch("s").to_numpy()


class _Day:
    """One day of the company: mutates ``world.tables`` and keeps the day's CSV rows."""

    def __init__(self, world: World, day: date) -> None:
        self.w = world
        self.day = day
        self.rng = world.rng(f"next_day.{day:%Y%m%d}")
        self.start = local_seconds(day)
        self.csv: dict[str, pl.DataFrame] = {}

    # ------------------------------------------------------------ helpers
    def times(self, n: int) -> np.ndarray:
        """n office-hour times on the day, sorted."""
        hours = self.rng.choice(24, size=n, p=_OFFICE_HOURS / _OFFICE_HOURS.sum())
        return np.sort(self.start + hours * 3600 + self.rng.integers(0, 3600, n))

    def count(self, created_secs: np.ndarray) -> int:
        """Today's new records: the last four weeks' daily rate, less at the weekend, at least 1."""
        recent = (created_secs >= self.start - 28 * DAY) & (created_secs < self.start)
        rate = recent.sum() / 28 * (0.2 if self.day.weekday() >= 5 else 1.3)
        return max(1, int(self.rng.poisson(rate)))

    def templates(self, created_secs: np.ndarray, n: int, ok=None) -> np.ndarray:
        """Rows to copy new records from: ``ok`` ones of the last 90 days, else any ``ok`` one,
        else any (a tiny demo may have none of a kind)."""
        ok = np.ones(len(created_secs), bool) if ok is None else np.asarray(ok)
        recent = ok & (created_secs >= self.start - 90 * DAY)
        pool = next(np.flatnonzero(m) for m in (recent, ok, np.ones_like(ok)) if m.any())
        return np.sort(self.rng.choice(pool, size=n))

    def choose(self, mask: np.ndarray, n: int) -> np.ndarray:
        rows = np.flatnonzero(mask)
        return np.sort(self.rng.choice(rows, size=min(n, len(rows)), replace=False))

    def late(self, secs: np.ndarray, min_days: int) -> np.ndarray:
        """The row a late correction re-sends: one from ``min_days`` to three weeks before,
        else the latest one older than a day."""
        age = self.start - secs
        window = (age > min_days * DAY) & (age < 21 * DAY)
        if window.any():
            return self.choose(window, 1)
        older = np.flatnonzero(age > DAY)
        return older[np.argmin(age[older])][None] if len(older) else older

    def upsert(self, entity: str, rows: pl.DataFrame, key: str = "id") -> None:
        t = self.w.tables[entity]
        rows = rows.select(t.columns).cast(t.schema)
        self.w.tables[entity] = pl.concat([t.filter(~pl.col(key).is_in(rows[key].implode())), rows])

    def new_crm(self, entity: str, rows: np.ndarray, when: np.ndarray, **cols) -> pl.DataFrame:
        """Copies of ``rows`` of a CRM table as new records created at ``when``."""
        t = self.w.tables[entity][rows]
        ids = self.w.ids.take(len(rows))
        out = t.with_columns(
            pl.Series("id", ids),
            pl.Series("createdAt", _ms(when)),
            pl.Series("updatedAt", _ms(when)),
        ).with_columns(
            **{k: (v if isinstance(v, pl.Expr) else pl.Series(k, v)) for k, v in cols.items()}
        )
        self.upsert(entity, out)
        return out

    def touched(self, entity: str) -> pl.DataFrame:
        """CRM records changed today: the day's delta batch."""
        lo, hi = _ms(self.start), _ms(self.start + DAY - 1)
        return (
            self.w.tables[entity]
            .filter(pl.col("updatedAt").is_between(lo, hi))
            .sort(["updatedAt", "id"])
        )

    # ------------------------------------------------------------ the day
    def simulate(self) -> None:
        self.leads()
        self.opportunities()
        orders = self.orders()
        self.receipts()
        self.invoices(orders)
        self.activities_and_expenses()
        self.tickets_and_calls()
        self.registrations()

    def leads(self) -> None:
        t = self.w.tables["crm.leads"]
        n = self.count(_local(t["createdAt"]))
        rows = self.templates(_local(t["createdAt"]), n)
        self.new_crm(
            "crm.leads",
            rows,
            self.times(n),
            name=person_names(self.rng, n),
            mobile=mobiles(self.rng, n),
            status=np.full(n, "new"),
            convertedAt=pl.lit(None),
            convertedAccountId=pl.lit(None),
            convertedOpportunityId=pl.lit(None),
        )
        fresh = (t["status"] == "new").to_numpy() & (_local(t["updatedAt"]) < self.start)
        up = self.choose(fresh, max(1, n // 2))
        self.upsert(
            "crm.leads",
            t[up].with_columns(
                status=pl.lit("contacted"), updatedAt=pl.Series(_ms(self.times(len(up))))
            ),
        )

    def opportunities(self) -> None:
        from .crm.opportunities import FORECAST, WIN_RATE

        t = self.w.tables["crm.opportunities"]
        created = _local(t["createdAt"])
        n = self.count(created)
        when = self.times(n)
        close = [self.day + timedelta(days=int(d)) for d in self.rng.integers(45, 150, n)]
        new = self.new_crm(
            "crm.opportunities",
            self.templates(created, n),
            when,
            stage=np.full(n, "初步接洽"),
            winRate=np.full(n, WIN_RATE["初步接洽"]),
            forecastCategory=np.full(n, FORECAST["初步接洽"]),
            status=np.full(n, "open"),
            lossReason=pl.lit(None),
            leadId=pl.lit(None),
            closeDate=close,
        )
        moves = [new.with_columns(fromStage=pl.lit(None, dtype=pl.Utf8))]
        # open opportunities move one stage on; at 商务谈判 they close, won or lost
        t = self.w.tables["crm.opportunities"]
        open_ = (t["status"] == "open").to_numpy() & (_local(t["updatedAt"]) < self.start)
        history = self.w.tables["crm.opportunity_stage_history"]
        moves_today = max(1, self.count(_local(history["createdAt"])) - n)
        up = t[self.choose(open_, moves_today)]
        old = up["stage"].to_numpy().astype(str)
        won = self.rng.random(len(old)) < 0.55
        stage = np.array(
            [STAGE_UP.get(s, "赢单" if w else "输单") for s, w in zip(old, won, strict=True)]
        )
        status = np.where(stage == "赢单", "won", np.where(stage == "输单", "lost", "open"))
        up = up.with_columns(
            stage=pl.Series(stage),
            status=pl.Series(status),
            winRate=pl.Series([WIN_RATE[s] for s in stage]),
            forecastCategory=pl.Series([FORECAST[s] for s in stage]),
            lossReason=pl.Series(
                np.where(
                    status == "lost", pick(self.rng, vocab.LOSS_REASONS, len(status)), None
                ).tolist(),
                dtype=pl.Utf8,
            ),
            closeDate=pl.when(pl.Series(status) == "open")
            .then(pl.col("closeDate"))
            .otherwise(pl.lit(self.day)),
            updatedAt=pl.Series(_ms(self.times(len(stage)))),
        )
        self.upsert("crm.opportunities", up)
        moves.append(up.with_columns(fromStage=pl.Series(old)))
        # a late correction: an amount from one to three weeks ago, re-sent with a newer updatedAt
        t = self.w.tables["crm.opportunities"]
        fix = t[self.late(_local(t["updatedAt"]), 7)]
        fix = fix.with_columns(
            amount=(
                (pl.col("amount") * float(self.rng.choice([0.9, 1.1, 1.25])) / 100).round(0) * 100
            ),
            updatedAt=pl.Series(_ms(self.times(fix.height))),
        )
        self.upsert("crm.opportunities", fix)
        moves.append(fix.with_columns(fromStage=pl.col("stage")))
        self.stage_history(pl.concat(moves, how="vertical_relaxed"))

    def stage_history(self, changes: pl.DataFrame) -> None:
        h = self.w.tables["crm.opportunity_stage_history"]
        rows = h[np.zeros(changes.height, dtype=np.int64)]
        out = rows.with_columns(
            id=pl.Series(self.w.ids.take(changes.height)),
            ownerId=changes["ownerId"],
            createdAt=changes["updatedAt"],
            updatedAt=changes["updatedAt"],
            opportunityId=changes["id"],
            fromStage=changes["fromStage"],
            toStage=changes["stage"],
            amount=changes["amount"],
            closeDate=changes["closeDate"],
            changedAt=changes["updatedAt"],
            changedBy=changes["ownerId"],
        )
        self.upsert("crm.opportunity_stage_history", out)

    def orders(self) -> pl.DataFrame:
        """Repeat orders of existing customers: copies of recent orders without a contract."""
        o = self.w.tables["crm.orders"]
        live = (o["status"] != "cancelled").to_numpy() & o["contractId"].is_null().to_numpy()
        n = self.count(_local(o["createdAt"]))
        rows = self.templates(_local(o["createdAt"]), n, ok=live)
        when = self.times(n)
        new = self.new_crm(
            "crm.orders",
            rows,
            when,
            orderNo=_codes(f"SO{self.day:%Y%m}", o.height + 1 + np.arange(n), 5),
            orderDate=[self.day] * n,
            status=np.full(n, "confirmed"),
            opportunityId=pl.lit(None),
            quoteId=pl.lit(None),
        )
        for old, copy, at in zip(o[rows].iter_rows(named=True), new["id"], when, strict=True):
            self.copy_order_parts(old["id"], copy, at, (self.day - old["orderDate"]).days)
        return new

    def copy_order_parts(self, old: int, new: int, at: int, shift_days: int) -> None:
        """Lines, splits, payment plans and installments of order ``old`` for its copy ``new``;
        the installments fall due as long after the new order as they did after the old one."""
        t = self.w.tables
        for entity in ("crm.order_lines", "crm.order_splits"):
            self.renew(entity, t[entity].filter(pl.col("orderId") == old), at, orderId=pl.lit(new))
        for plan in t["crm.payment_plans"].filter(pl.col("orderId") == old).iter_slices(1):
            number = t["crm.payment_plans"].height + 1
            copy = self.renew(
                "crm.payment_plans",
                plan,
                at,
                orderId=pl.lit(new),
                planNo=pl.lit(_codes("HKJH", [number], 6)[0]),
            )
            parts = t["crm.payment_installments"].filter(pl.col("paymentPlanId") == plan["id"][0])
            self.renew(
                "crm.payment_installments",
                parts,
                at,
                orderId=pl.lit(new),
                paymentPlanId=pl.lit(copy["id"][0]),
                dueDate=pl.col("dueDate") + pl.duration(days=shift_days),
            )

    def renew(self, entity: str, rows: pl.DataFrame, at: int, **cols) -> pl.DataFrame:
        """``rows`` again as new records (new ids) created at ``at``, with ``cols`` changed."""
        out = rows.with_columns(
            id=pl.Series(self.w.ids.take(rows.height)),
            createdAt=pl.lit(int(_ms(at))),
            updatedAt=pl.lit(int(_ms(at))),
            **cols,
        )
        self.upsert(entity, out)
        return out

    def receipts(self) -> None:
        """Installments due around today get paid: a CRM receipt and the bank's receipt."""
        tables = self.w.tables
        r, inst = tables["crm.receipts"], tables["crm.payment_installments"]
        due = _secs_of(inst["dueDate"].cast(pl.Datetime("us")))
        unpaid = ~inst["id"].is_in(r["installmentId"].drop_nulls().implode()).to_numpy()
        near = unpaid & (due > self.start - 30 * DAY) & (due < self.start + 5 * DAY)
        paid = inst[self.choose(near, self.count(_local(r["createdAt"])))]
        n = paid.height
        if not n:
            return
        when = self.times(n)
        seq = r.height + 1 + np.arange(n)
        txn = _codes(f"BK{self.day:%Y%m%d}", self.rng.integers(0, 10**9, n), 9)
        receipts = r[np.full(n, r.height - 1)].with_columns(
            id=pl.Series(self.w.ids.take(n)),
            ownerId=paid["ownerId"],
            createdAt=pl.Series(_ms(when)),
            updatedAt=pl.Series(_ms(when)),
            receiptNo=pl.Series(_codes(f"HK{self.day:%Y%m%d}", seq, 6)),
            accountId=paid["accountId"],
            contractId=paid["contractId"],
            orderId=paid["orderId"],
            installmentId=paid["id"],
            receiptDate=pl.lit(self.day),
            amount=paid["amount"],
            receiptType=pl.lit("receipt"),
            paymentMethod=pl.lit("银行转账"),
            bankTxnNo=pl.Series(txn),
        )
        self.upsert("crm.receipts", receipts)
        names = _lookup(tables["crm.accounts"], "id", "accountName")
        orders = _lookup(tables["crm.orders"], "id", "orderNo")
        b = tables["erp.bank_receipts"]
        self.csv["erp.bank_receipts"] = b[np.full(n, b.height - 1)].with_columns(
            bank_txn_no=pl.Series(txn),
            txn_date=pl.lit(self.day),
            payer_name=pl.Series([names.get(a, "") for a in paid["accountId"]]),
            amount=paid["amount"],
            memo=pl.Series([f"货款 {orders.get(o, '')}" for o in paid["orderId"]]),
            claim_status=pl.lit("已认领"),
            crm_receipt_no=receipts["receiptNo"],
            _t=_ts(when),
        )

    def invoices(self, orders: pl.DataFrame) -> None:
        """Today's orders are invoiced at 13 % VAT under new invoice numbers."""
        inv = self.w.tables["erp.invoices"]
        n = orders.height
        names = _lookup(self.w.tables["crm.accounts"], "id", "accountName")
        first = int(inv["invoice_no"].cast(pl.Int64, strict=False).max()) + 1
        incl = orders["totalAmount"].round(2)
        ex = (incl / 1.13).round(2)
        new = (
            inv[np.full(n, inv.height - 1)]
            .with_columns(
                invoice_no=pl.Series([str(first + i) for i in range(n)]),
                invoice_date=pl.lit(self.day),
                customer_name=pl.Series([names.get(a, "") for a in orders["accountId"]]),
                tax_id=pl.lit(None),
                crm_order_no=orders["orderNo"],
                amount_ex_tax=ex,
                tax_amount=(incl - ex).round(2),
                amount_incl_tax=incl,
                status=pl.lit("正常"),
                e_invoice_no=pl.Series(_codes("2631", self.rng.integers(0, 10**15, n), 16)),
                _t=_ts(_local(orders["createdAt"])),
            )
            .cast(inv.schema)
        )
        self.w.tables["erp.invoices"] = pl.concat([inv, new])
        self.csv["erp.invoices"] = new

    def activities_and_expenses(self) -> None:
        for entity in ("crm.activities", "crm.expenses"):
            t = self.w.tables[entity]
            n = self.count(_local(t["createdAt"]))
            when = self.times(n)
            cols = (
                {"activityTime": _ms(when)}
                if entity == "crm.activities"
                else {
                    "expenseNo": _codes("FY", t.height + 1 + np.arange(n), 7),
                    "expenseDate": [self.day] * n,
                    "status": np.full(n, "submitted"),
                }
            )
            self.new_crm(entity, self.templates(_local(t["createdAt"]), n), when, **cols)
        # a late correction: an expense claimed one to three weeks ago, amount changed by finance
        t = self.w.tables["crm.expenses"]
        fix = t[self.late(_local(t["createdAt"]), 3)]
        self.upsert(
            "crm.expenses",
            fix.with_columns(
                amount=(pl.col("amount") * 0.8).round(2),
                updatedAt=pl.Series(_ms(self.times(fix.height))),
            ),
        )

    def tickets_and_calls(self) -> None:
        from .callcenter.teams import pick_agent

        t = self.w.tables["callcenter.tickets"]
        ev = self.w.tables["callcenter.ticket_events"]
        n = self.count(_secs_of(t["created_at"]))
        when = self.times(n)
        seq = t.height + 1 + np.arange(n)
        new = (
            t[self.templates(_secs_of(t["created_at"]), n)]
            .with_columns(
                ticket_no=pl.Series(_codes(f"TK{self.day:%Y%m%d}", seq, 6)),
                status=pl.lit("new"),
                assignee_agent_id=pl.lit(None),
                call_id=pl.lit(None),
                conversation_id=pl.lit(None),
                created_at=_ts(when),
                updated_at=_ts(when),
            )
            .cast(t.schema)
        )
        phone = np.flatnonzero(new["channel"].to_numpy() == "phone")
        call_ids = _codes(f"C{self.day:%Y%m%d}", np.arange(1, len(phone) + 1), 5)
        new = new.with_columns(
            call_id=pl.Series([None] * n, dtype=pl.Utf8).scatter(phone, call_ids)
        )
        # open tickets move one status on, resolved ones of three days ago are closed
        status = t["status"].to_numpy().astype(str)
        idle = _secs_of(t["updated_at"]) < self.start - 3 * DAY
        up = t[
            self.choose(
                np.isin(status, list(OPEN_TICKET)) | ((status == "resolved") & idle), max(1, n)
            )
        ]
        old = up["status"].to_numpy().astype(str)
        to = np.array([OPEN_TICKET.get(s, "closed") for s in old])
        up_when = self.times(up.height)
        agents = pick_agent(self.rng, self.w, up["team"].to_numpy().astype(str))
        up = up.with_columns(
            status=pl.Series(to),
            updated_at=_ts(up_when),
            assignee_agent_id=pl.col("assignee_agent_id").fill_null(pl.Series(agents)),
        )
        changed = pl.concat([new, up])
        self.w.tables["callcenter.tickets"] = pl.concat(
            [t.filter(~pl.col("ticket_no").is_in(up["ticket_no"].implode())), changed]
        )
        self.csv["callcenter.tickets"] = changed
        m = changed.height
        events = ev[np.full(m, ev.height - 1)].with_columns(
            ticket_no=changed["ticket_no"],
            event_type=pl.lit("status_change"),
            from_status=pl.Series([None] * n + old.tolist(), dtype=pl.Utf8),
            to_status=changed["status"],
            actor=pl.Series(["system"] * n + agents.tolist()),
            event_id=pl.Series(_codes("EV", ev.height + 1 + np.arange(m), 8)),
            event_time=changed["updated_at"],
        )
        self.w.tables["callcenter.ticket_events"] = pl.concat([ev, events])
        self.csv["callcenter.ticket_events"] = events
        self.csv["callcenter.call_records"] = self.calls(
            new[phone], call_ids, _secs_of(new["created_at"])[phone]
        )

    def calls(self, tickets: pl.DataFrame, call_ids: np.ndarray, start: np.ndarray) -> pl.DataFrame:
        """The calls that opened today's phone tickets (a few minutes before each ticket)."""
        from .callcenter.teams import pick_agent

        n = len(call_ids)
        start = start - self.rng.integers(200, 900, n)
        talk = self.rng.lognormal(5.2, 0.6, n).astype(np.int64)
        return pl.DataFrame(
            {
                "call_id": call_ids,
                "queue": np.full(n, "售后服务"),
                "agent_id": pick_agent(self.rng, self.w, tickets["team"].to_numpy().astype(str)),
                "customer_number": tickets["contact_phone"].fill_null(
                    pl.Series(mobiles(self.rng, n) if n else [])
                ),
                "direction": np.full(n, "inbound"),
                "start_time": _ts(start),
                "end_time": _ts(start + 20 + talk),
                "talk_seconds": talk,
                "hold_seconds": np.zeros(n, dtype=np.int64),
                "recording_id": np.char.add("REC", call_ids.astype(str)),
                "hangup_by": np.full(n, "customer"),
            }
        )

    def registrations(self) -> None:
        t = self.w.tables["partners.deal_registrations"]
        n = self.count(_secs_of(t["submitted_at"]))
        when = self.times(n)
        close = [self.day + timedelta(days=int(d)) for d in self.rng.integers(60, 150, n)]
        new = (
            t[self.templates(_secs_of(t["submitted_at"]), n)]
            .with_columns(
                registration_id=pl.Series(
                    _codes(f"DR{self.day:%Y%m}", t.height + 1 + np.arange(n), 5)
                ),
                submitted_at=_ts(when),
                status=pl.lit("pending"),
                approved_at=pl.lit(None),
                approved_by=pl.lit(None),
                crm_opportunity_id=pl.lit(None),
                expected_close_date=pl.Series(close),
            )
            .cast(t.schema)
        )
        self.w.tables["partners.deal_registrations"] = pl.concat([t, new])
        self.csv["partners.deal_registrations"] = new

    # ------------------------------------------------------------ the files
    def write(self, writer) -> None:
        from .crm.org import admin_id

        admin = admin_id(self.w)
        contract = load_contract()
        for spec in entities_of("crm"):
            batch = self.touched(spec.qualified_name).with_columns(
                pl.col("ownerId").fill_null(admin)
            )
            batch = batch.with_row_index("_rid").with_columns(pl.col("_rid").cast(pl.Int64))
            writer._write_batch(spec, f"delta_{self.day:%Y%m%d}", batch, ())
        for entity, df in self.csv.items():
            folder, prefix = contract[entity].path.rsplit("/", 1)
            name = prefix.replace("*", f"{self.day:%Y-%m-%d}")
            writer.write_csv(entity, f"{folder}/{name}", df)

    def redeliver_invoice_file(self, writer, landing_dir: Path, previous: str) -> str:
        """Send ``previous`` again under its name, one invoice's amount corrected (newer bytes)."""
        spec = load_contract()["erp.invoices"]
        lines = (landing_dir / previous).read_bytes().decode(spec.encoding).split("\n")
        header = next(csv.reader([lines[0]]))
        ex, tax, incl = (
            header.index(spec.field(f).header)
            for f in ("amount_ex_tax", "tax_amount", "amount_incl_tax")
        )
        body = [i for i in range(1, len(lines)) if lines[i]]
        for i in self.rng.permutation(body):
            row = next(csv.reader([lines[i]]))
            try:
                total = round(float(row[incl]) * 1.05, 2)
                rate = float(row[tax]) / float(row[ex])
            except (ValueError, IndexError, ZeroDivisionError):
                continue
            row[ex] = f"{total / (1 + rate):.2f}"
            row[tax] = f"{total - float(row[ex]):.2f}"
            row[incl] = f"{total:.2f}"
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(row)
            lines[i] = buf.getvalue()
            break
        path = writer._register("erp.invoices", previous, len(body))
        path.write_bytes("\n".join(lines).encode(spec.encoding))
        return previous
