"""Manual commission adjustments as store records (issue 13 item 2): finance and admin add, edit and
void them, audited with optimistic concurrency; the person must be a CRM user of the published data,
the month open (after lock_through of the business settings), the amount sane, the reason given."""

from __future__ import annotations

import datetime as dt
import json
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
from operational.errors import PermissionDenied, StaleRecordError, ValidationError
from operational.models import AuditLog
from operational.models.commission import CommissionAdjustment
from operational.workflows import commission

D = Decimal
REP, REP2 = 101, 102  # CRM users of the reference data
LOCKED = BusinessSettings.model_validate({"finance": {"commission": {"lock_through": "2026-06-30"}}})
OPEN = BusinessSettings()


def add(store, reference, who="finance1", business=LOCKED, **values):
    row = {"user_id": REP, "period": "2026-09", "amount": "1,500.00", "reason": "大客户回款攻坚奖励（总监批准）"} | values
    with session_scope(store) as s:
        return records.row_dict(commission.add_adjustment(s, viewer(who), reference=reference, business=business, **row))


def errors_of(store, reference, **values) -> dict[str, str]:
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission.add_adjustment(s, viewer("finance1"), reference=reference, business=LOCKED,
                                  **({"user_id": REP, "period": "2026-09", "amount": "100", "reason": "r"} | values))
    return err.value.errors


def test_finance_adds_an_adjustment_with_author_and_audit(store, reference):
    row = add(store, reference)
    assert (row["user_id"], row["period"], row["amount"], row["author"]) == (REP, "2026-09", D("1500.00"), "finance1")
    assert row["version"] == 1 and row["source_system"] == "ops" and row["deleted_at"] is None
    deduction = add(store, reference, who="admin", user_id=REP2, amount="-200.50", reason="违规扣减")
    assert deduction["amount"] == D("-200.50") and deduction["author"] == "admin"
    with session_scope(store, readonly=True) as s:
        listed = commission.list_adjustments(s, viewer("finance1"), reference=reference)
        assert [(a.user_id, a.amount) for a in listed] == [(REP2, D("-200.50")), (REP, D("1500.00"))]
        (entry,) = s.scalars(sa.select(AuditLog).where(AuditLog.record_id == row["id"]))
    assert (entry.action, entry.changed_by_name) == ("insert", "finance1")
    assert json.loads(entry.after_json)["reason"] == "大客户回款攻坚奖励（总监批准）"


@pytest.mark.parametrize("who", ["rep1", "manager1", "partner1", "channel1", "agent1"])
def test_only_finance_and_admin(store, reference, who):
    with pytest.raises(PermissionDenied), session_scope(store) as s:
        commission.add_adjustment(s, viewer(who), user_id=REP, period="2026-09", amount="1", reason="r",
                                  reference=reference, business=OPEN)
    with pytest.raises(PermissionDenied), session_scope(store) as s:
        commission.list_adjustments(s, viewer(who), reference=reference)


def test_bad_input_is_named_per_field_in_both_languages(store, reference):
    assert set(errors_of(store, reference, user_id=424242)) == {"user_id"}
    assert "424242" in errors_of(store, reference, user_id=424242)["user_id"]
    for period in ("2026-13", "2026-9", "九月", "2026/09"):
        assert "YYYY-MM" in errors_of(store, reference, period=period)["period"], period
    assert "must not be 0" in errors_of(store, reference, amount="0.00")["amount"]
    assert "10,000,000" in errors_of(store, reference, amount="10000000.01")["amount"]
    assert "10,000,000" in errors_of(store, reference, amount="-10000000.01")["amount"]
    assert "2 decimal" in errors_of(store, reference, amount="1.234")["amount"]
    assert "number" in errors_of(store, reference, amount="lots")["amount"]
    assert errors_of(store, reference, reason="   ")["reason"] == records.REQUIRED
    both = errors_of(store, reference, user_id=424242, period="2026-06", reason="")
    assert set(both) == {"user_id", "period", "reason"}  # every bad field at once
    assert add(store, reference, amount="10000000.00")["amount"] == D("10000000.00")  # the bound itself is fine
    with session_scope(store, readonly=True) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CommissionAdjustment)) == 1


