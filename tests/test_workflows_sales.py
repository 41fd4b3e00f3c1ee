"""Sales workflows on a real store: lead pool, company resolution on new accounts, opportunity stages.

Company-name cases transcribed from the product's naming rules (normalization, registry, city).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
import store_fixtures
from store_fixtures import MGR_A, REP1, REP2, REP3, make_reference, viewer

from operational import records
from operational.db import session_scope
from operational.errors import PermissionDenied, StaleRecordError, ValidationError
from operational.models import AuditLog, Contact, Lead, Opportunity, OpportunityStageHistory
from operational.workflows import accounts, leads, opportunities

store_url = store_fixtures.store_url
REP1_V, REP2_V, REP3_V = viewer("sales_rep", REP1), viewer("sales_rep", REP2), viewer("sales_rep", REP3)
MGR_A_V = viewer("sales_manager", MGR_A)

CODE_1234 = "91110000MA01ABCD1X"
CODE_SHICANG = "91310000MA1FL2SC3Y"
CODE_HUACE = "91310000MA1HCDH45Z"
CODE_MINGYUAN = "91330100MA2XYZ0001"
REGISTRY = [
    {"unified_social_credit_code": CODE_1234, "legal_name": "北京一二三四科技有限公司", "city": "北京", "short_names": None},
    {"unified_social_credit_code": CODE_SHICANG, "legal_name": "世仓智能仓储设备(上海)股份有限公司", "city": "上海", "short_names": None},
    {"unified_social_credit_code": CODE_HUACE, "legal_name": "上海华测导航技术股份有限公司", "city": "上海", "short_names": "华测导航"},
    {"unified_social_credit_code": CODE_MINGYUAN, "legal_name": "杭州明远机械有限公司", "city": "杭州", "short_names": "明远"},
]
A_1234, A_YIFU, A_HUACE, A_SHICANG, A_YUNFAN = 1000000000101, 1000000000102, 1000000000103, 1000000000104, 1000000000105
ACCOUNTS = [
    {"account_id": A_1234, "owner_id": REP3, "partner_id": None, "unified_social_credit_code": CODE_1234, "account_name": "北京一二三四科技有限公司"},
    {"account_id": A_YIFU, "owner_id": REP2, "partner_id": None, "unified_social_credit_code": None, "account_name": "深圳市益富可视(中国)有限公司"},
    {"account_id": A_HUACE, "owner_id": REP1, "partner_id": None, "unified_social_credit_code": CODE_HUACE, "account_name": "上海华测导航技术股份有限公司"},
    {"account_id": A_SHICANG, "owner_id": REP1, "partner_id": None, "unified_social_credit_code": CODE_SHICANG, "account_name": "世仓智能仓储设备(上海)股份有限公司"},
    {"account_id": A_YUNFAN, "owner_id": REP2, "partner_id": None, "unified_social_credit_code": None, "account_name": "杭州云帆数据服务有限公司"},
]
REF = make_reference(accounts=ACCOUNTS, registry=REGISTRY)


# -- leads and the pool
def _pool_lead(url: str) -> tuple[int, int]:
    with session_scope(url) as s:
        lead = leads.create_lead(s, MGR_A_V, {"lead_name": "陈先生", "company_name": "宁波某厂", "is_in_pool": True},
                                 reference=REF)
        return lead.id, lead.version


def test_rep_creates_own_lead_and_cannot_create_for_others(store_url):
    with session_scope(store_url) as s:
        lead = leads.create_lead(s, REP1_V, {"lead_name": "刘女士", "mobile": "13912345678"}, reference=REF)
        assert lead.owner_id == REP1 and lead.status == "new" and not lead.is_in_pool
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        leads.create_lead(s, REP1_V, {"lead_name": "x", "owner_id": REP2}, reference=REF)
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        leads.create_lead(s, REP1_V, {"lead_name": "", "mobile": "12345", "email": "no-at-sign"}, reference=REF)
    assert set(err.value.errors) == {"lead_name", "mobile", "email"}


def test_claim_race_and_return_with_reason(store_url):
    lead_id, version = _pool_lead(store_url)
    with session_scope(store_url) as s:
        assert [lead.id for lead in leads.list_pool(s, REP2_V)] == [lead_id]
    with session_scope(store_url) as s:
        claimed = leads.claim_from_pool(s, REP1_V, lead_id, version, reference=REF)
        assert claimed.owner_id == REP1 and not claimed.is_in_pool
    with pytest.raises(StaleRecordError) as err, session_scope(store_url) as s:  # rep2 clicked the same row
        leads.claim_from_pool(s, REP2_V, lead_id, version, reference=REF)
    assert set(err.value.current) == {"id", "version", "is_in_pool"}  # no details of rep1's lead
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        leads.return_to_pool(s, REP1_V, lead_id, "  ", version + 1, reference=REF)
    assert set(err.value.errors) == {"reason"}
    with session_scope(store_url) as s:
        back = leads.return_to_pool(s, REP1_V, lead_id, "客户无预算", version + 1, reference=REF)
        assert back.is_in_pool and back.owner_id is None and back.previous_owner_id == REP1
        assert back.pool_return_reason == "客户无预算"
        assert leads.list_my_leads(s, REP1_V, reference=REF) == []
        trail = records.history(s, "leads", lead_id)
    assert [t["action"] for t in trail] == ["insert", "claim", "return"]
    assert trail[-1]["comment"] == "客户无预算"


def test_assign_is_for_managers_within_their_team(store_url):
    lead_id, version = _pool_lead(store_url)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        leads.assign_lead(s, REP1_V, lead_id, REP1, version, reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        leads.assign_lead(s, MGR_A_V, lead_id, REP3, version, reference=REF)  # rep3 is in team B
    with session_scope(store_url) as s:
        lead = leads.assign_lead(s, MGR_A_V, lead_id, REP2, version, reference=REF)
        assert lead.owner_id == REP2 and lead.assigned_at is not None
        assert [lead.id for lead in leads.list_my_leads(s, REP2_V, reference=REF)] == [lead_id]
        assert leads.list_my_leads(s, REP1_V, reference=REF) == []


def test_auto_return_after_n_days_without_follow_up(store_url):
    now = dt.datetime(2026, 11, 1, 9, 0)
    with session_scope(store_url) as s:
        made = {
            key: leads.create_lead(s, REP1_V, {"lead_name": key}, reference=REF).id
            for key in ("followed_recently", "followed_long_ago", "assigned_long_ago", "converted_long_ago", "exactly_30")
        }
    hand_set = {  # (assigned_at, last_follow_up_at, status)
        "followed_recently": (now - dt.timedelta(days=90), now - dt.timedelta(days=3), "contacted"),
        "followed_long_ago": (now - dt.timedelta(days=90), now - dt.timedelta(days=31), "contacted"),
        "assigned_long_ago": (now - dt.timedelta(days=45), None, "new"),
        "converted_long_ago": (now - dt.timedelta(days=90), None, "converted"),
        "exactly_30": (now - dt.timedelta(days=30), None, "new"),
    }
    with session_scope(store_url) as s:
        for key, (assigned, followed, status) in hand_set.items():
            s.execute(sa.update(Lead).where(Lead.id == made[key])
                      .values(assigned_at=assigned, last_follow_up_at=followed, status=status,
                              created_at=now - dt.timedelta(days=100)))
    with session_scope(store_url) as s:
        returned = leads.auto_return_stale(s, now=now, days=30)
    assert returned == sorted([made["followed_long_ago"], made["assigned_long_ago"]])
    with session_scope(store_url) as s:
        assert leads.auto_return_stale(s, now=now, days=30) == []  # idempotent
        for key in ("followed_long_ago", "assigned_long_ago"):
            lead = s.get(Lead, made[key])
            assert lead.is_in_pool and lead.owner_id is None and lead.previous_owner_id == REP1
            assert lead.version == 2 and "30" in lead.pool_return_reason
        for key in ("followed_recently", "converted_long_ago", "exactly_30"):
            assert s.get(Lead, made[key]).owner_id == REP1
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.action == "auto_return")).all()
        assert sorted(a.record_id for a in audit) == returned
        assert all(a.changed_by_name == "system" for a in audit)
    # a follow-up resets the clock: the 30-day lead followed up today stays
    with session_scope(store_url) as s:
        leads.record_follow_up(s, REP1_V, made["exactly_30"], "电话沟通需求", 1, at=now, reference=REF)
        later = leads.auto_return_stale(s, now=now + dt.timedelta(days=29), days=30)
    assert later == [made["followed_recently"]]  # 3 + 29 days since its follow-up; exactly_30 stays


def test_convert_lead_to_account_and_opportunity(store_url):
    with session_scope(store_url) as s:
        lead = leads.create_lead(s, REP1_V, {"lead_name": "郑经理", "company_name": "杭州明远机械有限公司", "city": "杭州"},
                                 reference=REF)
        dup = leads.create_lead(s, REP1_V, {"lead_name": "钱工", "company_name": "上海华测导航技术股份有限公司"},
                                reference=REF)
        lead_id, dup_id = lead.id, dup.id
    with session_scope(store_url) as s:
        done = leads.convert_lead(s, REP1_V, lead_id, 1, reference=REF)
        assert done.status == "converted" and done.converted_opportunity_id is not None
        opp = s.get(Opportunity, done.converted_opportunity_id)
        assert (opp.lead_id, opp.account_id, opp.owner_id, opp.stage) == (lead_id, done.converted_account_id, REP1, "初步接洽")
    with session_scope(store_url) as s, pytest.raises(accounts.DuplicateAccount):  # the company is an account already
        leads.convert_lead(s, REP1_V, dup_id, 1, reference=REF)
    with session_scope(store_url) as s:
        done = leads.convert_lead(s, REP1_V, dup_id, 1, account_id=A_HUACE, reference=REF)
        assert done.converted_account_id == A_HUACE
        with pytest.raises(ValidationError, match="open lead"):
            leads.convert_lead(s, REP1_V, dup_id, done.version, account_id=A_HUACE, reference=REF)


def test_pool_days_come_from_the_settings_folder(tmp_path, monkeypatch):
    from kernel.config import ConfigError

    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path))
    assert leads.pool_days() == 30  # no sales.yml: the default
    (tmp_path / "sales.yml").write_text("lead_pool_days: 14\n", encoding="utf-8")
    assert leads.pool_days() == 14
    (tmp_path / "sales.yml").write_text("lead_pool_days: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sales.yml: lead_pool_days: .*greater than or equal to 1"):
        leads.pool_days()


# -- accounts: company resolution
@pytest.mark.parametrize(
    ("typed", "kind", "account_id"),
    [
        ("深圳市益富可视（中国）有限公司", "exact", A_YIFU),  # full-width brackets
        ("北京一二三四科技有限责任公司", "registry", A_1234),  # registry holds only one of the suffixes
        ("华测导航", "registry", A_HUACE),  # registry keyword → the full name an account has
        ("世仓", "fuzzy", A_SHICANG),  # short name, not a registered keyword: only a suggestion
        ("杭州云帆数椐服务有限公司", "fuzzy", A_YUNFAN),  # one wrong character
        ("上海一二三四科技有限公司", "none", None),  # different city: never the same company
        ("杭州明远机械有限公司", "none", None),  # registered, but no account yet
    ],
)
def test_check_duplicate(store_url, typed, kind, account_id):
    with session_scope(store_url, readonly=True) as s:
        dup = accounts.check_duplicate(s, typed, reference=REF)
    assert (dup["kind"], dup["account_id"]) == (kind, account_id), dup
    if kind in ("exact", "registry"):
        assert dup["score"] >= 95
    if kind == "fuzzy":
        assert 0 < dup["score"] < 100 or dup["method"] == "registry"


def test_suffix_variant_without_registry_is_a_fuzzy_duplicate(store_url):
    ref = make_reference(accounts=ACCOUNTS)  # no registry extract at all
    with session_scope(store_url, readonly=True) as s:
        dup = accounts.check_duplicate(s, "北京一二三四科技有限责任公司", reference=ref)
    assert (dup["kind"], dup["account_id"]) == ("fuzzy", A_1234)


def test_create_account_blocks_duplicates_and_asks_to_confirm_fuzzy(store_url):
    with session_scope(store_url) as s:
        mine = accounts.create_account(s, REP1_V, {"account_name": "三盟科技有限公司", "level": "B"}, reference=REF)
        assert mine.owner_id == REP1 and mine.normalized_name == "三盟科技有限公司"
    with session_scope(store_url) as s, pytest.raises(accounts.DuplicateAccount) as err:
        accounts.create_account(s, REP2_V, {"account_name": " 三盟科技  有限公司"}, reference=REF)
    assert err.value.duplicate["kind"] == "exact" and str(mine.id) in err.value.errors["account_name"]
    with session_scope(store_url) as s, pytest.raises(accounts.DuplicateAccount) as err:
        accounts.create_account(s, REP2_V, {"account_name": "华测导航"}, reference=REF)
    assert str(A_HUACE) in err.value.errors["account_name"]
    with session_scope(store_url) as s, pytest.raises(accounts.DuplicateAccount) as err:
        accounts.create_account(s, REP2_V, {"account_name": "杭州云帆数椐服务有限公司"}, reference=REF)
    assert "confirm" in err.value.errors["account_name"]
    with session_scope(store_url) as s:
        made = accounts.create_account(s, REP2_V, {"account_name": "杭州云帆数椐服务有限公司"}, confirm_fuzzy=True,
                                       reference=REF)
        assert "fuzzy" in records.history(s, "accounts", made.id)[0]["comment"]
        fresh = accounts.create_account(s, REP2_V, {"account_name": "杭州明远机械有限公司"}, reference=REF)
        assert fresh.unified_social_credit_code == CODE_MINGYUAN  # filled from the registry
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        accounts.create_account(s, REP2_V, {"account_name": "某", "level": "Z"}, reference=REF)
    assert set(err.value.errors) == {"account_name", "level"}


def test_name_suggestions_registry_first(store_url):
    with session_scope(store_url, readonly=True) as s:
        found = accounts.name_suggestions(s, "华测", reference=REF)
        assert found[0] == {"name": "上海华测导航技术股份有限公司", "source": "registry", "account_id": None,
                            "unified_social_credit_code": CODE_HUACE}
        assert {"source": "account", "account_id": A_HUACE}.items() <= found[1].items()
        assert [f["name"] for f in accounts.name_suggestions(s, "明远", reference=REF)] == ["杭州明远机械有限公司"]
        assert accounts.name_suggestions(s, "  ", reference=REF) == []


def test_contacts_on_visible_accounts_only(store_url):
    with session_scope(store_url) as s:
        contact = accounts.create_contact(s, REP1_V, {"account_id": A_HUACE, "contact_name": "周工", "mobile": "13700000000",
                                                      "is_decision_maker": "是"}, reference=REF)
        assert contact.is_decision_maker is True and contact.owner_id == REP1
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        accounts.create_contact(s, REP1_V, {"account_id": A_1234, "contact_name": "吴工", "mobile": "13700000001"},
                                reference=REF)
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        accounts.create_contact(s, REP1_V, {"account_id": A_HUACE, "contact_name": "孙工"}, reference=REF)
    assert set(err.value.errors) == {"mobile"}
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        accounts.create_contact(s, REP1_V, {"account_id": 42, "contact_name": "孙工", "mobile": "13700000002"},
                                reference=REF)
    assert set(err.value.errors) == {"account_id"}


# -- opportunities
def _opportunity(url: str) -> tuple[int, int]:
    with session_scope(url) as s:
        opp = opportunities.create_opportunity(
            s, REP1_V, {"opportunity_name": "华测 MES 一期", "account_id": A_HUACE, "opportunity_type": "新客户"},
            reference=REF)
        return opp.id, opp.version


def test_stages_come_from_the_business_settings():
    assert opportunities.open_stages() == ["初步接洽", "需求确认", "方案报价", "商务谈判"]
    assert opportunities.stages()["赢单"]["is_won"] and opportunities.stages()["输单"]["is_closed"]


def test_advance_needs_each_stages_fields_and_writes_history(store_url):
    opp_id, v = _opportunity(store_url)
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.advance_stage(s, REP1_V, opp_id, "方案报价", {}, v, reference=REF)
    assert set(err.value.errors) == {"amount", "next_step", "close_date"}
    assert "方案报价" in err.value.errors["amount"]
    with session_scope(store_url) as s:
        opp = opportunities.advance_stage(
            s, REP1_V, opp_id, "方案报价",
            {"amount": "860000", "next_step": "提交方案", "close_date": "2026-12-20"}, v, reference=REF)
        assert (opp.stage, opp.status, opp.win_rate_pct, opp.forecast_category) == ("方案报价", "open", 50, "best_case")
        assert opp.amount == Decimal("860000.00") and opp.department_id is not None
        v = opp.version
    with session_scope(store_url) as s, pytest.raises(StaleRecordError):
        opportunities.advance_stage(s, REP1_V, opp_id, "需求确认", {}, v - 1, reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        opportunities.advance_stage(s, REP2_V, opp_id, "需求确认", {}, v, reference=REF)
    # negotiation: a decision maker of this account and an approved quote of this opportunity
    from operational.models.orders import Quote

    with session_scope(store_url) as s:
        contact = accounts.create_contact(s, REP1_V, {"account_id": A_HUACE, "contact_name": "周总", "mobile": "13700000000"},
                                          reference=REF)
        quote = records.insert(s, REP1_V, Quote, {"owner_id": REP1, "quote_no": "Q-T-1", "opportunity_id": opp_id,
                                                  "price_book_id": 1, "status": "draft", "quote_date": "2026-11-01"},
                               reference=REF)
        contact_id, quote_id, quote_v = contact.id, quote.id, quote.version
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.advance_stage(s, REP1_V, opp_id, "商务谈判",
                                    {"decision_maker_contact_id": contact_id, "quote_id": quote_id}, v, reference=REF)
    assert set(err.value.errors) == {"quote_id"} and "approved" in err.value.errors["quote_id"]
    with session_scope(store_url) as s:
        records.update(s, REP1_V, quote_id, {"status": "approved"}, quote_v, model=Quote, reference=REF)
        opp = opportunities.advance_stage(s, REP1_V, opp_id, "商务谈判",
                                          {"decision_maker_contact_id": contact_id, "quote_id": quote_id}, v,
                                          reference=REF)
        v = opp.version
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.close_won(s, REP1_V, opp_id, {}, v, reference=REF)
    assert set(err.value.errors) == {"contract_number"}
    with session_scope(store_url) as s:
        won = opportunities.close_won(s, REP1_V, opp_id, {"contract_number": "HT-2026-088"}, v, reference=REF)
        assert (won.stage, won.status, won.win_rate_pct) == ("赢单", "won", 100) and won.closed_at is not None
        path = [(h.from_stage, h.to_stage) for h in opportunities.stage_history(s, REP1_V, opp_id, reference=REF)]
        assert path == [(None, "初步接洽"), ("初步接洽", "方案报价"), ("方案报价", "商务谈判"), ("商务谈判", "赢单")]
        with pytest.raises(ValidationError, match="closed"):
            opportunities.advance_stage(s, REP1_V, opp_id, "商务谈判", {}, won.version, reference=REF)


def test_close_lost_needs_a_reason(store_url):
    opp_id, v = _opportunity(store_url)
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.close_lost(s, REP1_V, opp_id, "", v, reference=REF)
    assert set(err.value.errors) == {"loss_reason"}
    with session_scope(store_url) as s:
        lost = opportunities.close_lost(s, REP1_V, opp_id, "价格过高", v, reference=REF)
        assert (lost.stage, lost.status, lost.loss_reason) == ("输单", "lost", "价格过高")
        history = s.scalars(sa.select(OpportunityStageHistory).where(OpportunityStageHistory.opportunity_id == opp_id)).all()
        assert [h.to_stage for h in history] == ["初步接洽", "输单"]
        assert records.history(s, "opportunities", opp_id)[-1]["action"] == "close_lost"


def test_create_opportunity_at_a_later_stage_needs_its_fields(store_url):
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.create_opportunity(s, REP1_V, {"opportunity_name": "x", "account_id": A_HUACE, "stage": "方案报价"},
                                         reference=REF)
    assert set(err.value.errors) == {"amount", "next_step", "close_date"}
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        opportunities.create_opportunity(s, REP1_V, {"opportunity_name": "x", "account_id": A_HUACE, "stage": "赢单"},
                                         reference=REF)
    assert set(err.value.errors) == {"stage"}
    with session_scope(store_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
