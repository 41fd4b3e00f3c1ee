"""What holds now, per rule kind: read from the published snapshot (read-only) and the store.

Each function returns the conditions of one rule, or raises ``NotComputed`` naming what is
missing (a mart the snapshot does not have, no as-of): a rule that could not look keeps its open
alerts as they are instead of closing them. ``state`` is what a person is told again about when
it changes: the reminder step of an overdue installment (every ``repeat_every_days`` further
days), the escalation step of an SLA clock, the stalled period of a deal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config.alerts import AlertRule
from operational.alerts import Condition
from operational.models.orders import Approval
from operational.models.partners import DealRegistration, SpecialPriceRequest
from pipelines.alerts.messages import bilingual, yuan
from pipelines.alerts.people import Directory, table_exists
from pipelines.alerts.requirement_conditions import requirement_released


class NotComputed(Exception):
    """The rule could not be evaluated on this snapshot; the message says why."""


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    session: Session
    people: Directory
    now: dt.datetime  # wall clock (store conditions, quiet hours)
    app_url: str


def _need(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    missing = [t for t in tables if not table_exists(con, t)]
    if missing:
        raise NotComputed(f"not computed: the published snapshot has no {', '.join(missing)}")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    _need(con, "intermediate.int_snapshot_as_of")
    row = con.execute("select as_of_date from intermediate.int_snapshot_as_of").fetchone()
    if not row or row[0] is None:
        raise NotComputed("not computed: the snapshot has no as-of (no activity in the data)")
    return row[0]


def _band(amount: Decimal | None, rule: AlertRule) -> bool:
    value = Decimal(str(amount or 0))
    return value >= (rule.min_amount or 0) and (rule.max_amount is None or value < rule.max_amount)


def _who(rule: AlertRule, ctx: Context, record: dict) -> tuple:
    people = ctx.people.resolve(rule.recipients, record, rule.chain_levels)
    if not people and rule.fallback_recipients:
        people = ctx.people.resolve(rule.fallback_recipients, record, rule.chain_levels)
    return tuple(people)


def overdue_installments(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Installments more than ``days_overdue`` days past due with an open balance (finance.overdue_warnings)."""
    _need(ctx.con, "finance.overdue_warnings")
    out = []
    for r in _rows(ctx.con, "select * from finance.overdue_warnings where days_overdue > ? order by installment_id",
                   [rule.days_overdue]):
        if not _band(r["open_amount"], rule):
            continue
        step = (r["days_overdue"] - rule.days_overdue - 1) // rule.repeat_every_days
        contract = r.get("contract_no") or r.get("order_no") or "?"
        title = f"逾期回款 {r.get('account_name') or '?'} {contract} 第{r.get('batch_no')}期 {yuan(r['open_amount'])}"
        body = bilingual(
            f"客户 {r.get('account_name') or '?'}，合同 {contract}，第 {r.get('batch_no')} 期，应收 {yuan(r.get('amount'))}，"
            f"未回款 {yuan(r['open_amount'])}，到期日 {r.get('due_date')}，已逾期 {r['days_overdue']} 天。负责人：{r.get('owner_name') or '未分配'}",
            f"Overdue installment {r.get('batch_no')} of contract {contract} ({r.get('account_name') or '?'}): "
            f"{yuan(r['open_amount'])} open of {yuan(r.get('amount'))}, due {r.get('due_date')}, {r['days_overdue']} days overdue.")
        out.append(Condition(
            subject_type="installment", subject_id=str(r["installment_id"]), state=f"overdue+{step}",
            title=title, body=body, recipients=_who(rule, ctx, r),
            link=f"{ctx.app_url}/overdue?installment_id={r['installment_id']}",
            facts={"open_amount": r["open_amount"], "days_overdue": r["days_overdue"], "as_of_date": r.get("as_of_date")},
            change_event="reminder"))
    return out