def test_a_closed_month_takes_no_adjustment(store, reference):
    message = errors_of(store, reference, period="2026-06")["period"]
    assert "closed" in message and "2026-06-30" in message and "已结账" in message
    assert add(store, reference, period="2026-07")["period"] == "2026-07"
    assert add(store, reference, period="2026-06", business=OPEN)["period"] == "2026-06"  # no lock: any month


def test_edit_keeps_the_author_checks_the_version_and_is_audited(store, reference):
    row = add(store, reference)
    with session_scope(store) as s:
        edited = commission.edit_adjustment(s, viewer("admin"), row["id"], {"amount": "1800.00", "reason": "改为 1800"},
                                            1, reference=reference, business=LOCKED)
        assert (edited.amount, edited.version, edited.author) == (D("1800.00"), 2, "finance1")
    with pytest.raises(StaleRecordError) as stale, session_scope(store) as s:
        commission.edit_adjustment(s, viewer("finance1"), row["id"], {"amount": "1.00"}, 1,
                                   reference=reference, business=LOCKED)
    assert stale.value.current["amount"] == D("1800.00")
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission.edit_adjustment(s, viewer("finance1"), row["id"], {"period": "2026-05"}, 2,
                                   reference=reference, business=LOCKED)
    assert "closed" in err.value.errors["period"]
    with pytest.raises(ValueError, match="author"), session_scope(store) as s:
        commission.edit_adjustment(s, viewer("finance1"), row["id"], {"author": "someone"}, 2,
                                   reference=reference, business=LOCKED)
    with session_scope(store, readonly=True) as s:
        trail = records.history(s, "commission_adjustments", row["id"])
    assert [e["action"] for e in trail] == ["insert", "update"]
    assert {c["field"] for c in trail[1]["changes"]} == {"amount", "reason", "updated_by"}


def test_void_needs_a_reason_and_takes_the_adjustment_out(store, reference):
    row = add(store, reference)
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission.void_adjustment(s, viewer("finance1"), row["id"], 1, "  ", reference=reference, business=LOCKED)
    assert set(err.value.errors) == {"void_reason"}
    with session_scope(store) as s:
        voided = commission.void_adjustment(s, viewer("finance1"), row["id"], 1, "录错人了", reference=reference,
                                            business=LOCKED)
        assert voided.deleted_at is not None and voided.version == 2
    with session_scope(store, readonly=True) as s:
        assert commission.list_adjustments(s, viewer("finance1"), reference=reference) == []
        trail = records.history(s, "commission_adjustments", row["id"])
    assert (trail[-1]["action"], trail[-1]["comment"]) == ("delete", "录错人了")


def test_an_adjustment_in_a_month_closed_later_can_no_longer_change(store, reference):
    row = add(store, reference, period="2026-07")
    later = BusinessSettings.model_validate({"finance": {"commission": {"lock_through": dt.date(2026, 7, 31)}}})
    with pytest.raises(ValidationError) as err, session_scope(store) as s:
        commission.void_adjustment(s, viewer("finance1"), row["id"], 1, "no", reference=reference, business=later)
    assert "closed" in err.value.errors["period"]
    with pytest.raises(ValidationError), session_scope(store) as s:
        commission.edit_adjustment(s, viewer("finance1"), row["id"], {"amount": "2"}, 1, reference=reference,
                                   business=later)


def test_lock_through_comes_from_the_settings_folder(tmp_path, monkeypatch):
    (tmp_path / "finance.yml").write_text("commission:\n  lock_through: 2026-03-31\n", encoding="utf-8")
    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path))
    assert commission.lock_through() == dt.date(2026, 3, 31)
    assert commission.lock_through(OPEN) is None
