"""Evaluate and send with the lakehouse's own settings: what the asset after publish and
``crmlake alerts`` both call, so the two never differ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kernel.config import load_business_settings
from kernel.settings import Settings
from operational.db import now_local, session_scope
from pipelines.alerts.delivery import DeliveryReport, send_due
from pipelines.alerts.evaluate import EvaluationReport, evaluate


def evaluate_published(settings: Settings, now: dt.datetime | None = None) -> EvaluationReport:
    config = load_business_settings(settings.config_dir).alerts
    return evaluate(settings.published_database, settings.operational_url, config, now=now)


def send_pending(settings: Settings, now: dt.datetime | None = None,
                 env: Mapping[str, str] | None = None) -> DeliveryReport:
    config = load_business_settings(settings.config_dir).alerts
    with session_scope(settings.operational_url) as session:
        return send_due(session, config, now or now_local(), env)
