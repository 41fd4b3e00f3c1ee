"""The alert outbox's rules: open, re-notify and close alerts, queue their messages, acknowledge.

The evaluation after a publish hands over, per rule, every condition that holds now (with the
people to tell). ``sync`` compares them with the rule's open alerts by ``alert_key``: a new key
opens an alert and queues a message per channel; a key whose ``condition_state`` moved on (a
reminder step, a new escalation level) queues one more; an open key no longer found closes the
alert and queues a "cleared" message. Nothing else ever queues a message, which is what makes a
re-run of the evaluation send nothing new. When a message may go out is decided here too
(immediately, held by quiet hours into a digest, or at the daily digest time).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config.alerts import AlertRule, quiet_window
from operational.errors import NotFound, PermissionDenied
from operational.models.alerts import Alert, AlertDelivery
from operational.models.service import PRIORITIES, Ticket
from operational.scope import Viewer

# the store itself, when it acts on an alert (audit rows name it)
ALERTS_ACTOR = Viewer(user_id=None, username="alerts", role="admin", display_name="提醒 Alerts")


@dataclass(frozen=True)
class Recipient:
    """A person an alert goes to: ``crm:<CRM user id>`` or ``login:<app user id>``."""

    key: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Condition:
    """A condition that holds now for one record, with the people to tell about it."""

    subject_type: str
    subject_id: str
    state: str  # a change of this string is a new message (reminder step, escalation level)
    title: str
    body: str
    recipients: tuple[Recipient, ...]
    link: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    change_event: str = "change"  # what a changed state is called in the outbox (reminder, change)


@dataclass
class SyncResult:
    opened: int = 0
    renotified: int = 0
    closed: int = 0
    unchanged: int = 0
    entered: set[str] = field(default_factory=set)  # subjects opened or moved to a new state
    queued: int = 0


def alert_key(rule_id: str, subject_type: str, subject_id: str, recipient_key: str) -> str:
    return f"{rule_id}|{subject_type}:{subject_id}|{recipient_key}"


# -- when a message may go out
def _parse(clock: str) -> dt.time:
    return dt.time.fromisoformat(clock)


def quiet_until(window: str, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet window ``now`` falls in, else ``None`` (windows may run over midnight)."""
    start, end = (_parse(t) for t in quiet_window(window))
    t = now.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_at = dt.datetime.combine(now.date(), end)
    return end_at if end_at > now else end_at + dt.timedelta(days=1)


def next_digest(digest_at: str, now: dt.datetime) -> dt.datetime:
    at = dt.datetime.combine(now.date(), _parse(digest_at))
    return at if at >= now else at + dt.timedelta(days=1)


def schedule(rule: AlertRule, now: dt.datetime, digest_at: str) -> tuple[dt.datetime, bool]:
    """(not before, as part of a digest) for a message of ``rule`` queued at ``now``."""
    if rule.delivery == "digest":
        return next_digest(digest_at, now), True
    held = quiet_until(rule.quiet_hours, now) if rule.quiet_hours else None
    return (held, True) if held else (now, False)


# -- the state machine
def _queue(session: Session, alert: Alert, event: str, rule: AlertRule, now: dt.datetime, digest_at: str) -> int:
    not_before, digest = schedule(rule, now, digest_at)
    for channel in rule.channels:
        session.add(AlertDelivery(alert_id=alert.id, event=event, channel=channel, status="pending",
                                  digest=digest, not_before=not_before, attempts=0, created_at=now))
    if rule.channels:
        alert.notified_at = now
    return len(rule.channels)


def _facts(cond: Condition) -> str:
    return json.dumps(cond.facts, ensure_ascii=False, default=str, sort_keys=True)


# keys in one `alert_key in (...)`: well under SQLite's and PostgreSQL's limits on bound values
_KEYS_PER_QUERY = 500


