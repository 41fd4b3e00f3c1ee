"""Sales entry screens (leads, accounts & contacts, opportunities, quotes, approvals) driven by
AppTest on the published S=1 snapshot and a real SQLite store: for each screen a happy path
(the row lands in the store, with its audit trail) and bad input (the message beside the field,
what was typed still there)."""

from __future__ import annotations

import pytest
from entry_fixtures import audit_table, click, errors, make_entry_env, page, successes

pytestmark = pytest.mark.slow


@pytest.fixture
def env(pipeline_run, monkeypatch, tmp_path):
    return make_entry_env(pipeline_run, monkeypatch, tmp_path)


def _ref(env):
    from operational.reference import Reference

    return Reference.load(env.settings.published_database)


# -- leads --------------------------------------------------------------------------------
def test_rep_creates_a_lead_and_sees_its_audit_history(env):
    at = page(env, "leads", "rep1")
    at.text_input(key="lead_new.lead_name").input("王小明")
    at.text_input(key="lead_new.company_name").input("杭州明远科技有限公司")
    at.text_input(key="lead_new.mobile").input("13800138000")
    click(at, "创建 Create")
    assert any("已创建" in s for s in successes(at)), successes(at)
    rep1 = env.viewer("rep1")
    rows = env.rows("select id, owner_id, lead_name, mobile, status from leads")
    assert [(r["owner_id"], r["lead_name"], r["mobile"], r["status"]) for r in rows] == [
        (rep1.crm_user_id, "王小明", "13800138000", "new")]
    assert at.text_input(key="lead_new.lead_name").value == ""  # saved: the form starts empty again
    at.selectbox(key="lead_selected").select(rows[0]["id"]).run()
    assert list(audit_table(at)["action"]) == ["insert"]


def test_lead_with_a_bad_mobile_shows_the_message_and_keeps_the_input(env):
    at = page(env, "leads", "rep1")
    at.text_input(key="lead_new.lead_name").input("李四")
    at.text_input(key="lead_new.mobile").input("12345")
    click(at, "创建 Create")
    assert any(e.startswith("mobile:") and "11" in e for e in errors(at)), errors(at)
    assert at.text_input(key="lead_new.lead_name").value == "李四"
    assert at.text_input(key="lead_new.mobile").value == "12345"
    assert env.rows("select id from leads") == []


def test_pool_claim_return_and_auto_return(env):
    # a manager puts a lead into the pool, a rep claims it, returning needs a reason
    mgr = page(env, "leads", "manager1")
    mgr.text_input(key="lead_new.lead_name").input("公海线索")
    mgr.checkbox(key="lead_new.is_in_pool").check()
    click(mgr, "创建 Create")
    lead_id = env.rows("select id from leads where is_in_pool")[0]["id"]

    rep = page(env, "leads", "rep1")
    rep.selectbox(key="pool_selected").select(lead_id).run()
    click(rep, "领取 Claim")
    rep1 = env.viewer("rep1")
    assert env.rows("select owner_id, is_in_pool from leads") == [{"owner_id": rep1.crm_user_id, "is_in_pool": 0}]

    rep = page(env, "leads", "rep1")
    rep.selectbox(key="lead_selected").select(lead_id).run()
    click(rep, "退回公海 Return")
    assert any(e.startswith("reason:") for e in errors(rep)), errors(rep)
    rep.text_input(key="lead_action.reason").input("客户无预算")
    click(rep, "退回公海 Return")
    assert env.rows("select owner_id, is_in_pool, pool_return_reason from leads") == [
        {"owner_id": None, "is_in_pool": 1, "pool_return_reason": "客户无预算"}]

    # reps get no auto-return button; a manager's returns the leads nobody followed up
    assert not any(b.label.startswith("自动退回") for b in page(env, "leads", "rep1").button)
    rep = page(env, "leads", "rep1")
    rep.selectbox(key="pool_selected").select(lead_id).run()
    click(rep, "领取 Claim")
    env.execute("update leads set assigned_at = '2020-01-01 00:00:00', created_at = '2020-01-01 00:00:00'")
    mgr = page(env, "leads", "manager1")
    click(mgr, "自动退回")
    assert any("1 stale leads returned" in s for s in successes(mgr)), successes(mgr)
    assert env.rows("select is_in_pool from leads") == [{"is_in_pool": 1}]
    actions = [r["action"] for r in env.rows("select action from audit_log where table_name = 'leads' order by id")]
    assert actions == ["insert", "claim", "return", "claim", "auto_return"]


