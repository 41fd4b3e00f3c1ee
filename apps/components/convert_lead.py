"""转化 Convert a lead: account (prefilled from the lead's company, or an existing one when the
duplicate check finds it), contact (prefilled from the lead) and an optional opportunity, in one
store transaction (``operational.workflows.leads.convert_lead``, audited like every store write).

The duplicate check is the accounts screen's (``operational.workflows.accounts.check_duplicate``:
the company-name normalisation of ``kernel.company_names`` against the store's and the published
accounts), so a lead cannot create a second account for a company the CRM already holds.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from apps import display
from apps import entry_data as entry
from apps.components import forms, links
from operational.scope import Viewer
from operational.workflows import accounts as account_flows
from operational.workflows import leads as lead_flows

LINK, NEW = "link", "new"
FIELDS = ["account_choice", "account_name", "contact_name", "title", "mobile", "email", "with_opportunity",
          "opportunity_name", "amount", "close_date"]


def form_name(lead: dict) -> str:
    return f"lead_convert_{lead['id']}"


def duplicate_of(lead: dict) -> dict[str, Any]:
    """The duplicate check's answer for the lead's company (kind ``none`` without a company)."""
    name = (lead.get("company_name") or "").strip()
    return entry.read(account_flows.check_duplicate, name) if name else {"kind": "none"}


def may_link(viewer: Viewer, dup: dict[str, Any]) -> bool:
    """Whether the viewer may put records on the duplicate account (its owner is in their scope)."""
    from operational.scope import visible_owner_ids

    owners = visible_owner_ids(viewer)
    return owners is None or dup.get("owner_id") in owners


def _choices(dup: dict[str, Any], company: str, linkable: bool) -> dict[str, str]:
    """Account options: link to the likely duplicate first; a new account only where allowed."""
    options: dict[str, str] = {}
    if dup["kind"] != "none" and linkable:
        options[LINK] = f"关联已有客户 Link to the existing account: {dup['account_name']} (#{dup['account_id']})"
    if dup["kind"] in ("none", "fuzzy"):
        suffix = "（确认不是同一家 confirmed a different company）" if dup["kind"] == "fuzzy" else ""
        options[NEW] = f"新建客户 New account: {company or '—'}{suffix}"
    return options


def show(viewer: Viewer, lead: dict) -> None:
    """The convert form of one open lead; on success the lead is 已转化 and links are shown."""
    form = form_name(lead)
    keys = forms.keys(form, FIELDS)
    dup = duplicate_of(lead)
    company = (lead.get("company_name") or "").strip()
    linkable = dup["kind"] == "none" or may_link(viewer, dup)
    options = _choices(dup, company, linkable)
    if not linkable:
        owner = entry.owner_name(dup.get("owner_id"))
        st.error(f"该公司已是客户 **{dup['account_name']}**（#{dup['account_id']}），负责人为 {owner}，不在您的权限内："
                 "请联系经理转交客户后再转化。 The company is an account of another owner.")
    if not options:
        return

    if dup["kind"] in ("exact", "registry"):
        st.warning(f"客户已存在：**{dup['account_name']}**（#{dup['account_id']}），转化将关联到该客户。"
                   " This company already exists: the lead is converted onto it.")
    elif dup["kind"] == "fuzzy":
        st.warning(f"可能重复：**{dup['account_name']}**（#{dup['account_id']}，相似度 {dup['score']}）。"
                   "默认关联到已有客户 Possibly the same company: linking to it is preselected.")

    def _convert() -> None:
        got = forms.values(keys)
        choice = got["account_choice"]
        values = forms.cleaned({k: got[k] for k in ("contact_name", "title", "mobile", "email")})
        opp = forms.cleaned({k: got[k] for k in ("opportunity_name", "amount", "close_date")})
        out = entry.act(
            form, lead_flows.convert_lead, viewer, lead["id"], lead["version"],
            account_id=dup["account_id"] if choice == LINK else None,
            account_values={"account_name": (got["account_name"] or "").strip() or None},
            contact_values=values, opportunity_values=opp, with_opportunity=bool(got["with_opportunity"]),
            confirm_fuzzy=choice == NEW and dup["kind"] == "fuzzy",
        )
        if out.ok:
            forms.flash("lead_converted", converted_message(out.value))
            forms.clear(keys.values())

    with st.form(form):
        forms.select(form, "account_id", "客户 Account", list(options), keys["account_choice"],
                     format_func=options.get, index=0)
        forms.text(form, "account_name", "新客户名称 New account's name (新建时)", keys["account_name"], value=company)
        c1, c2 = st.columns(2)
        with c1:
            forms.text(form, "contact_name", "联系人 Contact", keys["contact_name"], value=lead.get("lead_name") or "")
            forms.text(form, "title", "职务 Title", keys["title"])
        with c2:
            forms.text(form, "mobile", "手机 Mobile", keys["mobile"], value=lead.get("mobile") or "")
            forms.text(form, "email", "邮箱 E-mail", keys["email"], value=lead.get("email") or "")
        forms.checkbox(form, "with_opportunity", "同时创建商机 Also create an opportunity", keys["with_opportunity"],
                       value=True)
        o1, o2, o3 = st.columns(3)
        with o1:
            forms.text(form, "opportunity_name", "商机名称 Opportunity name", keys["opportunity_name"],
                       value=f"{company or lead.get('lead_name') or ''} 商机")
        with o2:
            forms.text(form, "amount", "金额 Amount (¥)", keys["amount"])
        with o3:
            forms.date(form, "close_date", "预计成交 Close date", keys["close_date"], value=None)
        forms.form_errors(form, ["account_id", "account_name", "contact_name", "title", "mobile", "email",
                                 "opportunity_name", "amount", "close_date"])
        forms.submit(form, "转化 Convert", _convert, key=f"{form}_convert")


def converted_message(lead: dict) -> str:
    opp = lead.get("converted_opportunity_id")
    return (f"线索 #{lead['id']} 已转化 Lead converted: 客户 account #{lead['converted_account_id']}"
            + (f"，商机 opportunity #{opp}" if opp else "") + ".")


def show_converted(lead: dict, names: dict[str, dict[int, str]] | None = None) -> None:
    """A converted lead: 已转化, when, and links to the account and opportunity it became."""
    names = names or {}
    account, opp = lead.get("converted_account_id"), lead.get("converted_opportunity_id")
    st.info(f"已转化 Converted {display.moment(lead.get('converted_at'))}")
    if account is not None:
        links.to_record("views/entry/accounts.py", "account", account,
                        f"客户 Account: {names.get('accounts', {}).get(account, '')} #{account}", icon="🏢")
    if opp is not None:
        links.to_record("views/entry/opportunities.py", "opportunity", opp,
                        f"商机 Opportunity: {names.get('opportunities', {}).get(opp, '')} #{opp}", icon="💼")
