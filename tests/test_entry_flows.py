"""Entry flows of issue 17 in AppTest, on the published S=1 snapshot and a fresh store per test:
convert a lead (new account, contact and opportunity; or linked to the CRM account it duplicates),
approvals that show the deal (rep, customer, opportunity, product, list/net price, discount), and
entry screens listing the extracted records beside the store's, within the viewer's row rule
(a payment plan entered on a CRM order)."""

from __future__ import annotations

import duckdb
import pytest
from entry_fixtures import click, errors, make_entry_env, page, successes
from test_entry_sales_screens import _create_opportunity, _product, _quote

pytestmark = pytest.mark.slow


@pytest.fixture
def env(pipeline_run, monkeypatch, tmp_path):
    return make_entry_env(pipeline_run, monkeypatch, tmp_path)


def _published(env, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(env.settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _new_lead(env, username: str, company: str, name: str = "王小明") -> int:
    at = page(env, "leads", username)
    at.text_input(key="lead_new.lead_name").input(name)
    at.text_input(key="lead_new.company_name").input(company)
    at.text_input(key="lead_new.mobile").input("13800138000")
    click(at, "创建 Create")
    assert any("已创建" in s for s in successes(at)), errors(at)
    return env.rows("select max(id) as id from leads")[0]["id"]


def _texts(at) -> str:
    return "\n".join([*(w.value for w in at.warning), *(w.value for w in at.info), *(m.value for m in at.markdown),
                      *(s.value for s in at.success)])


def test_convert_lead_creates_account_contact_and_opportunity(env):
    company = "杭州明远转化测试科技有限公司"
    lead_id = _new_lead(env, "rep1", company)
    at = page(env, "leads", "rep1")
    at.selectbox(key="lead_selected").select(lead_id).run()
    form = f"lead_convert_{lead_id}"
    # prefilled from the lead: the account's name, the contact and the mobile
    assert at.text_input(key=f"{form}.account_name").value == company
    assert at.text_input(key=f"{form}.contact_name").value == "王小明"
    assert at.text_input(key=f"{form}.mobile").value == "13800138000"
    at.text_input(key=f"{form}.amount").input("120000")
    click(at, "转化 Convert")
    assert not errors(at), errors(at)

    lead = env.rows("select * from leads where id = :i", i=lead_id)[0]
    assert lead["status"] == "converted"
    account = env.rows("select id, account_name from accounts")
    assert [a["account_name"] for a in account] == [company]
    assert lead["converted_account_id"] == account[0]["id"]
    contact = env.rows("select contact_name, mobile, account_id from contacts")
    assert contact == [{"contact_name": "王小明", "mobile": "13800138000", "account_id": account[0]["id"]}]
    opp = env.rows("select id, lead_id, account_id, amount from opportunities")
    assert len(opp) == 1 and opp[0]["lead_id"] == lead_id and float(opp[0]["amount"]) == 120000
    assert lead["converted_opportunity_id"] == opp[0]["id"]
    audit = env.rows("select action, comment from audit_log where table_name = 'leads' and record_id = :i "
                     "order by id", i=lead_id)
    assert audit[-1]["action"] == "convert" and "contact" in audit[-1]["comment"]

    # the lead now reads 已转化 with the account and opportunity it became
    assert "已转化" in _texts(at), _texts(at)
    assert company in _texts(at)


def test_convert_lead_onto_the_crm_account_it_duplicates(env):
    rep = env.viewer("rep1")
    account_id, name = _published(
        env, "select account_id, account_name from intermediate.int_accounts_unioned where owner_id = ? "
             "and account_name like '%有限公司%' order by account_id limit 1", rep.crm_user_id)[0]
    typed = " " + name.replace("有限公司", " 有限公司") + " "  # the same company, typed a little differently
    lead_id = _new_lead(env, "rep1", typed)
    at = page(env, "leads", "rep1")
    at.selectbox(key="lead_selected").select(lead_id).run()
    assert "客户已存在" in _texts(at) or "可能重复" in _texts(at), _texts(at)
    form = f"lead_convert_{lead_id}"
    assert at.selectbox(key=f"{form}.account_choice").value == "link"  # linking is preselected
    at.checkbox(key=f"{form}.with_opportunity").uncheck()
    click(at, "转化 Convert")
    assert not errors(at), errors(at)

    lead = env.rows("select status, converted_account_id, converted_opportunity_id from leads where id = :i", i=lead_id)[0]
    assert lead == {"status": "converted", "converted_account_id": account_id, "converted_opportunity_id": None}
    assert env.rows("select id from accounts") == []  # no second account for the same company
    assert env.rows("select account_id from contacts") == [{"account_id": account_id}]
    assert env.rows("select id from opportunities") == []


def test_approver_sees_the_deal_with_names_and_prices(env):
    from operational.reference import Reference

    opp = _create_opportunity(env, "rep1", name="审批展示测试商机")
    product = _product(env, "rep1")
    _quote(env, opp["id"], product, 22.0)
    ref = Reference.load(env.settings.published_database)
    rep = env.viewer("rep1")
    rep_name = ref.user(rep.crm_user_id)["user_name"]
    products = ref.frame("products")
    product_name = products.filter(products["product_id"] == product)["product_name"][0]
    account_id = env.rows("select account_id from opportunities where id = :i", i=opp["id"])[0]["account_id"]
    accounts = ref.frame("accounts")
    account_name = accounts.filter(accounts["account_id"] == account_id)["account_name"][0]

    at = page(env, "approvals", "manager1")
    waiting = at.dataframe[0].value
    row = waiting.iloc[0]
    assert row["owner_name"] == rep_name and row["account_name"] == account_name
    assert row["opportunity_name"] == "审批展示测试商机"
    assert "owner_id" not in waiting.columns
    lines = at.dataframe[1].value
    line = lines.iloc[0]
    assert product_name in line["product"]
    assert float(line["discount_rate"]) == pytest.approx(0.22)
    assert float(line["unit_price"]) == pytest.approx(float(line["list_price"]) * 0.78, abs=0.01)
    assert float(line["line_amount"]) == pytest.approx(float(line["unit_price"]) * 3, abs=0.01)
    shown = "\n".join(m.value for m in at.markdown)
    assert rep_name in shown and account_name in shown


def test_entry_screens_list_extracted_records_within_the_row_rule(env):
    rep1, rep2 = env.viewer("rep1"), env.viewer("rep2")
    owned = {r[0] for r in _published(env, "select order_no from intermediate.int_orders_unioned "
                                           "where source_system <> 'ops' and owner_id = ?", rep1.crm_user_id)}
    others = {r[0] for r in _published(env, "select order_no from intermediate.int_orders_unioned "
                                            "where source_system <> 'ops' and owner_id = ?", rep2.crm_user_id)}
    assert owned and others, "the demo gives both reps orders"

    def listed(username: str) -> set[str]:
        at = page(env, "orders", username)
        table = next(d.value for d in at.dataframe if "record_source" in d.value.columns)
        crm = table[table["record_source"] != "本系统录入 Entered here"]
        assert "record_source" in table.columns
        return set(crm["order_no"])

    assert listed("rep1") == owned  # every one of rep1's CRM orders, none of rep2's
    assert listed("rep2") == others

    accounts = page(env, "accounts", "rep1")
    table = next(d.value for d in accounts.dataframe if "record_source" in d.value.columns)
    assert len(table) == _published(env, "select count(*) from intermediate.int_accounts_unioned "
                                         "where source_system <> 'ops' and owner_id = ?", rep1.crm_user_id)[0][0]
