"""Partner statements from dispute to payout, and the special price approval chain (issue 21,
item 5), on a real SQLite store with hand-computed figures.

Case A, a dispute accepted with an adjusted amount (statement 7001|2026-09, amounts in CNY):

    line  class                      vendor     partner   dispute / answer
    L1    matched                  10,000.00  10,000.00   -
    L2    price_violation           5,000.00   4,500.00   disputed; accepted at 4,600.00
    L3    missing_in_partner_report 2,000.00       -      disputed; rejected with a note
    mart: vendor total 17,000.00, partner total 14,500.00, difference -2,500.00

    agreed goods total = 10,000.00 + 4,600.00 (accepted) + 2,000.00 (rejected: vendor's) = 16,600.00
    open difference    = L1 0.00 (L2, L3 answered, so closed)                             =      0.00
    payouts: rebate 1,200.00 + market fund 3,000.00 + promotion subsidy 1,000.00            =  5,200.00
    net (partner pays after set-off) = 16,600.00 - 5,200.00                                  = 11,400.00

Without disputes the open difference is -2,500.00 (L2 -500.00 + L3 -2,000.00): not confirmable.
With the two disputes unanswered the difference is parked (0.00) but 2 disputes wait: not
confirmable. After the answers both sides confirm and finance releases it at goods 16,600.00,
payout 5,200.00, net 11,400.00.

Case B, the 3-step approval chain (default partner.yml): request 1,200.00 for product 2 (list
1,450.00) by partner1 -> partner1 may not approve it (requester) -> partner1_mgr (a partner login of
the same partner, step 1 伙伴销售经理) approves: still pending -> channel1
(step 2 渠道经理) approves: still pending -> channel1 again at step 3: refused (one person, one
step) -> admin (step 3 区域渠道经理) approves at 1,250.00 valid until 2099-12-31: approved;
three rows in special_price_approvals, steps 1, 2, 3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)
from store_workflow_fixtures import viewer

from operational import special_price_chain, statements
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models.partner_settlement import SpecialPriceApproval
from operational.models.users import AuditLog
from operational.scope import Viewer
from operational.statement_settlement import Answer, settle
from operational.workflows import partner_settlement as ps
from operational.workflows import partners

D = Decimal
PARTNER_MANAGER = Viewer(20, "partner1_mgr", "partner_user", None, None, 7001)  # partner 7001's sales manager
KEY = "7001|2026-09"
LINES = [
    {"line_key": f"{KEY}|1|1", "vendor_amount": D("10000.00"), "report_amount": D("10000.00")},
    {"line_key": f"{KEY}|2|2", "vendor_amount": D("5000.00"), "report_amount": D("4500.00")},
    {"line_key": f"{KEY}|3|-", "vendor_amount": D("2000.00"), "report_amount": None},
]
PAYOUTS = [{"payout_type": "rebate", "amount": D("1200.00")},
           {"payout_type": "market_fund", "amount": D("3000.00")},
           {"payout_type": "promotion_subsidy", "amount": D("1000.00")}]


def test_figures_without_disputes_keep_the_difference_open():
    s = settle(LINES, {}, PAYOUTS)
    assert (s.goods_total, s.open_difference, s.open_disputes) == (D("17000.00"), D("-2500.00"), 0)
    assert not s.confirmable
    waiting = settle(LINES, {f"{KEY}|2|2": Answer(None), f"{KEY}|3|-": Answer(None)}, PAYOUTS)
    assert (waiting.open_difference, waiting.open_disputes, waiting.confirmable) == (D("0.00"), 2, False)


def test_missing_vendor_line_settles_at_zero_unless_accepted():
    line = [{"line_key": "x", "vendor_amount": None, "report_amount": D("800.00")}]
    assert settle(line, {"x": Answer("reject")}).goods_total == D("0.00")
    assert settle(line, {"x": Answer("accept", D("800.00"))}).goods_total == D("800.00")
    with pytest.raises(ValueError, match="unknown payout type"):
        settle(line, {}, [{"payout_type": "bonus", "amount": 1}])


def _dispute(store, line_key, reason, who="partner1"):
    with session_scope(store) as s:
        return statements.dispute_line(s, viewer(who), 7001, "2026-09", line_key, reason).id


def test_dispute_accepted_with_an_adjusted_amount_then_confirmed_and_released(store, reference):
    d2 = _dispute(store, f"{KEY}|2|2", "特价已批 450 special price approved at 450")
    d3 = _dispute(store, f"{KEY}|3|-", "已退货 returned")
    with session_scope(store) as s:
        assert statements.statement_states(s)[KEY]["disputed"] is True
        before = settle(LINES, ps.line_answers(s, 7001, "2026-09"), PAYOUTS)
        assert (before.open_disputes, before.confirmable) == (2, False)
        # the partner side may not answer its own dispute; finance neither; a bad answer names the field
        for who in ("partner1", "finance1"):
            with pytest.raises(PermissionDenied):
                ps.resolve_dispute(s, viewer(who), d2, "accept", adjusted_amount="4600", reference=reference)
        with pytest.raises(ValidationError) as err:
            ps.resolve_dispute(s, viewer("channel1"), d3, "reject", reference=reference)
        assert "note" in err.value.errors
        with pytest.raises(ValidationError) as err:
            ps.resolve_dispute(s, viewer("channel1"), d2, "accept", reference=reference)
        assert "adjusted_amount" in err.value.errors
        ps.resolve_dispute(s, viewer("channel1"), d2, "accept", adjusted_amount="4600.00", note="按特价 450 与运费",
                           reference=reference)
        ps.resolve_dispute(s, viewer("channel1"), d3, "reject", note="未收到退货 no return received",
                           reference=reference)
        with pytest.raises(ValidationError, match="already answered"):
            ps.resolve_dispute(s, viewer("admin"), d3, "accept", adjusted_amount="0", reference=reference)
    with session_scope(store) as s:
        assert statements.statement_states(s).get(KEY, {}).get("disputed", False) is False
        after = settle(LINES, ps.line_answers(s, 7001, "2026-09"), PAYOUTS)
        assert (after.goods_total, after.open_difference, after.open_disputes) == (D("16600.00"), D("0.00"), 0)
        assert (after.payout_total, after.net_amount, after.confirmable) == (D("5200.00"), D("11400.00"), True)
        with pytest.raises(ValidationError, match="partner and vendor"):
            ps.release_statement(s, viewer("finance1"), 7001, "2026-09", after, reference=reference)
        statements.confirm_statement(s, viewer("partner1"), 7001, "2026-09")
        statements.confirm_statement(s, viewer("channel1"), 7001, "2026-09")
        with pytest.raises(PermissionDenied):
            ps.release_statement(s, viewer("channel1"), 7001, "2026-09", after, reference=reference)
        released = ps.release_statement(s, viewer("finance1"), 7001, "2026-09", after, reference=reference)
        assert (released.goods_total, released.payout_total, released.net_amount) == (
            D("16600.00"), D("5200.00"), D("11400.00"))
        with pytest.raises(ValidationError, match="already released"):
            ps.release_statement(s, viewer("admin"), 7001, "2026-09", after, reference=reference)
        audited = s.scalars(sa.select(AuditLog.action).where(AuditLog.table_name.in_(
            ["partner_dispute_resolutions", "partner_statement_releases"])).order_by(AuditLog.id)).all()
        assert audited == ["accept", "reject", "release"]


def test_a_rejected_line_disputed_again_is_open_again(store, reference):
    d1 = _dispute(store, f"{KEY}|2|2", "价格不对")
    with session_scope(store) as s:
        ps.resolve_dispute(s, viewer("channel1"), d1, "reject", note="按目录价", reference=reference)
    d2 = _dispute(store, f"{KEY}|2|2", "特价审批单附后 approval attached")
    with session_scope(store) as s:
        assert statements.statement_states(s)[KEY]["disputed"] is True
        with pytest.raises(ValidationError, match="newer dispute"):
            ps.resolve_dispute(s, viewer("channel1"), d1, "accept", adjusted_amount="4500", reference=reference)
        ps.resolve_dispute(s, viewer("channel1"), d2, "accept", adjusted_amount="4500", reference=reference)
        assert settle(LINES, ps.line_answers(s, 7001, "2026-09")).goods_total == D("16500.00")


def test_channel_manager_answers_only_for_managed_partners(store, reference):
    with session_scope(store) as s:  # partner 7003 is managed by CRM user 999, not channel1 (501)
        d = statements.dispute_line(s, viewer("admin"), 7003, "2026-09", "7003|2026-09|9|9", "x").id
        with pytest.raises(PermissionDenied, match="does not manage partner 7003"):
            ps.resolve_dispute(s, viewer("channel1"), d, "reject", note="n", reference=reference)


def _approved_registration(store, reference):
    with session_scope(store) as s:
        reg = partners.create_deal_registration(s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="500000",
                                                reference=reference)
        partners.approve_registration(s, viewer("channel1"), reg.id, reference=reference)
        return partners.request_special_price(s, viewer("partner1"), 2, "10", "1200", registration_id=reg.id,
                                              reference=reference).id


def test_three_step_approval_chain(store, reference):
    req = _approved_registration(store, reference)
    with session_scope(store) as s:
        with pytest.raises(PermissionDenied, match="step 1"):  # step 1 is the partner sales manager's
            partners.approve_special_price(s, viewer("channel1"), req, reference=reference)
        with pytest.raises(ValidationError, match="requester"):
            partners.approve_special_price(s, viewer("partner1"), req, reference=reference)
        with pytest.raises(PermissionDenied):  # another partner's manager never reaches the request
            partners.approve_special_price(s, viewer("partner2"), req, reference=reference)
        assert partners.approve_special_price(s, PARTNER_MANAGER, req, reference=reference).status == "pending"
        assert partners.approve_special_price(s, viewer("channel1"), req, reference=reference).status == "pending"
        with pytest.raises(ValidationError, match="one person decides one step"):
            partners.approve_special_price(s, viewer("channel1"), req, reference=reference)
        with pytest.raises(ValidationError, match="has passed"):
            partners.approve_special_price(s, viewer("admin"), req, valid_until="2020-01-31", reference=reference)
        done = partners.approve_special_price(s, viewer("admin"), req, "1250", valid_until="2099-12-31",
                                              reference=reference)
        assert (done.status, done.approved_price, done.valid_until) == ("approved", D("1250.00"), dt.date(2099, 12, 31))
        steps = s.execute(sa.select(SpecialPriceApproval.step_no, SpecialPriceApproval.step_key,
                                    SpecialPriceApproval.username).order_by(SpecialPriceApproval.step_no)).all()
        assert [tuple(r) for r in steps] == [(1, "partner_sales_manager", "partner1_mgr"), (2, "channel_manager", "channel1"),
                                             (3, "regional_channel_manager", "admin")]
        assert [r["decision"] for r in special_price_chain.status_rows(s, req)] == ["approve"] * 3


def test_rejection_at_a_step_ends_the_request_and_the_chain_is_a_setting(store, reference, monkeypatch, tmp_path):
    req = _approved_registration(store, reference)
    with session_scope(store) as s:
        partners.approve_special_price(s, PARTNER_MANAGER, req, reference=reference)
        done = partners.reject_special_price(s, viewer("channel1"), req, "低于底价 below floor", reference=reference)
        assert done.status == "rejected"
        assert [r["decision"] for r in special_price_chain.status_rows(s, req)] == ["approve", "reject", None]
    (tmp_path / "partner.yml").write_text(
        "special_price_approval_chain:\n  - {key: regional, label: 区域渠道经理, roles: [channel_manager], users: [boss]}\n",
        encoding="utf-8")
    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path))
    req2 = _approved_registration(store, reference)
    with session_scope(store) as s:
        with pytest.raises(PermissionDenied, match="boss"):  # a named-user step: other channel managers may not
            partners.approve_special_price(s, viewer("channel1"), req2, reference=reference)
