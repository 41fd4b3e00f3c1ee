"""One evaluation: every enabled rule over the published snapshot and the store, into the outbox.

Reads the snapshot read-only (never the warehouse), writes only the store's alert tables and,
for an SLA clock that just reached its raise-priority step, the ticket's priority (audited,
only for tickets entered in the store; extracted tickets belong to the call center's system).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from kernel.config.alerts import Alerts
from operational.alerts import raise_ticket_priority, store_tickets, sync
from operational.db import now_local, session_scope
from pipelines import duckdb_session
from pipelines.alerts.conditions import EVALUATORS, Context, NotComputed
from pipelines.alerts.people import Directory


@dataclass
class RuleReport:
    rule_id: str
    kind: str
    outcome: str = "computed"
    conditions: int = 0
    unrouted: int = 0  # conditions nobody could be found for
    opened: int = 0
    renotified: int = 0
    closed: int = 0
    unchanged: int = 0
    queued: int = 0
    actions: list[str] = field(default_factory=list)


@dataclass
class EvaluationReport:
    rules: list[RuleReport] = field(default_factory=list)
    seconds: float = 0.0
    outcome: str = "computed"

    def lines(self) -> list[str]:
        out = [f"alerts evaluation: {self.outcome} in {self.seconds:.2f} s"]
        for r in self.rules:
            if r.outcome != "computed":
                out.append(f"  {r.rule_id}: {r.outcome}")
                continue
            out.append(f"  {r.rule_id}: {r.conditions} conditions ({r.unrouted} without recipient), "
                       f"{r.opened} opened, {r.renotified} re-notified, {r.closed} closed, "
                       f"{r.unchanged} unchanged, {r.queued} messages queued")
            out += [f"    {a}" for a in r.actions[:10]]
            if len(r.actions) > 10:
                out.append(f"    ... {len(r.actions) - 10} more actions")
        return out


def _raise_priorities(session, conditions, entered: set[str], report: RuleReport) -> None:
    raising = [cond for cond in conditions
               if cond.state == "raise_priority" and f"{cond.subject_type}:{cond.subject_id}" in entered]
    tickets = store_tickets(session, (cond.facts["ticket_no"] for cond in raising))
    for cond in raising:
        facts = cond.facts
        comment = (f"SLA {facts['metric']} 达到目标的 {facts['at_share']:.0%}，提醒规则自动提升优先级 "
                   f"(SLA {facts['metric']} at {facts['at_share']:.0%} of target: raised by the alert rule)")
        outcome = raise_ticket_priority(session, tickets.get(facts["ticket_no"]), facts["raised_to_priority"], comment)
        report.actions.append(f"ticket {facts['ticket_no']}: {outcome}")


def evaluate(snapshot: Path, store_url: str, config: Alerts, now: dt.datetime | None = None) -> EvaluationReport:
    """Evaluate every enabled rule; a rule that cannot look (missing mart) keeps its alerts."""
    started = time.perf_counter()
    now = now or now_local()
    report = EvaluationReport()
    rules = [r for r in config.rules if r.enabled]
    if not Path(snapshot).exists():
        report.outcome = f"not computed: no published snapshot at {snapshot}"
        report.rules = [RuleReport(r.id, r.kind, outcome=report.outcome) for r in rules]
        return report
    with duckdb_session.connect(str(snapshot), read_only=True) as con, session_scope(store_url) as session:
        ctx = Context(con=con, session=session, people=Directory.load(con, session), now=now, app_url=config.app_url)
        for rule in rules:
            rule_report = RuleReport(rule.id, rule.kind)
            report.rules.append(rule_report)
            try:
                conditions = EVALUATORS[rule.kind](rule, ctx)
            except NotComputed as exc:
                rule_report.outcome = str(exc)
                continue
            result = sync(session, rule, conditions, now, config.digest_at)
            rule_report.conditions = len(conditions)
            rule_report.unrouted = sum(1 for c in conditions if not c.recipients)
            rule_report.opened, rule_report.renotified = result.opened, result.renotified
            rule_report.closed, rule_report.unchanged, rule_report.queued = result.closed, result.unchanged, result.queued
            if rule.kind == "sla_escalation":
                _raise_priorities(session, conditions, result.entered, rule_report)
    report.seconds = time.perf_counter() - started
    return report