def test_manager_reassigns_a_team_lead_and_reps_see_only_their_own(env):
    rep = page(env, "leads", "rep1")
    rep.text_input(key="lead_new.lead_name").input("改派线索")
    click(rep, "创建 Create")
    lead_id = env.rows("select id from leads")[0]["id"]
    assert not any(b.label.startswith("改派") for b in rep.button)  # reps do not assign
    assert page(env, "leads", "rep2").selectbox(key="lead_selected").options == []  # rep2 sees none of rep1's

    mgr = page(env, "leads", "manager1")
    mgr.selectbox(key="lead_selected").select(lead_id).run()
    click(mgr, "改派 Reassign")
    assert any(e.startswith("owner_id:") for e in errors(mgr)), errors(mgr)
    rep2 = env.viewer("rep2")
    mgr.selectbox(key="lead_action.owner_id").select(rep2.crm_user_id)
    click(mgr, "改派 Reassign")
    assert env.rows("select owner_id, previous_owner_id from leads") == [
        {"owner_id": rep2.crm_user_id, "previous_owner_id": env.viewer("rep1").crm_user_id}]
    assert len(page(env, "leads", "rep2").selectbox(key="lead_selected").options) == 1


# -- accounts -----------------------------------------------------------------------------
def test_existing_company_typed_as_a_variant_is_blocked_and_shown(env):
    ref = _ref(env)
    existing = ref.frame("accounts").sort("account_id").row(0, named=True)
    variant = "  " + existing["account_name"].replace("(", "（").replace(")", "）") + " "
    at = page(env, "accounts", "rep1")
    at.text_input(key="account_new.account_name").input(variant).run()
    assert any(existing["account_name"] in e and str(existing["account_id"]) in e for e in errors(at)), errors(at)
    click(at, "创建客户 Create account")
    assert any(e.startswith("account_name:") and str(existing["account_id"]) in e for e in errors(at)), errors(at)
    assert at.text_input(key="account_new.account_name").value == variant
    assert env.rows("select id from accounts") == []


def test_new_account_with_suggestions_then_a_contact(env):
    at = page(env, "accounts", "rep1")
    at.text_input(key="account_new.account_name").input("深圳市澜图星河智能装备有限公司").run()
    at.text_input(key="account_new.city").input("深圳")
    click(at, "创建客户 Create account")
    assert any("已创建" in s for s in successes(at)), (successes(at), errors(at))
    account = env.rows("select id, account_name, owner_id from accounts")[0]
    assert account["owner_id"] == env.viewer("rep1").crm_user_id

    at = page(env, "accounts", "rep1")
    at.selectbox(key="contact_new.account_id").select(account["id"])
    at.text_input(key="contact_new.contact_name").input("赵六")
    click(at, "添加联系人 Add contact")
    assert any(e.startswith("mobile:") for e in errors(at)), errors(at)  # mobile or e-mail required
    assert at.text_input(key="contact_new.contact_name").value == "赵六"
    at.text_input(key="contact_new.email").input("zhao@example.com")
    click(at, "添加联系人 Add contact")
    assert env.rows("select account_id, contact_name, email from contacts") == [
        {"account_id": account["id"], "contact_name": "赵六", "email": "zhao@example.com"}]


