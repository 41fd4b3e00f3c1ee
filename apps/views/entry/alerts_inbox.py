"""我的提醒 My alerts: the alerts addressed to the logged-in person (overdue receivables, SLA
escalations, approvals waiting, registrations ending, stalled deals), with a link to the record
and an acknowledge button that stops the alert's reminders. Every role has an inbox; a person
only ever sees their own alerts (``operational.alerts.my_alerts``)."""

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from operational import alerts as store_alerts
from operational.db import now_local

viewer = require_screen("alerts_inbox")
st.title("我的提醒 My alerts")

include_closed = st.toggle("显示已解除 Show cleared alerts", key="alerts_include_closed")
rows = ed.read(store_alerts.my_alerts, viewer, include_closed=include_closed)
if not rows:
    st.info("暂无提醒 No alerts for you.")
    st.stop()

open_count = sum(1 for r in rows if r["state"] == "open")
st.caption(f"{open_count} 条未解除 open · {sum(1 for r in rows if r['acknowledged_at'] is None and r['state'] == 'open')} 条未确认 not acknowledged")
for row in rows:
    with st.container(border=True):
        badge = "✅ 已解除 Cleared" if row["state"] == "closed" else ("👁 已确认 Acknowledged" if row["acknowledged_at"] else "🔔 未确认 New")
        st.markdown(f"**{row['title']}**  \n{badge} · {row['updated_at']:%Y-%m-%d %H:%M}")
        st.text(row["body"])
        if row["link"]:
            st.markdown(f"[查看记录 Open the record]({row['link']})")
        if row["state"] == "open" and row["acknowledged_at"] is None:
            if st.button("确认 Acknowledge", key=f"alert_ack_{row['id']}"):
                outcome = ed.act("alerts_inbox", store_alerts.acknowledge, viewer, row["id"], now_local())
                if outcome.ok:
                    st.rerun()
                st.error(" ".join(outcome.errors.values()))
