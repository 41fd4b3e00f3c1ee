"""Loaders of the customer 360 page (客户360): one company (``company_key``) across every area.

Why one company key: duplicate CRM accounts of one company (name variants typed by different
reps) resolve to one ``company_key`` (``int_account_companies``, docs/partner.md), so the page
rolls every account, deal, receivable and ticket of the company together.

Row rules: the company is the unit. A viewer opens a company only if it is in their scope
(``row_rules.companies``: a rep's or manager's accounts and deals, an agent's tickets, a channel
manager's partners' registrations; finance, admin and service managers every company); within
it every section shows the company's rows.

Degrading: each section names the tables it reads, first one present wins (other areas' marts
are built in parallel, e.g. finance.invoices before the ERP invoices matched by resolved name);
a section none of whose tables is in the snapshot returns "not computed: <reason>" instead of
failing the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from apps import row_rules
from apps.data_access import published_tables, query
from apps.row_rules import Viewer

PAGE = "customer_360"  # the page's URL path (from apps/views/sales/customer_360.py)
ACCOUNTS_OF = ("select account_id from intermediate.int_account_companies where company_key = ?")


def link(company_key: object) -> str | None:
    """The page's address for one company (a table's link column: ``?company=<key>``)."""
    if company_key is None or (isinstance(company_key, float) and pd.isna(company_key)):
        return None
    return f"{PAGE}?company={quote(str(company_key), safe='')}"


def with_links(frame: pd.DataFrame, key_column: str = "company_key") -> pd.DataFrame:
    """``frame`` for people: the company key replaced by a ``customer_360`` link column (shown as a
    link by ``display.table``), so every table that names a company opens its 360 page."""
    if key_column not in frame.columns:
        return frame
    return frame.assign(customer_360=[link(k) for k in frame[key_column]]).drop(columns=[key_column])


# -- which companies the viewer may open -----------------------------------------------------------

def companies(viewer: Viewer, search: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Companies in the viewer's scope (by name or key when ``search``), largest first."""
    scope, params = row_rules.companies(viewer, "c.company_key")
    where = scope
    if search:
        where += " and (c.company_name ilike ? or c.company_key ilike ?)"
        params = [*params, f"%{search}%", f"%{search}%"]
    return query(
        f"""select c.company_key, max(c.company_name) as company_name, count(*) as accounts
            from intermediate.int_account_companies as c
            where {where}
            group by c.company_key
            order by accounts desc, company_name, c.company_key
            limit ?""",
        (*params, limit),
    )


def may_open(viewer: Viewer, company_key: str) -> bool:
    scope, params = row_rules.companies(viewer, "company_key")
    found = query(
        f"select count(*) as n from (select ? as company_key) as wanted where {scope}", (company_key, *params)
    )
    return int(found["n"].iloc[0]) > 0


LAST_TOUCH = "sales.account_activity"
LAST_TOUCH_MISSING = f"not computed: last touch 跟进概况: {LAST_TOUCH} not in the published snapshot 数据未发布"
_TOUCH_COLUMNS = (", t.last_activity_at, t.days_without_activity, t.is_inactive, t.activities,"
                  " t.activities_last_90_days")
_TOUCH_JOIN = f" left join {LAST_TOUCH} as t on t.account_id = c.account_id"


def header(viewer: Viewer, company_key: str, tables: set[str]) -> pd.DataFrame:
    """The company's accounts (name, level, industry, city, owner) with each one's last touch (last
    activity, days without, activities) when ``sales.account_activity`` is in ``tables``: a rep
    looks at it first, and in this read it costs no read of its own. Empty outside the viewer's
    scope (the scope is checked in the same query: one read)."""
    scope, params = row_rules.companies(viewer, "c.company_key")
    touch_columns, touch_join = (_TOUCH_COLUMNS, _TOUCH_JOIN) if LAST_TOUCH in tables else ("", "")
    return query(
        f"""select c.company_name, a.account_id, a.account_name, a.level, a.industry, a.province, a.city,
                   a.owner_id, u.user_name as owner_name{touch_columns}
            from intermediate.int_account_companies as c
            join intermediate.int_accounts_unioned as a on a.account_id = c.account_id
            left join staging.stg_crm__users as u on u.user_id = a.owner_id{touch_join}
            where c.company_key = ? and {scope} order by a.account_id""",
        (company_key, *params),
    )