def _rows_by(session: Session, column, keys: Iterable[str], *conditions) -> dict[str, Any]:
    """The rows of ``column``'s table whose ``column`` is one of ``keys``, by that value: one
    query per 500 keys instead of one per key."""
    keys, found = list(keys), {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        query = sa.select(column.class_).where(column.in_(keys[start:start + _KEYS_PER_QUERY]), *conditions)
        found.update((getattr(row, column.key), row) for row in session.scalars(query))
    return found


def _open(session: Session, rule: AlertRule, opening: dict[str, tuple[Condition, Recipient]],
          now: dt.datetime) -> dict[str, Alert]:
    """The alerts of ``opening`` (key -> condition and recipient) opened at ``now``: an alert of
    the same key that closed before opens again (the condition came back), else a new one.

    Set-based: one query per 500 keys for the closed ones and one flush for all (the ids the
    deliveries need), in the conditions' order, so ids and deliveries come out as one at a time
    would give them. An S=10 day that opened 2,115 SLA alerts and looked up 1,844 tickets
    (:func:`store_tickets`) took 1.9 s to evaluate one query at a time, 0.85 s so
    (docs/performance.md)."""
    closed = _rows_by(session, Alert.alert_key, opening)
    opened = {}
    for key, (cond, person) in opening.items():
        alert = closed.get(key)
        if alert is not None:  # the condition came back: the same alert opens again
            alert.state, alert.closed_at, alert.acknowledged_at, alert.acknowledged_by = "open", None, None, None
        else:
            alert = Alert(alert_key=key, rule_id=rule.id, kind=rule.kind, subject_type=cond.subject_type,
                          subject_id=cond.subject_id, recipient_key=person.key)
            session.add(alert)
        alert.recipient_name, alert.email, alert.condition_state = person.name, person.email, cond.state
        alert.title, alert.body, alert.link, alert.facts_json = cond.title, cond.body, cond.link, _facts(cond)
        alert.opened_at = alert.updated_at = now
        opened[key] = alert
    session.flush()
    return opened


def sync(session: Session, rule: AlertRule, conditions: list[Condition], now: dt.datetime,
         digest_at: str) -> SyncResult:
    """Bring the rule's alerts in line with the conditions that hold now (see module doc)."""
    result = SyncResult()
    current: dict[str, tuple[Condition, Recipient]] = {}
    for cond in conditions:
        for person in cond.recipients:
            current[alert_key(rule.id, cond.subject_type, cond.subject_id, person.key)] = (cond, person)
    open_alerts = {a.alert_key: a for a in session.scalars(
        sa.select(Alert).where(Alert.rule_id == rule.id, Alert.state == "open"))}
    before = {f"{a.subject_type}:{a.subject_id}": a.condition_state for a in open_alerts.values()}
    for cond in conditions:  # a subject whose state is new this time (opened, or a new step)
        subject = f"{cond.subject_type}:{cond.subject_id}"
        if cond.recipients and before.get(subject) != cond.state:
            result.entered.add(subject)
    opening = _open(session, rule, {key: held for key, held in current.items() if key not in open_alerts}, now)
    for key, (cond, _person) in current.items():
        alert = open_alerts.get(key)
        if alert is None:
            result.queued += _queue(session, opening[key], "open", rule, now, digest_at)
            result.opened += 1
        elif alert.condition_state != cond.state:
            alert.condition_state, alert.title, alert.body, alert.facts_json = cond.state, cond.title, cond.body, _facts(cond)
            alert.updated_at = now
            if alert.acknowledged_at is None:  # acknowledged: no reminders, the close still tells
                result.queued += _queue(session, alert, cond.change_event, rule, now, digest_at)
            result.renotified += 1
        else:
            result.unchanged += 1
    for key, alert in open_alerts.items():
        if key not in current:
            alert.state, alert.closed_at, alert.updated_at = "closed", now, now
            result.queued += _queue(session, alert, "close", rule, now, digest_at)
            result.closed += 1
    session.flush()
    return result


# -- the store acting on an alert
def store_tickets(session: Session, ticket_nos: Iterable[str]) -> dict[str, Ticket]:
    """The live store tickets among ``ticket_nos``, by number (an extracted ticket is not among
    them: the CRM holds it), one query per 500 numbers."""
    return _rows_by(session, Ticket.ticket_no, set(ticket_nos), Ticket.deleted_at.is_(None))


def raise_ticket_priority(session: Session, ticket: Ticket | None, to_priority: str, comment: str) -> str:
    """Raise a store ticket's priority (audited; ``ticket`` from :func:`store_tickets`, None for
    an extracted one); says what happened. Never lowers one."""
    from operational import records  # records imports the reference reader; only needed here

    if ticket is None:
        return "not in the store (extracted ticket): priority not changed"
    if to_priority not in PRIORITIES:
        return f"unknown priority {to_priority!r}: not changed"
    if PRIORITIES.index(ticket.priority) <= PRIORITIES.index(to_priority):
        return f"already {ticket.priority}"
    before = ticket.priority
    records.update(session, ALERTS_ACTOR, ticket, {"priority": to_priority}, ticket.version,
                   action="raise_priority", comment=comment)
    return f"raised {before} -> {to_priority}"


# -- the inbox
def viewer_keys(viewer: Viewer) -> list[str]:
    keys = [f"login:{viewer.user_id}"] if viewer.user_id is not None else []
    if viewer.crm_user_id is not None:
        keys.append(f"crm:{viewer.crm_user_id}")
    return keys


def my_alerts(session: Session, viewer: Viewer, *, include_closed: bool = False, limit: int = 500) -> list[Alert]:
    """The viewer's own alerts, newest first (a person sees only alerts addressed to them)."""
    query = sa.select(Alert).where(Alert.recipient_key.in_(viewer_keys(viewer)))
    if not include_closed:
        query = query.where(Alert.state == "open")
    return list(session.scalars(query.order_by(Alert.updated_at.desc(), Alert.id.desc()).limit(limit)))


def acknowledge(session: Session, viewer: Viewer, alert_id: int, now: dt.datetime) -> Alert:
    """Mark one of the viewer's alerts as seen (stops its reminders); audited."""
    from operational import records

    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} does not exist")
    if alert.recipient_key not in viewer_keys(viewer):
        raise PermissionDenied(f"alert {alert_id} is not addressed to {viewer.username}")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, viewer.username
        records.audit(session, viewer, "alerts", alert.id, "acknowledge", None,
                      {"alert_key": alert.alert_key, "acknowledged_at": now}, at=now)
    return alert


