"""Accounts & contacts 客户与联系人: suggestions while typing a name, duplicate check against
the extracted accounts and the business registry (exact/registry blocked, fuzzy needs a
confirmation), and contacts on an account."""

import pandas as pd
import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import forms, links
from operational.models import Account, Contact
from operational.workflows import accounts as wf

viewer = auth.require_screen("accounts")
LEVELS = ["(none)", "A", "B", "C", "D"]
st.title("客户与联系人 Accounts & contacts")

# -- new account ---------------------------------------------------------------------------
NEW = "account_new"
keys = forms.keys(NEW, ["account_name", "short_name", "unified_social_credit_code", "industry", "level",
                        "province", "city", "address", "phone", "confirm_fuzzy"])
st.subheader("新建客户 New account")
forms.show_flash(NEW)
name = forms.text(NEW, "account_name", "客户名称 Account name *", keys["account_name"],
                  placeholder="输入名称，显示建议与查重 Type a name for suggestions and the duplicate check")
duplicate = entry.read(wf.check_duplicate, name) if name and name.strip() else {"kind": "none"}
if name and name.strip():
    suggestions = entry.read(wf.name_suggestions, name)
    if suggestions:
        st.caption("建议 Suggestions (registry 工商登记 / existing accounts 已有客户)")
        display.table(pd.DataFrame(suggestions), show_ids=["id"])
    if duplicate["kind"] in ("exact", "registry"):
        st.error(
            f"客户已存在 This company already exists: **{duplicate['account_name']}** "
            f"(id {duplicate['account_id']}, {duplicate['kind']}). 请使用已有客户 Use the existing account."
        )
    elif duplicate["kind"] == "fuzzy":
        st.warning(
            f"可能重复 Possibly the same company as **{duplicate['account_name']}** "
            f"(id {duplicate['account_id']}, score {duplicate['score']})."
        )
        st.checkbox("确认不是同一家公司 I confirm this is a different company", key=keys["confirm_fuzzy"])
    elif duplicate.get("company_name"):
        st.info(f"工商登记 Registry: {duplicate['company_name']} · {duplicate.get('unified_social_credit_code') or ''}")

c1, c2, c3 = st.columns(3)
with c1:
    forms.text(NEW, "short_name", "简称 Short name", keys["short_name"])
    forms.text(NEW, "unified_social_credit_code", "统一社会信用代码 Credit code", keys["unified_social_credit_code"])
    forms.select(NEW, "level", "等级 Level", LEVELS, keys["level"])
with c2:
    forms.text(NEW, "industry", "行业 Industry", keys["industry"])
    forms.text(NEW, "province", "省份 Province", keys["province"])
    forms.text(NEW, "city", "城市 City", keys["city"])
with c3:
    forms.text(NEW, "address", "地址 Address", keys["address"])
    forms.text(NEW, "phone", "电话 Phone", keys["phone"])


def _create() -> None:
    values = forms.cleaned(forms.values(keys))
    confirm = bool(values.pop("confirm_fuzzy", False))
    if values.get("level") == "(none)":
        values["level"] = None
    out = entry.act(NEW, wf.create_account, viewer, values, confirm_fuzzy=confirm)
    if out.ok:
        forms.flash(NEW, f"客户 #{out.value['id']} {out.value['account_name']} 已创建 Account created.")
        forms.clear(keys.values())


forms.form_errors(NEW, keys)
forms.button(NEW, "创建客户 Create account", _create, key="account_create")

# -- my accounts ---------------------------------------------------------------------------
st.subheader("我的客户 My accounts")
mine = entry.read(entry.visible_rows, viewer, Account)
ACCOUNT_COLUMNS = ["id", "account_name", "unified_social_credit_code", "level", "city", "owner_id", "updated_at"]
entry.show_with_extracted(mine, entry.extracted(viewer, "accounts", ACCOUNT_COLUMNS), ACCOUNT_COLUMNS)
st.caption(entry.READ_ONLY_NOTE + "可为源系统客户添加联系人、商机和订单。 You can add contacts, opportunities and orders to them.")
wanted = links.requested("account")
ids = [r["id"] for r in mine]
picked = st.selectbox("客户 Account", ids, index=ids.index(wanted) if wanted in ids else None, key="account_selected",
                      placeholder="请选择 Choose", format_func=lambda i: entry.label(mine, i, "account_name"))
if picked is not None:
    entry.show_history(viewer, "accounts", picked)

# -- contacts ------------------------------------------------------------------------------
st.subheader("联系人 Contacts")
CONTACT = "contact_new"
ckeys = forms.keys(CONTACT, ["account_id", "contact_name", "title", "mobile", "email", "is_decision_maker"])
choices = entry.account_choices(viewer)


def _create_contact() -> None:
    values = forms.cleaned(forms.values(ckeys))
    out = entry.act(CONTACT, wf.create_contact, viewer, values)
    if out.ok:
        forms.flash(CONTACT, f"联系人 #{out.value['id']} 已创建 Contact created.")
        forms.clear(k for f, k in ckeys.items() if f != "account_id")


forms.show_flash(CONTACT)
with st.form(CONTACT):
    forms.select(CONTACT, "account_id", "客户 Account *", list(choices), ckeys["account_id"], index=None,
                 format_func=lambda i: f"{choices.get(i, i)} (#{i})")
    c1, c2 = st.columns(2)
    with c1:
        forms.text(CONTACT, "contact_name", "姓名 Name *", ckeys["contact_name"])
        forms.text(CONTACT, "title", "职务 Title", ckeys["title"])
    with c2:
        forms.text(CONTACT, "mobile", "手机 Mobile", ckeys["mobile"])
        forms.text(CONTACT, "email", "邮箱 E-mail", ckeys["email"])
    st.checkbox("决策人 Decision maker", key=ckeys["is_decision_maker"])
    forms.form_errors(CONTACT, ckeys)
    forms.submit(CONTACT, "添加联系人 Add contact", _create_contact)

contacts = entry.read(entry.visible_rows, viewer, Contact)
CONTACT_COLUMNS = ["id", "account_name", "contact_name", "title", "mobile", "email", "is_decision_maker"]
entry.show_with_extracted(
    [{**c, "account_name": choices.get(c["account_id"], c["account_id"])} for c in contacts],
    entry.extracted(viewer, "contacts", CONTACT_COLUMNS,
                    names={"account_name": ("accounts", "account_id", "account_name")}),
    CONTACT_COLUMNS, labels={"is_decision_maker": "决策人"})