def has_last_touch(accounts: pd.DataFrame) -> bool:
    """Whether ``header`` could add the last touch (else the page says why not)."""
    return "last_activity_at" in accounts.columns


# -- the sections ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """One block of the page: its title, the tables it may read (first present wins) and its SQL
    per table (every ``?`` = the company key). ``at_once``: shown when the page opens (what a rep
    looks at first: deals and contacts, beside the header's last touch); the others are read only
    when opened, so the page does not wait for a dozen reads (issue 16)."""

    key: str
    title: str
    sources: tuple[tuple[str, str], ...]  # (table, sql)
    at_once: bool = False


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame | None
    source: str | None
    reason: str | None  # "not computed: ..." when frame is None


_ACCOUNT_FILTER = f"account_id in ({ACCOUNTS_OF})"

SECTIONS: tuple[Section, ...] = (
    Section("deals", "商机 Deals", (
        ("sales.opportunities",
         """select opportunity_id, opportunity_name, owner_name, stage, status, amount, weighted_amount,
                   expected_close_date, account_name
            from sales.opportunities where company_key = ?
            order by is_closed, expected_close_date desc, opportunity_id"""),
    ), at_once=True),
    Section("contacts", "联系人 Contacts", (
        ("intermediate.int_contacts_unioned",
         f"""select contact_name, title, mobile, email, is_decision_maker, account_id
             from intermediate.int_contacts_unioned where {_ACCOUNT_FILTER}
             order by is_decision_maker desc, contact_name"""),
    ), at_once=True),
    Section("quotes", "报价 Quotes", (
        ("sales.quote_discounts",
         f"""select quote_no, quote_date, status, owner_name, list_amount, net_amount, discount_depth, discount_band,
                    is_final_quote, opportunity_id
             from sales.quote_discounts where {_ACCOUNT_FILTER}
             order by quote_date desc, quote_no"""),
        ("intermediate.int_quotes_unioned",
         f"""select quote_no, quote_date, status, total_amount, discount_rate, opportunity_id, account_id
             from intermediate.int_quotes_unioned where {_ACCOUNT_FILTER}
             order by quote_date desc, quote_no"""),
    )),
    Section("orders", "订单 Orders", (
        ("intermediate.int_orders_unioned",
         f"""select order_no, order_date, status, total_amount, contract_id, partner_id, account_id
             from intermediate.int_orders_unioned where {_ACCOUNT_FILTER}
             order by order_date desc, order_no"""),
    )),
    Section("receivables", "应收账龄 Receivables (aging)", (
        ("finance.ar_aging",
         """select bucket, count(*) as installments, sum(open_amount) as open_amount,
                   max(days_overdue) as max_days_overdue, min(bucket_order) as bucket_order
            from finance.ar_aging
            where company_key = ? and as_of_date = (select max(as_of_date) from finance.ar_aging)
            group by bucket order by bucket_order"""),
    )),
    Section("invoice_reconciliation", "开票与回款对账 Invoiced vs collected", (
        ("finance.invoice_reconciliation",
         """select contract_no, order_no, reconciliation_status, document_amount, invoiced_net, collected_amount,
                   invoiced_not_collected, collected_not_invoiced, not_yet_invoiced, last_invoice_date,
                   last_receipt_date
            from finance.invoice_reconciliation where company_key = ?
            order by invoiced_not_collected desc, contract_no, order_no"""),
    )),
    Section("invoices", "发票 Invoices", (
        ("finance.invoices",
         """select invoice_no, invoice_date, invoice_type, status, net_amount, amount_incl_tax, order_no,
                   contract_no, reverses_invoice_no
            from finance.invoices where company_key = ?
            order by invoice_date desc, invoice_no limit 200"""),
        ("partner.company_resolution",
         """select i.invoice_no, i.invoice_date, i.invoice_type, i.status, i.amount_incl_tax, i.crm_order_no
            from staging.stg_erp__invoices as i
            join partner.company_resolution as r on r.typed_name = i.customer_name
            where r.company_key = ? order by i.invoice_date desc, i.invoice_no limit 200"""),
    )),
    Section("expenses", "费用 Expenses", (
        ("sales.expenses",
         """select expense_no, expense_date, expense_type, status, amount, counted_amount, owner_name,
                   opportunity_name
            from sales.expenses where company_key = ?
            order by expense_date desc, expense_no limit 200"""),
    )),
    Section("tickets", "工单 Tickets", (
        ("intermediate.int_tickets_unioned",
         f"""select ticket_no, created_at, subject, category, priority, channel, status, team
             from intermediate.int_tickets_unioned where {_ACCOUNT_FILTER}
             order by created_at desc limit 200"""),
    )),
    Section("satisfaction", "满意度 Satisfaction", (
        ("service.satisfaction_tickets",
         """select count(*) as closed_tickets, count(score) as rated_tickets,
                   sum(case when is_satisfied then 1 else 0 end) as satisfied_tickets,
                   round(sum(case when is_satisfied then 1 else 0 end) * 1.0 / nullif(count(score), 0), 4) as csat,
                   round(count(score) * 1.0 / nullif(count(*), 0), 4) as response_rate,
                   round(avg(score), 2) as avg_score
            from service.satisfaction_tickets where company_key = ? having count(*) > 0"""),
    )),
    Section("partner", "渠道 Partner", (
        ("partner.deal_registrations",
         """select d.registration_id, p.partner_name, d.status, d.product_line, d.estimated_amount,
                   d.submitted_at, d.protected_until, d.protection_status
            from partner.deal_registrations as d
            left join staging.stg_partners__partners as p on p.partner_id = d.partner_id
            where d.company_key = ? order by d.submitted_at desc"""),
    )),
    Section("activities", "活动 Activities", (
        ("staging.stg_crm__activities",
         f"""select activity_time, activity_type, content, duration_minutes, owner_id, opportunity_id
             from staging.stg_crm__activities where {_ACCOUNT_FILTER}
             order by activity_time desc limit 200"""),
    )),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
AT_ONCE = tuple(s.key for s in SECTIONS if s.at_once)


OUTSIDE_SCOPE = "not computed: this company is outside your scope 不在您的权限范围内"


def section(viewer: Viewer, key: str, company_key: str, present: Callable[[], set[str]] = published_tables) -> Result:
    """One section's rows for the company, or why it is not computed."""
    if not may_open(viewer, company_key):
        return Result(None, None, OUTSIDE_SCOPE)
    return _section_rows(key, company_key, present())


def first_view(viewer: Viewer, company_key: str) -> tuple[pd.DataFrame, dict[str, Result]]:
    """The header (with the last touch) and the sections shown at once (``AT_ONCE``). The
    header's read checks the scope (empty outside it), so these sections need no check of their
    own: one read fewer."""
    tables = published_tables()
    accounts = header(viewer, company_key, tables)
    if accounts.empty:
        return accounts, {}
    return accounts, {key: _section_rows(key, company_key, tables) for key in AT_ONCE}


def _section_rows(key: str, company_key: str, tables: set[str]) -> Result:
    wanted = next(s for s in SECTIONS if s.key == key)
    for table, sql in wanted.sources:
        if table in tables:
            return Result(query(sql, (company_key,) * sql.count("?")), table, None)
    names = ", ".join(t for t, _ in wanted.sources)
    return Result(None, None, f"not computed: {names} not in the published snapshot 数据未发布")
