"""``crmlake alerts``: evaluate the alert rules on the published snapshot, send the outbox, show it.

    crmlake alerts evaluate [--send]   conditions -> alerts (opened, re-notified, closed) [then send]
    crmlake alerts send                 send every due message (retries included)
    crmlake alerts status               the outbox per rule, channel and status

Exit code 0 even when a channel fails (it is retried and listed); 1 only when the settings are
invalid. The same evaluation runs as the asset ``alerts/outbox`` after every publish.
"""

from __future__ import annotations

import argparse

from kernel.config import ConfigError
from kernel.runtime import export_settings_env
from kernel.settings import get_settings


def cmd_alerts(args: argparse.Namespace) -> int:
    export_settings_env()
    from operational.alerts import outbox_counts
    from operational.db import session_scope
    from pipelines.alerts.run import evaluate_published, send_pending

    settings = get_settings()
    try:
        if args.action == "evaluate":
            print("\n".join(evaluate_published(settings).lines()))
        if args.action == "send" or (args.action == "evaluate" and args.send):
            report = send_pending(settings)
            print(f"alerts send: {report.summary()}")
            for error in report.errors[:20]:
                print(f"  failed: {error}")
        if args.action == "status":
            with session_scope(settings.operational_url, readonly=True) as session:
                rows = outbox_counts(session)
            print("rule                          channel      status      messages")
            for rule, channel, status, count in rows:
                print(f"{rule:<30}{channel:<13}{status:<12}{count:>8}")
            if not rows:
                print("(the outbox is empty)")
    except ConfigError as exc:
        print(f"alerts: {exc}")
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    alerts = sub.add_parser("alerts", help="alert rules: evaluate on the published snapshot, send, outbox status")
    alerts.add_argument("action", choices=["evaluate", "send", "status"])
    alerts.add_argument("--send", action="store_true", help="with evaluate: send the due messages too")
    alerts.set_defaults(func=cmd_alerts)
