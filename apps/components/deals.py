"""The deal behind a channel approval in people's words: partner, customer, opportunity and its rep
by name, and for a special price the product, list price, discount, net price and amount.

Names come from the store first and the published snapshot second (``entry_data.lookup``), so a
registration on a CRM opportunity reads as well as one on an opportunity entered here.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from apps import entry_data as ed
from apps.components import ops_forms as ops
from operational.models import Account, Opportunity
from operational.models.partners import DealRegistration

REGISTRATION_COLUMNS = ["partner_name", "customer_name", "opportunity_name", "owner_name", "product_line",
                        "estimated_amount", "expected_close_date", "submitted_at", "has_conflict", "conflict_note"]
PRICE_COLUMNS = ["partner_name", "customer_name", "opportunity_name", "owner_name", "product", "quantity",
                 "list_price", "discount_rate", "requested_price", "amount", "valid_until", "reason"]
LABELS = {"owner_name": "销售", "discount_rate": "折扣", "requested_price": "申请特价（折后单价）",
          "amount": "金额（数量×特价）", "has_conflict": "有冲突", "conflict_note": "冲突说明"}


def _opportunities(ids: list) -> dict[int, dict]:
    return ed.lookup("opportunities", ids, ["opportunity_name", "owner_id", "account_id"], Opportunity)


def registrations(rows: list[dict]) -> pd.DataFrame:
    """Pending registrations with the partner, the opportunity and its rep by name."""
    partners, people = ops.partner_names(), ops.user_names()
    opps = _opportunities([r.get("crm_opportunity_id") for r in rows])
    out = []
    for r in rows:
        opp = opps.get(r.get("crm_opportunity_id")) or {}
        out.append({**r, "partner_name": partners.get(r["partner_id"], r["partner_id"]),
                    "opportunity_name": opp.get("opportunity_name"),
                    "owner_name": people.get(opp.get("owner_id"), opp.get("owner_id"))})
    return ed.frame(out, ["id", *REGISTRATION_COLUMNS])


def special_prices(rows: list[dict]) -> pd.DataFrame:
    """Pending special prices: whose deal, which product, list → net price, discount and amount."""
    partners, people, products = ops.partner_names(), ops.user_names(), ops.product_names()
    opps = _opportunities([r.get("opportunity_id") for r in rows])
    regs = ed.lookup("deal_registrations", [r.get("registration_id") for r in rows],
                     ["customer_name", "crm_opportunity_id"], DealRegistration)
    more = _opportunities([g.get("crm_opportunity_id") for g in regs.values()])
    customers = ed.names_of(None, "accounts", [o.get("account_id") for o in (*opps.values(), *more.values())],
                            "account_name", Account)
    out = []
    for r in rows:
        reg = regs.get(r.get("registration_id")) or {}
        opp = opps.get(r.get("opportunity_id")) or more.get(reg.get("crm_opportunity_id")) or {}
        listed, asked, qty = r.get("list_price"), r.get("requested_price"), r.get("quantity")
        out.append({
            **r, "partner_name": partners.get(r["partner_id"], r["partner_id"]),
            "customer_name": reg.get("customer_name") or customers.get(opp.get("account_id")),
            "opportunity_name": opp.get("opportunity_name"),
            "owner_name": people.get(opp.get("owner_id"), opp.get("owner_id")),
            "product": products.get(r["product_id"], r["product_id"]),
            "discount_rate": float(1 - Decimal(asked) / Decimal(listed)) if listed and asked is not None else None,
            "amount": float(Decimal(asked) * Decimal(qty)) if asked is not None and qty is not None else None,
        })
    return ed.frame(out, ["id", *PRICE_COLUMNS])