ACTION_WORDS = {"notify_team_lead": ("通知组长", "team lead notified"), "raise_priority": ("提升优先级", "priority raised")}
METRIC_WORDS = {"first_response": ("首次响应", "first response"), "next_response": ("再次响应", "next response"),
                "resolution": ("解决", "resolution")}


def sla_escalations(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Open tickets whose SLA clock reached an escalation step of service.yml (75 % / 100 % of target).

    One alert per ticket and clock; its state is the highest step reached, so the 100 % step is
    a new message ("escalated") on the same alert.
    """
    _need(ctx.con, "service.ticket_sla_escalations", "service.ticket_sla")
    rows = _rows(ctx.con, """
        select e.ticket_no, e.metric, e.action, e.at_share, e.priority, e.raised_to_priority, e.team,
               e.triggered_at, s.target_minutes, s.business_minutes, s.due_at, s.account_id
        from service.ticket_sla_escalations e
        join service.ticket_sla s on s.ticket_no = e.ticket_no and s.metric = e.metric
        where s.is_open
        order by e.ticket_no, e.metric, e.at_share""")
    top: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["action"] in (rule.sla_actions or []):
            top[(r["ticket_no"], r["metric"])] = r  # ordered by share: the last is the highest step
    out = []
    for (ticket_no, metric), r in top.items():
        share = float(r["at_share"])
        zh_action, en_action = ACTION_WORDS.get(r["action"], (r["action"], r["action"]))
        zh_metric, en_metric = METRIC_WORDS.get(metric, (metric, metric))
        raise_note = (f"，优先级 {r['priority']} → {r['raised_to_priority']}" if r["action"] == "raise_priority" else "")
        body = bilingual(
            f"工单 {ticket_no}（{r.get('team') or '未分组'}）{zh_metric} SLA 已用 {share:.0%} 目标时间"
            f"（目标 {r['target_minutes']} 分钟，到期 {r.get('due_at')}）：{zh_action}{raise_note}",
            f"Ticket {ticket_no} ({r.get('team') or 'no team'}): {en_metric} SLA at {share:.0%} of its "
            f"{r['target_minutes']}-minute target (due {r.get('due_at')}): {en_action}"
            + (f", priority {r['priority']} -> {r['raised_to_priority']}" if r["action"] == "raise_priority" else ""))
        out.append(Condition(
            subject_type="ticket_sla", subject_id=f"{ticket_no}|{metric}", state=r["action"],
            title=f"SLA {share:.0%} 工单 {ticket_no} {zh_metric}", body=body,
            recipients=_who(rule, ctx, {"team": r.get("team")}),
            link=f"{ctx.app_url}/sla_board?ticket_no={ticket_no}",
            facts={"ticket_no": ticket_no, "metric": metric, "action": r["action"], "at_share": share,
                   "priority": r["priority"], "raised_to_priority": r["raised_to_priority"]},
            change_event="change"))
    return out


@dataclass
class _Waiting:
    subject_type: str
    id: int
    since: dt.datetime
    what_zh: str
    what_en: str
    record: dict  # owner_id / partner_id / approver_role for the recipient tokens
    link: str


def _waiting_items(ctx: Context, cutoff: dt.datetime) -> list[_Waiting]:
    """Everything in the store waiting for someone's decision since before ``cutoff``."""
    items = [
        _Waiting("approval", a.id, a.created_at, f"{a.object_type} {a.object_id} 的审批（{a.reason or '—'}）",
                 f"Approval of {a.object_type} {a.object_id} ({a.reason or '-'})",
                 {"owner_id": a.owner_id, "approver_role": a.approver_role}, f"{ctx.app_url}/approvals?approval_id={a.id}")
        for a in ctx.session.scalars(sa.select(Approval).where(
            Approval.status == "pending", Approval.deleted_at.is_(None), Approval.created_at < cutoff).order_by(Approval.id))]
    items += [
        _Waiting("special_price", r.id, r.requested_at,
                 f"渠道特价申请 {r.product_code or r.product_id}（申请价 {yuan(r.requested_price)}）",
                 f"Special price request for {r.product_code or r.product_id} (requested {yuan(r.requested_price)})",
                 {"partner_id": r.partner_id, "approver_role": "channel_manager"},
                 f"{ctx.app_url}/channel_approvals?special_price_id={r.id}")
        for r in ctx.session.scalars(sa.select(SpecialPriceRequest).where(
            SpecialPriceRequest.status == "pending", SpecialPriceRequest.deleted_at.is_(None),
            SpecialPriceRequest.requested_at < cutoff).order_by(SpecialPriceRequest.id))]
    items += [
        _Waiting("registration_pending", r.id, r.submitted_at,
                 f"商机报备 {r.customer_name}（预计 {yuan(r.estimated_amount)}）",
                 f"Deal registration {r.customer_name} (est. {yuan(r.estimated_amount)})",
                 {"partner_id": r.partner_id, "approver_role": "channel_manager"},
                 f"{ctx.app_url}/channel_approvals?registration_id={r.id}")
        for r in ctx.session.scalars(sa.select(DealRegistration).where(
            DealRegistration.status == "pending", DealRegistration.deleted_at.is_(None),
            DealRegistration.submitted_at < cutoff).order_by(DealRegistration.id))]
    return items


def approvals_waiting(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Decisions pending in the store for more than ``hours`` hours (read live from the store): quote
    approvals (the owner's own approver), partners' special prices and deal registrations (the
    partner's channel manager)."""
    cutoff = ctx.now - dt.timedelta(hours=rule.hours or 24)
    out = []
    for item in _waiting_items(ctx, cutoff):
        waited = int((ctx.now - item.since).total_seconds() // 3600)
        people = []
        if "approver" in rule.recipients:
            if item.record.get("partner_id") is not None:
                people = ctx.people.resolve(["channel_manager"], item.record, rule.chain_levels) or ctx.people.role("channel_manager")
            else:
                people = ctx.people.approvers(item.record["approver_role"], item.record.get("owner_id"))
        others = [t for t in rule.recipients if t != "approver"]
        people += [p for p in ctx.people.resolve(others, item.record, rule.chain_levels) if p.key not in {q.key for q in people}]
        if not people and rule.fallback_recipients:
            people = ctx.people.resolve(rule.fallback_recipients, item.record, rule.chain_levels)
        out.append(Condition(
            subject_type=item.subject_type, subject_id=str(item.id), state="waiting",
            title=f"待审批 {item.what_zh} 已等待 {waited} 小时",
            body=bilingual(f"{item.what_zh}已等待 {waited} 小时，请处理。", f"{item.what_en} has waited {waited} hours."),
            recipients=tuple(people), link=item.link, facts={"hours": waited}))
    return out


def registrations_expiring(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Approved deal registrations whose protection ends within ``days_before_end`` days of the as-of."""
    _need(ctx.con, "partner.deal_registrations")
    as_of = _as_of(ctx.con)
    out = []
    for r in _rows(ctx.con, """
            select * from partner.deal_registrations
            where protection_status = 'protected' and protected_until is not null
              and protected_until >= ? and protected_until <= ?
            order by registration_id""", [as_of, as_of + dt.timedelta(days=rule.days_before_end or 0)]):
        left = (r["protected_until"] - as_of).days
        out.append(Condition(
            subject_type="registration", subject_id=str(r["registration_id"]), state=f"ending:{r['protected_until']}",
            title=f"报备保护期将到 {r.get('customer_name') or '?'} 剩 {left} 天",
            body=bilingual(
                f"报备 {r['registration_id']}（客户 {r.get('customer_name') or '?'}，预计 {yuan(r.get('estimated_amount'))}）"
                f"的保护期于 {r['protected_until']} 结束，还剩 {left} 天。",
                f"Deal registration {r['registration_id']} ({r.get('customer_name') or '?'}, est. "
                f"{yuan(r.get('estimated_amount'))}): protection ends {r['protected_until']}, {left} days left."),
            recipients=_who(rule, ctx, r), link=f"{ctx.app_url}/deal_registrations?registration_id={r['registration_id']}",
            facts={"protected_until": r["protected_until"], "days_left": left}))
    return out


def stalled_opportunities(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Open deals with no stage change and no activity for ``stalled_days`` days before the as-of.

    How long a deal has been idle is the activities page's figure (``sales.opportunity_idle_days``:
    last stage change, activity or creation, one home for that rule); the alert rule only chooses
    its own threshold and amount band.
    """
    _need(ctx.con, "sales.opportunity_idle_days")
    rows = _rows(ctx.con, "select * from sales.opportunity_idle_days order by opportunity_id")
    days = rule.stalled_days or 30
    out = []
    for r in rows:
        if r["idle_days"] is None or not _band(r.get("amount"), rule):
            continue
        idle = int(r["idle_days"])
        if idle < days:
            continue
        step = (idle - days) // days
        out.append(Condition(
            subject_type="opportunity", subject_id=str(r["opportunity_id"]), state=f"stalled+{step}",
            title=f"商机停滞 {r.get('opportunity_name') or '?'} {idle} 天 {yuan(r.get('amount'))}",
            body=bilingual(
                f"商机 {r.get('opportunity_name') or '?'}（客户 {r.get('account_name') or '?'}，阶段 {r.get('stage')}，"
                f"金额 {yuan(r.get('amount'))}）已 {idle} 天无阶段变化或跟进。负责人：{r.get('owner_name') or '未分配'}",
                f"Opportunity {r.get('opportunity_name') or '?'} ({r.get('account_name') or '?'}, {r.get('stage')}, "
                f"{yuan(r.get('amount'))}): no stage change or activity for {idle} days."),
            recipients=_who(rule, ctx, r), link=f"{ctx.app_url}/opportunities?opportunity_id={r['opportunity_id']}",
            facts={"idle_days": idle, "amount": r.get("amount"), "stage": r.get("stage")},
            change_event="reminder"))
    return out


def commission_ready(rule: AlertRule, ctx: Context) -> list[Condition]:
    """Commission statements of a month that has ended by the as-of and is not locked yet: ready
    for finance's review (and the person's); the alert closes when the month is locked."""
    _need(ctx.con, "finance.commission_statements")
    as_of = _as_of(ctx.con)
    out = []
    for r in _rows(ctx.con, """
            select * from finance.commission_statements
            where status = 'open' and period_end <= ?
            order by period_start, user_id""", [as_of]):
        start, end = r["period_start"], r["period_end"]
        month = f"{start:%Y-%m}" if (start.year, start.month) == (end.year, end.month) else f"{start:%Y-%m}–{end:%Y-%m}"
        out.append(Condition(  # a person may have a monthly and a quarterly statement: the period is the key
            subject_type="commission_statement", subject_id=f"{r['user_id']}|{start}|{end}", state="ready",
            title=f"提成对账单待复核 {r.get('user_name') or '?'} {month} {yuan(r.get('total_amount'))}",
            body=bilingual(
                f"{r.get('user_name') or '?'}（{r.get('department_name') or '—'}）{month} 的提成对账单已可复核："
                f"提成 {yuan(r.get('commission_amount'))}，调整 {yuan(r.get('adjustment_amount'))}，合计 {yuan(r.get('total_amount'))}。",
                f"Commission statement of {r.get('user_name') or '?'} for {month} is ready for review: "
                f"total {yuan(r.get('total_amount'))}."),
            recipients=_who(rule, ctx, {"owner_id": r["user_id"]}),
            link=f"{ctx.app_url}/commissions?user_id={r['user_id']}&period={start:%Y-%m}",
            facts={"total_amount": r.get("total_amount"), "period_start": r["period_start"]}))
    return out


EVALUATORS = {
    "overdue_installment": overdue_installments,
    "sla_escalation": sla_escalations,
    "approval_waiting": approvals_waiting,
    "registration_expiring": registrations_expiring,
    "stalled_opportunity": stalled_opportunities,
    "commission_ready": commission_ready,
    "requirement_released": requirement_released,
}