def outbox_counts(session: Session) -> list[tuple[str, str, str, int]]:
    """(rule, channel, status, count) over the outbox, for the admin page and the CLI."""
    rows = session.execute(
        sa.select(Alert.rule_id, AlertDelivery.channel, AlertDelivery.status, sa.func.count())
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .group_by(Alert.rule_id, AlertDelivery.channel, AlertDelivery.status)
        .order_by(Alert.rule_id, AlertDelivery.channel, AlertDelivery.status))
    return [tuple(r) for r in rows]


def alert_counts(session: Session) -> list[tuple[str, str, int, int]]:
    """(rule, state, alerts, of them acknowledged), for the admin page."""
    rows = session.execute(
        sa.select(Alert.rule_id, Alert.state, sa.func.count(), sa.func.count(Alert.acknowledged_at))
        .group_by(Alert.rule_id, Alert.state).order_by(Alert.rule_id, Alert.state))
    return [tuple(r) for r in rows]


def recent_failures(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """The newest messages that failed or were given up, with the error, for the admin page."""
    rows = session.execute(
        sa.select(AlertDelivery.id, Alert.rule_id, Alert.recipient_name, AlertDelivery.channel, AlertDelivery.event,
                  AlertDelivery.status, AlertDelivery.attempts, AlertDelivery.not_before, AlertDelivery.last_error)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(AlertDelivery.status.in_(("failed", "gave_up")))
        .order_by(AlertDelivery.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]
