"""The naming rule of the extracts' staging models: how a raw field is called in staging.

The staging SQL and YAML are hand-owned (dbt_project/README.md, "Staging"); this rule is what
tests/test_dbt_project.py checks them against, so a hand edit that breaks it fails a test.
"""

from __future__ import annotations

import re

from kernel.contracts import EntitySpec

# Singular of each CRM object: its `id` becomes <singular>_id, a bare `name` <singular>_name.
CRM_SINGULAR = {
    "departments": "department",
    "users": "user",
    "campaigns": "campaign",
    "leads": "lead",
    "accounts": "account",
    "contacts": "contact",
    "opportunities": "opportunity",
    "opportunity_stage_history": "stage_change",
    "quotes": "quote",
    "quote_lines": "quote_line",
    "orders": "order",
    "order_lines": "order_line",
    "contracts": "contract",
    "payment_plans": "payment_plan",
    # The CRM calls installments "installment" elsewhere (receipts.installmentId).
    "payment_installments": "installment",
    "receipts": "receipt",
    "products": "product",
    "price_books": "price_book",
    "price_book_entries": "price_book_entry",
    "sales_targets": "sales_target",
    "commission_plans": "commission_plan",
    "commission_plan_rules": "commission_plan_rule",
    "commission_assignments": "commission_assignment",
    "order_splits": "order_split",
    "expenses": "expense",
    "activities": "activity",
}

# The few fields the general rule would name badly: "<system.entity>.<field>" or "*.<field>".
FIELD_RENAMES = {
    "*.dimDepart": "department_id",  # 销售易's department dimension
    "crm.opportunities.winRate": "win_rate_pct",  # percent 0-100, not a fraction
    "crm.order_splits.splitPercent": "split_pct",
    "crm.commission_plan_rules.planId": "commission_plan_id",
    "crm.commission_assignments.planId": "commission_plan_id",
    "callcenter.transcripts.ts": "sent_at",
}


def snake_case(name: str) -> str:
    """``accountName`` -> ``account_name``; ``bankTxnNo`` -> ``bank_txn_no``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def staging_column(entity: EntitySpec, field_name: str) -> str:
    """The staging name of a raw field (contract field or path field).

    English snake_case, with four rules on top:
    - a CRM object's ``id`` is ``<singular>_id`` and a bare ``name`` is ``<singular>_name``;
    - ``depart`` is spelled ``department`` (``parentDepartId`` -> ``parent_department_id``);
    - booleans start with ``is_``/``has_`` (``inPool`` -> ``is_in_pool``);
    - the overrides in FIELD_RENAMES (``dimDepart`` -> ``department_id``, ``ts`` -> ``sent_at``).
    """
    for key in (f"{entity.qualified_name}.{field_name}", f"*.{field_name}"):
        if key in FIELD_RENAMES:
            return FIELD_RENAMES[key]
    if entity.system == "crm" and field_name in ("id", "name"):
        return f"{CRM_SINGULAR[entity.name]}_{field_name}"
    words = ["department" if w == "depart" else w for w in snake_case(field_name).split("_")]
    name = "_".join(words)
    is_bool = field_name in entity.field_names and entity.field(field_name).type == "bool"
    if is_bool and not name.startswith(("is_", "has_")):
        name = f"is_{name}"
    return name
