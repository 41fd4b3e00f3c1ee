"""Commission statement approval in the store (issue 20 item 6): draft -> approved (finance) -> paid,
each step audited with who and when; reopening only before payment, with a reason; paying only at
the approved figures; a manual adjustment may not touch an approved or paid statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)
from store_workflow_fixtures import viewer

from kernel.config import BusinessSettings
from operational import records
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models import AuditLog
from operational.workflows import commission, commission_approval

REP = 101
MARCH = dt.date(2026, 3, 1)
FIGURES = {"total_amount": Decimal("9500.00"), "commission_amount": Decimal("9000.00"),
           "adjustment_amount": Decimal("500.00"), "line_count": 4, "period_end": dt.date(2026, 3, 31)}


def approve(store, reference, who="finance1", figures=FIGURES):
    with session_scope(store) as s:
        return records.row_dict(commission_approval.approve(s, viewer(who), REP, MARCH, figures, reference=reference))


def test_approve_then_pay_is_audited_with_who_and_when(store, reference):
    row = approve(store, reference)
    assert (row["status"], row["approved_total"], row["approved_lines"], row["approved_by"]) == (
        "approved", Decimal("9500.00"), 4, "finance1")
    with session_scope(store) as s:
        paid = records.row_dict(commission_approval.pay(s, viewer("admin"), row["id"], row["version"], FIGURES,
                                                        payment_reference="PAY-2026-04", reference=reference))
    assert (paid["status"], paid["paid_by"], paid["payment_reference"]) == ("paid", "admin", "PAY-2026-04")
    assert paid["paid_at"] >= paid["approved_at"]
    with session_scope(store, readonly=True) as s:
        trail = s.execute(sa.select(AuditLog.action, AuditLog.changed_by_name).where(
            AuditLog.record_id == row["id"]).order_by(AuditLog.id)).all()
        assert commission_approval.status_of(s, REP, MARCH) == "paid"
    assert trail == [("approve", "finance1"), ("pay", "admin")]


def test_a_paid_statement_cannot_be_reopened_and_an_approved_one_not_approved_twice(store, reference):
    row = approve(store, reference)
    with pytest.raises(ValidationError) as twice:
        approve(store, reference, who="admin")
    assert "already approved" in twice.value.errors["statement"]
    with session_scope(store) as s:
        paid = commission_approval.pay(s, viewer("finance1"), row["id"], row["version"], FIGURES, reference=reference)
        version = paid.version
    with pytest.raises(ValidationError) as frozen, session_scope(store) as s:
        commission_approval.reopen(s, viewer("finance1"), row["id"], version, "算错了", reference=reference)
    assert "frozen" in frozen.value.errors["statement"]


def test_pay_needs_the_approved_figures_and_reopen_goes_back_to_draft(store, reference):
    row = approve(store, reference)
    changed = FIGURES | {"total_amount": Decimal("9800.00")}
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission_approval.pay(s, viewer("finance1"), row["id"], row["version"], changed, reference=reference)
    assert "9,500.00 approved, 9,800.00 now" in err.value.errors["statement"]
    with pytest.raises(ValidationError) as no_reason, session_scope(store) as s:
        commission_approval.reopen(s, viewer("finance1"), row["id"], row["version"], " ", reference=reference)
    assert "reason" in no_reason.value.errors
    with session_scope(store) as s:
        commission_approval.reopen(s, viewer("finance1"), row["id"], row["version"], "补录回款后重算", reference=reference)
    with session_scope(store, readonly=True) as s:
        assert commission_approval.status_of(s, REP, MARCH) == "draft"
    again = approve(store, reference, figures=changed)  # a new row: the reopened one stays in the audit
    assert again["id"] != row["id"] and again["approved_total"] == Decimal("9800.00")


@pytest.mark.parametrize("who", ["rep1", "manager1", "partner1", "agent1"])
def test_only_finance_and_admin_approve(store, reference, who):
    with pytest.raises(PermissionDenied):
        approve(store, reference, who=who)


def test_no_manual_adjustment_on_an_approved_or_paid_statement(store, reference):
    approve(store, reference)
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission.add_adjustment(s, viewer("finance1"), user_id=REP, period="2026-03", amount="100", reason="r",
                                  reference=reference, business=BusinessSettings())
    assert "2026-03 is approved" in err.value.errors["period"]
    with session_scope(store) as s:  # another month stays open
        commission.add_adjustment(s, viewer("finance1"), user_id=REP, period="2026-04", amount="100", reason="r",
                                  reference=reference, business=BusinessSettings())
