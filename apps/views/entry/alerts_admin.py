"""提醒管理 Alert rules and outbox (admins): the rules of alerts.yml as the evaluation reads them,
how many alerts each has open, and the delivery status of the outbox with the newest failures
and their errors (a failing channel is retried; this is where it shows)."""

import pandas as pd
import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from kernel.config import ConfigError, current_business_settings
from operational import alerts as store_alerts

require_screen("alerts_admin")
st.title("提醒管理 Alert rules and outbox")

try:
    config = current_business_settings().alerts
except ConfigError as exc:
    st.error(f"alerts.yml: {exc}")
    st.stop()

st.subheader("规则 Rules (alerts.yml)")
st.dataframe(pd.DataFrame([{
    "rule": r.id, "kind": r.kind, "enabled": r.enabled, "recipients": ", ".join(r.recipients),
    "fallback": ", ".join(r.fallback_recipients), "channels": ", ".join(["inbox", *r.channels]),
    "delivery": r.delivery, "quiet_hours": r.quiet_hours or "",
    "parameters": ", ".join(f"{k}={getattr(r, k)}" for k in ("days_overdue", "repeat_every_days", "min_amount", "max_amount",
                                                             "sla_actions", "hours", "days_before_end", "stalled_days")
                             if getattr(r, k) is not None),
} for r in config.rules]), hide_index=True, width="stretch")
st.caption("渠道 Channels: " + (", ".join(f"{n} ({c.kind}, ${c.url_env})" for n, c in config.channels.items())
                                 or "无，仅站内提醒 none: in-app inbox only"))

st.subheader("提醒 Alerts")
counts = ed.read(store_alerts.alert_counts)
st.dataframe(pd.DataFrame(counts, columns=["rule", "state", "alerts", "acknowledged"]), hide_index=True, width="stretch")

st.subheader("发送状态 Outbox")
outbox = ed.read(store_alerts.outbox_counts)
if outbox:
    st.dataframe(pd.DataFrame(outbox, columns=["rule", "channel", "status", "messages"]), hide_index=True, width="stretch")
else:
    st.info("发件箱为空 The outbox is empty.")
failures = ed.read(store_alerts.recent_failures)
if failures:
    st.subheader("最近失败 Recent failures")
    st.dataframe(pd.DataFrame(failures), hide_index=True, width="stretch")