def test_fuzzy_duplicate_needs_the_confirmation_checkbox(env):
    from operational.db import session_scope
    from operational.workflows.accounts import check_duplicate

    ref = _ref(env)
    names = ref.frame("accounts").sort("account_id")["account_name"].to_list()[:40]
    fuzzy = None
    with session_scope(env.url, readonly=True) as session:
        for name in names:  # a one-character typo of an existing name is a fuzzy match
            core = name.replace("有限公司", "")
            candidate = core[:-1] + ("甲" if core[-1] != "甲" else "乙") + "有限公司"
            if check_duplicate(session, candidate, reference=ref)["kind"] == "fuzzy":
                fuzzy = candidate
                break
    assert fuzzy, "no fuzzy candidate among the first accounts"
    at = page(env, "accounts", "rep1")
    at.text_input(key="account_new.account_name").input(fuzzy).run()
    assert at.warning and "Possibly the same company" in at.warning[0].value
    click(at, "创建客户 Create account")
    assert any(e.startswith("account_name:") and "confirm" in e for e in errors(at)), errors(at)
    assert env.rows("select id from accounts") == []
    at.checkbox(key="account_new.confirm_fuzzy").check().run()
    click(at, "创建客户 Create account")
    assert [r["account_name"] for r in env.rows("select account_name from accounts")] == [fuzzy]


# -- opportunities --------------------------------------------------------------------------
def _account_of(env, username: str) -> int:
    owner = env.viewer(username).crm_user_id
    accounts = _ref(env).frame("accounts")
    return int(accounts.filter(accounts["owner_id"] == owner).sort("account_id")["account_id"][0])


def _create_opportunity(env, username: str, name: str = "年度框架采购") -> dict:
    at = page(env, "opportunities", username)
    at.text_input(key="opp_new.opportunity_name").input(name)
    at.selectbox(key="opp_new.account_id").select(_account_of(env, username))
    click(at, "创建 Create")
    assert any("已创建" in s for s in successes(at)), (successes(at), errors(at))
    return env.rows("select id, stage, version from opportunities where opportunity_name = :n", n=name)[0]


def test_opportunity_create_advance_and_close(env):
    from operational.workflows.opportunities import LOST, open_stages

    bad = page(env, "opportunities", "rep1")
    bad.selectbox(key="opp_new.account_id").select(_account_of(env, "rep1"))
    click(bad, "创建 Create")
    assert any(e.startswith("opportunity_name:") for e in errors(bad)), errors(bad)
    assert bad.selectbox(key="opp_new.account_id").value == _account_of(env, "rep1")

    opp = _create_opportunity(env, "rep1")
    assert opp["stage"] == open_stages()[0]
    at = page(env, "opportunities", "rep1")
    at.selectbox(key="opp_selected").select(opp["id"]).run()
    target = "方案报价"
    at.selectbox(key="opp_target").select(target).run()
    # the form asks for what the stage needs: amount, next step, close date
    shown = {w.label for w in [*at.text_input, *at.number_input, *at.date_input]}
    assert {"金额 Amount", "预计成交日期 Close date", "下一步 Next step"} <= shown
    prefix = f"opp_move.{opp['id']}.{target}"
    at.number_input(key=f"{prefix}.amount").set_value(250000.0)
    at.text_input(key=f"{prefix}.next_step").input("方案评审")
    click(at, "保存并推进")
    assert any(e.startswith("close_date:") for e in errors(at)), errors(at)
    assert at.number_input(key=f"{prefix}.amount").value == 250000.0  # kept
    import datetime as dt

    at.date_input(key=f"{prefix}.close_date").set_value(dt.date(2026, 12, 20))
    click(at, "保存并推进")
    row = env.rows("select stage, amount, close_date, version from opportunities")[0]
    assert (row["stage"], float(row["amount"]), str(row["close_date"])[:10]) == (target, 250000.0, "2026-12-20")
    stages = [r["to_stage"] for r in env.rows("select to_stage from opportunity_stage_history order by id")]
    assert stages == [open_stages()[0], target]

    at = page(env, "opportunities", "rep1")
    at.selectbox(key="opp_selected").select(opp["id"]).run()
    at.selectbox(key="opp_target").select(LOST).run()
    click(at, "保存并推进")
    assert any(e.startswith("loss_reason:") for e in errors(at)), errors(at)
    at.text_input(key=f"opp_move.{opp['id']}.{LOST}.loss_reason").input("价格过高")
    click(at, "保存并推进")
    assert env.rows("select status, loss_reason from opportunities") == [{"status": "lost", "loss_reason": "价格过高"}]
    at.selectbox(key="opp_selected").select(opp["id"]).run()
    audit = audit_table(at)
    assert list(audit["action"])[:2] == ["close_lost", "advance_stage"]  # newest first


