"""Sending the outbox with apprise: e-mail over SMTP, WeCom / DingTalk / Feishu group robots.

Every due message (status pending, or failed and its retry time come) is sent on its own and
its row updated and committed right after, so one failing channel or address never holds back
the others, and a crash re-sends at most the message in flight. A failure keeps apprise's error,
waits ``retry_minutes`` (doubling) and is given up after ``max_attempts``. Digest messages
(quiet hours, digest rules) of one person and channel go out as one message.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config.alerts import AlertChannel, Alerts
from operational.models.alerts import Alert, AlertDelivery
from pipelines.alerts.messages import message_text, subject_line

log = logging.getLogger("crmlake.alerts")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.sent} sent, {self.failed} failed (will retry), {self.gave_up} given up"


class ChannelError(Exception):
    """A message could not be sent; the text says why (apprise's own log lines).

    ``permanent``: trying again cannot help (the person has no e-mail address, the channel left
    alerts.yml), so the message is given up at once instead of retried."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _url(channel: AlertChannel, env: Mapping[str, str], email: str | None) -> str:
    url = env.get(channel.url_env)
    if not url:
        raise ChannelError(f"environment variable {channel.url_env} is not set")
    if channel.kind == "email":
        if not email:
            raise ChannelError("no e-mail address for this person in the CRM users", permanent=True)
        url += ("&" if "?" in url else "?") + f"to={quote(email)}"
    return url


def send_one(url: str, title: str, body: str) -> None:
    """One message over one apprise URL; raises ChannelError with apprise's words on failure."""
    import apprise  # 0.2-0.3 s: imported only when a message goes out, not by every pipeline run

    app = apprise.Apprise()
    if not app.add(url):
        raise ChannelError("the channel URL is not one apprise understands")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = app.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if not ok:
        detail = " ".join(captured.getvalue().split())[:500]
        raise ChannelError(detail or "apprise reported a failure")


def _compose(rows: list[tuple[AlertDelivery, Alert]]) -> tuple[str, str]:
    if len(rows) == 1:
        delivery, alert = rows[0]
        return subject_line(delivery.event, alert.title), message_text(delivery.event, alert.body, alert.link, alert.recipient_name)
    name = rows[0][1].recipient_name
    title = f"【提醒汇总 Digest】{len(rows)} 条提醒 alerts"
    parts = [f"@{name}" if name else ""]
    for i, (delivery, alert) in enumerate(rows, 1):
        parts.append(f"{i}. {subject_line(delivery.event, alert.title)}\n{message_text(delivery.event, alert.body, alert.link, None)}")
    return title, "\n\n".join(p for p in parts if p)


def _groups(rows: list[tuple[AlertDelivery, Alert]]) -> list[list[tuple[AlertDelivery, Alert]]]:
    """Digest rows of one person and channel together; every other row alone."""
    digests: dict[tuple[str, str], list] = {}
    out: list[list] = []
    for delivery, alert in rows:
        if delivery.digest:
            digests.setdefault((delivery.channel, alert.recipient_key), []).append((delivery, alert))
        else:
            out.append([(delivery, alert)])
    return out + list(digests.values())


def send_due(session: Session, config: Alerts, now: dt.datetime, env: Mapping[str, str] | None = None) -> DeliveryReport:
    """Send every message that is due at ``now``; commits after each one."""
    env = os.environ if env is None else env
    report = DeliveryReport()
    due = (AlertDelivery.status.in_(("pending", "failed")), AlertDelivery.not_before <= now)
    rows = list(session.execute(
        sa.select(AlertDelivery, Alert).join(Alert, Alert.id == AlertDelivery.alert_id).where(*due)
        .order_by(AlertDelivery.id)))
    session.commit()
    for group in _groups(rows):
        # claim the group in this message's own transaction: a sender running at the same time
        # (the asset and cron) has sent it meanwhile -> skip (SQLite: the write lock; PostgreSQL: row locks)
        ids = [d.id for d, _ in group]
        still = set(session.scalars(sa.select(AlertDelivery.id).where(AlertDelivery.id.in_(ids), *due)
                                    .with_for_update(skip_locked=True)))
        group = [(d, a) for d, a in group if d.id in still]
        if not group:
            session.commit()
            continue
        for d, _ in group:
            session.refresh(d)
        delivery, alert = group[0]
        channel = config.channels.get(delivery.channel)
        try:
            if channel is None:
                raise ChannelError(f"channel {delivery.channel!r} is no longer in alerts.yml", permanent=True)
            title, body = _compose(group)
            send_one(_url(channel, env, alert.email), title, body)
        except Exception as exc:  # noqa: BLE001 - any failure of one message is that message's
            error = str(exc) or type(exc).__name__
            for d, _ in group:
                d.attempts += 1
                d.last_error = error
                if d.attempts >= config.max_attempts or getattr(exc, "permanent", False):
                    d.status = "gave_up"
                    report.gave_up += 1
                else:
                    d.status = "failed"
                    d.not_before = now + dt.timedelta(minutes=config.retry_minutes * 2 ** (d.attempts - 1))
                    report.failed += 1
            report.errors.append(f"{delivery.channel} -> {alert.recipient_name or alert.recipient_key}: {error}")
            log.warning("alert message over %s to %s failed (attempt %s): %s", delivery.channel,
                        alert.recipient_key, delivery.attempts, error)
        else:
            for d, _ in group:
                d.attempts += 1
                d.status, d.sent_at, d.last_error = "sent", now, None
                report.sent += 1
        session.commit()
    return report
