"""The alert pages driven by AppTest: my inbox shows only my alerts and acknowledges them
(audited, reminders stop); the admin page lists the rules and the outbox with its failures; a
rep cannot open the admin page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope
from operational.models import AuditLog
from operational.models.alerts import Alert, AlertDelivery

PAGES = Path(__file__).resolve().parents[1] / "apps" / "views" / "entry"
ME, SOMEONE_ELSE = 1001, 1002
NOW = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    with session_scope(url) as s:
        for i, (person, title) in enumerate([(ME, "逾期回款 甲公司 ¥12,345.60"), (SOMEONE_ELSE, "逾期回款 乙公司 ¥1.00")]):
            alert = Alert(alert_key=f"overdue|installment:{i}|crm:{person}", rule_id="overdue_installment",
                          kind="overdue_installment", subject_type="installment", subject_id=str(i),
                          recipient_key=f"crm:{person}", recipient_name="张伟", state="open", condition_state="overdue+0",
                          title=title, body="已逾期 3 天\n3 days overdue", link="http://localhost:8501/overdue?installment_id=1",
                          opened_at=NOW, updated_at=NOW)
            s.add(alert)
            s.flush()
            s.add(AlertDelivery(alert_id=alert.id, event="open", channel="wecom", status="failed", attempts=1,
                                not_before=NOW, created_at=NOW, last_error="HTTP 500 from the robot"))
    yield url
    dispose_all()


def test_inbox_shows_only_my_alerts_and_acknowledges(store):
    me = viewer("sales_rep", username="zhangwei", crm_user_id=ME, user_id=7)
    at = as_viewer(AppTest.from_file(str(PAGES / "alerts_inbox.py"), default_timeout=60), me).run()
    text = " ".join(m.value for m in at.markdown)
    assert "甲公司" in text and "乙公司" not in text
    assert "/overdue?installment_id=1" in text
    at.button(key="alert_ack_1").click().run()
    assert not at.exception
    with session_scope(store, readonly=True) as s:
        assert s.get(Alert, 1).acknowledged_by == "zhangwei" and s.get(Alert, 2).acknowledged_at is None
        assert s.scalars(sa.select(AuditLog.action).where(AuditLog.table_name == "alerts")).all() == ["acknowledge"]
    assert not [b for b in at.button if b.key == "alert_ack_1"]  # acknowledged: no button any more


def test_admin_page_lists_rules_and_outbox_failures_and_reps_cannot_open_it(store):
    at = as_viewer(AppTest.from_file(str(PAGES / "alerts_admin.py"), default_timeout=60), viewer("admin", user_id=1)).run()
    assert not at.exception
    frames = [df.value for df in at.dataframe]
    assert "overdue_installment" in set(frames[0]["rule"])  # the default rules
    assert list(frames[2]["status"]) == ["failed"] and frames[2]["messages"].sum() == 2
    assert "HTTP 500 from the robot" in set(frames[3]["last_error"])
    rep = as_viewer(AppTest.from_file(str(PAGES / "alerts_admin.py"), default_timeout=60), viewer("sales_rep", crm_user_id=ME)).run()
    assert not rep.dataframe