def test_opportunity_saved_by_someone_else_shows_the_newer_values(env):
    opp = _create_opportunity(env, "rep1")
    first, second = (page(env, "opportunities", "rep1") for _ in range(2))
    for at in (first, second):
        at.selectbox(key="opp_selected").select(opp["id"]).run()
        at.selectbox(key="opp_target").select("需求确认").run()
    prefix = f"opp_move.{opp['id']}.需求确认"
    first.number_input(key=f"{prefix}.amount").set_value(10000.0)
    first.text_input(key=f"{prefix}.next_step").input("first")
    click(first, "保存并推进")
    second.number_input(key=f"{prefix}.amount").set_value(20000.0)
    second.text_input(key=f"{prefix}.next_step").input("second")
    click(second, "保存并推进")
    assert any("changed by someone else" in w.value for w in second.warning), [w.value for w in second.warning]
    assert second.text_input(key=f"{prefix}.next_step").value == "second"  # the input is kept
    assert env.rows("select next_step, version from opportunities") == [{"next_step": "first", "version": 2}]


# -- quotes and approvals -------------------------------------------------------------------
def _product(env, username: str) -> int:
    from operational.workflows.quotes import products_for_viewer

    return int(products_for_viewer(env.viewer(username), _ref(env))["product_id"][0])


def _quote(env, opp_id: int, product: int, discount: float):
    at = page(env, "quotes", "rep1")
    at.selectbox(key="quote_new.opportunity_id").select(opp_id)
    at.selectbox(key="quote_new.lines[1].product_id").select(product)
    at.number_input(key="quote_new.lines[1].quantity").set_value(3.0)
    at.number_input(key="quote_new.lines[1].discount_pct").set_value(discount)
    return click(at, "创建报价 Create quote")


def test_quote_lines_from_the_price_book_and_discount_approval(env):
    opp = _create_opportunity(env, "rep1")
    product = _product(env, "rep1")

    bad = page(env, "quotes", "rep1")
    bad.selectbox(key="quote_new.opportunity_id").select(opp["id"])
    bad.selectbox(key="quote_new.lines[1].product_id").select(product)
    click(bad, "创建报价 Create quote")  # quantity left empty
    assert any(e.startswith("lines[1].quantity:") for e in errors(bad)), errors(bad)
    assert bad.selectbox(key="quote_new.lines[1].product_id").value == product

    ok = _quote(env, opp["id"], product, 5.0)
    assert any("approved" in s for s in successes(ok)), (successes(ok), errors(ok))
    big = _quote(env, opp["id"], product, 30.0)
    assert any("pending_approval" in s for s in successes(big)), (successes(big), errors(big))
    quotes = env.rows("select quote_no, status from quotes order by id")
    assert [q["status"] for q in quotes] == ["approved", "pending_approval"]
    assert env.rows("select status, approver_role from approvals") == [
        {"status": "pending", "approver_role": "sales_manager"}]

    # the rep cannot open approvals; the manager rejects (comment required), then approves
    rep = page(env, "approvals", "rep1")
    assert any("may not open" in e for e in errors(rep)) and not rep.dataframe
    mgr = page(env, "approvals", "manager1")
    assert mgr.metric[0].value == "1"
    quote_id = env.rows("select id from quotes where status = 'pending_approval'")[0]["id"]
    mgr.selectbox(key="approval_quote").select(quote_id).run()
    click(mgr, "驳回 Reject")
    assert any(e.startswith("comment:") for e in errors(mgr)), errors(mgr)
    mgr.text_area(key="approval.comment").input("折扣可以，请附竞品报价")
    click(mgr, "批准 Approve")
    assert any("已批准" in s for s in successes(mgr)), (successes(mgr), errors(mgr))
    assert env.rows("select status, comment from approvals") == [
        {"status": "approved", "comment": "折扣可以，请附竞品报价"}]
    assert mgr.metric[0].value == "0"
