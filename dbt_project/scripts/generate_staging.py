"""Generate the dbt sources, staging models and their YAML from the source contract.

The 45 staging models are mechanical: one per contract entity, same shape, same renaming
rule. This script wrote them once from ``kernel/contracts/sources.yml``; since then the
files are hand-maintained, so it refuses to overwrite an existing file unless ``--force``.
Use it to scaffold a new entity (``--only crm.new_entity``) and paste the YAML it prints
for the shared per-folder files, or to see what the rule gives for a field.

    python dbt_project/scripts/generate_staging.py                 # write missing files
    python dbt_project/scripts/generate_staging.py --only crm.accounts --force
    python dbt_project/scripts/generate_staging.py --dry-run       # list what it would write
    python dbt_project/scripts/generate_staging.py --store --force # after a store model changed

The operational store (operational/models) is a second source: ``--store`` writes its staging
models (models/staging/ops/) and the staging models of other sources that union its rows;
these stay generated (tests/test_ops_extraction.py checks they match the store's models).

The naming rule (``staging_column``) is the project's single definition of how a raw field
is called in staging; tests/test_dbt_project.py imports it to check the models' YAML.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec, FieldSpec, load_contract, systems

PROJECT_DIR = Path(__file__).resolve().parents[1]
STAGING_DIR = Path("models") / "staging"
RAW_DIR_ENV = "CRMLAKE_RAW_DIR"
RAW_DIR_DEFAULT = "../data/lakehouse/raw"  # like the profile's path: for a run inside dbt_project/

# ---------------------------------------------------------------------------- naming rules

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


def model_name(entity: EntitySpec) -> str:
    return f"stg_{entity.system}__{entity.name}"


# ---------------------------------------------------------------------------- foreign keys

# "<entity>.<field>" -> "<target entity>.<target field>", raw names on both sides. Every CRM
# record's ownerId also points at crm.users (added in foreign_key()).
FOREIGN_KEYS = {
    "crm.departments.parentDepartId": "crm.departments.id",
    "crm.users.dimDepart": "crm.departments.id",
    "crm.users.managerId": "crm.users.id",
    "crm.leads.campaignId": "crm.campaigns.id",
    "crm.leads.convertedAccountId": "crm.accounts.id",
    "crm.leads.convertedOpportunityId": "crm.opportunities.id",
    "crm.accounts.partnerId": "partners.partners.partner_id",
    "crm.contacts.accountId": "crm.accounts.id",
    "crm.opportunities.accountId": "crm.accounts.id",
    "crm.opportunities.leadId": "crm.leads.id",
    "crm.opportunities.campaignId": "crm.campaigns.id",
    "crm.opportunities.dimDepart": "crm.departments.id",
    "crm.opportunities.partnerId": "partners.partners.partner_id",
    "crm.opportunity_stage_history.opportunityId": "crm.opportunities.id",
    "crm.opportunity_stage_history.changedBy": "crm.users.id",
    "crm.quotes.opportunityId": "crm.opportunities.id",
    "crm.quotes.accountId": "crm.accounts.id",
    "crm.quotes.priceBookId": "crm.price_books.id",
    "crm.quotes.approvedBy": "crm.users.id",
    "crm.quote_lines.quoteId": "crm.quotes.id",
    "crm.quote_lines.productId": "crm.products.id",
    "crm.orders.accountId": "crm.accounts.id",
    "crm.orders.opportunityId": "crm.opportunities.id",
    "crm.orders.quoteId": "crm.quotes.id",
    "crm.orders.contractId": "crm.contracts.id",
    "crm.orders.partnerId": "partners.partners.partner_id",
    "crm.orders.dimDepart": "crm.departments.id",
    "crm.order_lines.orderId": "crm.orders.id",
    "crm.order_lines.productId": "crm.products.id",
    "crm.order_lines.priceBookId": "crm.price_books.id",
    "crm.contracts.accountId": "crm.accounts.id",
    "crm.contracts.opportunityId": "crm.opportunities.id",
    "crm.payment_plans.contractId": "crm.contracts.id",
    "crm.payment_plans.orderId": "crm.orders.id",
    "crm.payment_plans.accountId": "crm.accounts.id",
    "crm.payment_installments.paymentPlanId": "crm.payment_plans.id",
    "crm.payment_installments.contractId": "crm.contracts.id",
    "crm.payment_installments.orderId": "crm.orders.id",
    "crm.payment_installments.accountId": "crm.accounts.id",
    "crm.receipts.accountId": "crm.accounts.id",
    "crm.receipts.contractId": "crm.contracts.id",
    "crm.receipts.orderId": "crm.orders.id",
    "crm.receipts.installmentId": "crm.payment_installments.id",
    "crm.price_books.dimDepart": "crm.departments.id",
    "crm.price_book_entries.priceBookId": "crm.price_books.id",
    "crm.price_book_entries.productId": "crm.products.id",
    "crm.sales_targets.userId": "crm.users.id",
    "crm.sales_targets.dimDepart": "crm.departments.id",
    "crm.commission_plan_rules.planId": "crm.commission_plans.id",
    "crm.commission_assignments.userId": "crm.users.id",
    "crm.commission_assignments.planId": "crm.commission_plans.id",
    "crm.order_splits.orderId": "crm.orders.id",
    "crm.order_splits.userId": "crm.users.id",
    "crm.expenses.accountId": "crm.accounts.id",
    "crm.expenses.opportunityId": "crm.opportunities.id",
    "crm.activities.accountId": "crm.accounts.id",
    "crm.activities.contactId": "crm.contacts.id",
    "crm.activities.leadId": "crm.leads.id",
    "crm.activities.opportunityId": "crm.opportunities.id",
    "erp.org.parent_org_code": "erp.org.org_code",
    "erp.org.crm_depart_id": "crm.departments.id",
    "erp.shipments.crm_order_no": "crm.orders.orderNo",
    "erp.shipments.crm_order_line_id": "crm.order_lines.id",
    "erp.shipments.material_code": "erp.products.material_code",
    "erp.invoices.crm_order_no": "crm.orders.orderNo",
    "erp.bank_receipts.crm_receipt_no": "crm.receipts.receiptNo",
    "callcenter.agents.crm_user_id": "crm.users.id",
    "callcenter.call_records.agent_id": "callcenter.agents.agent_id",
    "callcenter.transcripts.agent_id": "callcenter.agents.agent_id",
    "callcenter.transcripts.call_id": "callcenter.call_records.call_id",
    "callcenter.transcripts.account_id": "crm.accounts.id",
    "callcenter.tickets.account_id": "crm.accounts.id",
    "callcenter.tickets.assignee_agent_id": "callcenter.agents.agent_id",
    "callcenter.tickets.call_id": "callcenter.call_records.call_id",
    "callcenter.tickets.product_code": "crm.products.productCode",
    "callcenter.ticket_events.ticket_no": "callcenter.tickets.ticket_no",
    "callcenter.requirements.product_manager_id": "crm.users.id",
    "callcenter.ticket_requirement_links.ticket_no": "callcenter.tickets.ticket_no",
    "callcenter.ticket_requirement_links.requirement_id": "callcenter.requirements.requirement_id",
    "callcenter.ratings.ticket_no": "callcenter.tickets.ticket_no",
    "callcenter.work_orders.ticket_no": "callcenter.tickets.ticket_no",
    "callcenter.work_orders.account_id": "crm.accounts.id",
    "callcenter.work_orders.engineer_id": "callcenter.agents.agent_id",
    "partners.partners.channel_manager_id": "crm.users.id",
    "partners.deal_registrations.partner_id": "partners.partners.partner_id",
    "partners.deal_registrations.approved_by": "crm.users.id",
    "partners.deal_registrations.crm_opportunity_id": "crm.opportunities.id",
    "partners.special_prices.partner_id": "partners.partners.partner_id",
    "partners.special_prices.registration_id": "partners.deal_registrations.registration_id",
    "partners.special_prices.product_code": "crm.products.productCode",
    "partners.sales_reports.partner_code": "partners.partners.partner_code",
    "partners.sales_reports.product_code": "crm.products.productCode",
}


def foreign_key(entity: EntitySpec, field_name: str) -> tuple[EntitySpec, str] | None:
    """(target entity, target raw field) the field references, if any."""
    target = FOREIGN_KEYS.get(f"{entity.qualified_name}.{field_name}")
    if target is None and entity.system == "crm" and field_name == "ownerId":
        target = "crm.users.id"
    if target is None:
        return None
    qualified, target_field = target.rsplit(".", 1)
    return load_contract()[qualified], target_field


# ---------------------------------------------------------------------------- columns

# Order of the comment groups in every model's select list.
GROUPS = ("ids", "attributes", "flags", "amounts", "numbers", "dates", "timestamps", "lineage")
GROUP_COMMENTS = {
    "ids": "ids",
    "attributes": "attributes",
    "flags": "flags",
    "amounts": "amounts",
    "numbers": "numbers",
    "dates": "dates",
    "timestamps": "timestamps (Asia/Shanghai local)",
    "lineage": "lineage",
}

CAST_TYPES = {
    "string": "{{ dbt.type_string() }}",
    "int64": "{{ dbt.type_bigint() }}",
    "decimal": "{{ type_decimal() }}",
    "float64": "{{ dbt.type_float() }}",
    "bool": "{{ dbt.type_boolean() }}",
    "date": "{{ type_date() }}",
    "timestamp": "{{ dbt.type_timestamp() }}",
}
# DuckDB type of each contract type in staging (documentation: data_type in the YAML).
STAGING_TYPES = {
    "string": "varchar",
    "int64": "bigint",
    "decimal": "decimal(18,2)",
    "float64": "double",
    "bool": "boolean",
    "date": "date",
    "epoch_ms": "timestamp",
    "timestamp": "timestamp",
    "timestamp_utc": "timestamp",
}
RAW_TYPES = {**STAGING_TYPES, "epoch_ms": "bigint"}

LINEAGE = {
    # raw lineage column -> (staging name, type, description)
    "_source_file": (
        "source_file",
        "string",
        "Landing file the row was loaded from, relative to the landing root.",
    ),
    "_row_number": (
        "source_row_number",
        "int64",
        "Position of the record in its landing file (1-based).",
    ),
    "_loaded_at": (
        "loaded_at",
        "timestamp_utc",
        "When the raw loader loaded the file, Asia/Shanghai local time (raw keeps it in UTC); "
        "of two copies of the same version, the later load wins.",
    ),
}
RAW_LINEAGE_DESCRIPTIONS = {
    "_source_file": "Landing file the row came from, relative to the landing root.",
    "_row_number": "Position of the record in the landing file (1-based).",
    "_load_id": "Id of the load run that wrote the row.",
    "_loaded_at": "When the raw loader loaded the file (UTC).",
    "_file_hash": "Hash of the landing file's bytes; the same file is not loaded twice.",
}

CRM_COMMON_DESCRIPTIONS = {
    "id": "CRM record id (primary key).",
    "entityType": "CRM business type (业务类型) of the record.",
    "ownerId": "CRM user who owns the record (负责人).",
    "createdAt": "When the record was created in the CRM.",
    "updatedAt": "When the record last changed in the CRM; orders the versions of a record.",
}


@dataclass(frozen=True)
class Column:
    raw: str  # raw column name
    name: str  # staging name
    type: str  # contract type (string, epoch_ms, ...)
    group: str
    description: str
    required: bool = False
    values: tuple[str, ...] = ()
    references: tuple[str, str] | None = None  # (model, column)
    tests: list = field(default_factory=list, compare=False)
    scale: int = 2  # decimals: digits after the point, from the contract
    precision: int = 18  # decimals: total digits (18 for every contract field)

    @property
    def data_type(self) -> str:
        if self.type == "decimal":
            return f"decimal({self.precision},{self.scale})"
        return STAGING_TYPES[self.type]

    @property
    def expression(self) -> str:
        if self.type == "epoch_ms":
            return f"{{{{ epoch_ms_to_local('{self.raw}') }}}}"
        if self.type == "timestamp_utc":
            return f"{{{{ utc_to_local('{self.raw}') }}}}"
        if self.type == "decimal" and (self.scale, self.precision) != (2, 18):
            return f"cast({self.raw} as {{{{ type_decimal({self.precision}, {self.scale}) }}}})"
        return f"cast({self.raw} as {CAST_TYPES[self.type]})"


def _group(entity: EntitySpec, raw: str, name: str, ftype: str) -> str:
    if raw in entity.key or raw in entity.path_field_names:
        return "ids"
    if ftype in ("epoch_ms", "timestamp", "timestamp_utc"):
        return "timestamps"
    if ftype == "date":
        return "dates"
    if ftype == "bool":
        return "flags"
    if ftype == "decimal":
        return "amounts"
    if name.endswith(("_id", "_no", "_code")):
        return "ids"
    if ftype in ("int64", "float64"):
        return "numbers"
    return "attributes"


def _label(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _describe(entity: EntitySpec, f: FieldSpec, name: str, ref: tuple[str, str] | None) -> str:
    if entity.system == "crm" and f.name in CRM_COMMON_DESCRIPTIONS:
        text = CRM_COMMON_DESCRIPTIONS[f.name]
        if f.name == "id":
            text = (
                f"CRM record id of the {CRM_SINGULAR[entity.name].replace('_', ' ')} (primary key)."
            )
    elif ref is not None:
        text = f"{_label(name)}: references {ref[0]}.{ref[1]}."
    else:
        text = f"{_label(name)}."
    if f.type == "epoch_ms":
        text += " Asia/Shanghai local time (the source sends epoch milliseconds, UTC)."
    elif f.type == "timestamp_utc":
        text += " Asia/Shanghai local time, converted from the source's UTC."
    elif f.type == "timestamp":
        text += " Asia/Shanghai local time, as the source sends it."
    elif f.type == "decimal" and re.search(r"amount|price|cost|threshold", name):
        text += " CNY."
    if f.values:
        text += " One of: " + ", ".join(f.values) + "."
    if f.min is not None or f.max is not None:
        lo = "" if f.min is None else f"{f.min:g}"
        hi = "" if f.max is None else f"{f.max:g}"
        text += f" Range {lo}..{hi}."
    if f.since:
        text += f" Delivered since {f.since}; empty in older extracts."
    source = f"Raw `{f.name}`"
    if f.source:
        source += f" (column {f.source})"
    elif f.name in entity.path_field_names:
        source += " (from the file path)"
    return f"{text} {source}."


def columns_of(entity: EntitySpec) -> list[Column]:
    """Staging columns of an entity in select-list order (grouped), lineage last."""
    fields: list[FieldSpec] = list(entity.fields)
    fields += [FieldSpec(name=p, type="string", required=True) for p in entity.path_field_names]
    cols = []
    for f in fields:
        name = staging_column(entity, f.name)
        fk = foreign_key(entity, f.name)
        ref = (model_name(fk[0]), staging_column(fk[0], fk[1])) if fk else None
        cols.append(
            Column(
                raw=f.name,
                name=name,
                type=f.type,
                group=_group(entity, f.name, name, f.type),
                description=_describe(entity, f, name, ref),
                required=f.required or f.name in entity.key,
                values=f.values,
                references=ref,
                scale=f.scale,
            )
        )
    for raw, (name, ftype, description) in LINEAGE.items():
        cols.append(
            Column(
                raw=raw,
                name=name,
                type=ftype,
                group="lineage",
                description=description,
                required=True,
            )
        )
    names = [c.name for c in cols]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"{entity.qualified_name}: staging names collide: {sorted(duplicates)}")
    # Grouped; the business key first, in key order.
    keys = list(entity.key)
    return sorted(
        cols,
        key=lambda c: (GROUPS.index(c.group), keys.index(c.raw) if c.raw in keys else len(keys)),
    )


def key_columns(entity: EntitySpec) -> list[str]:
    return [staging_column(entity, k) for k in entity.key]


def dedupe_order(entity: EntitySpec) -> list[str]:
    """Latest first: the version field if the source has one, then load order."""
    order = [f"{staging_column(entity, entity.version)} desc"] if entity.version else []
    return order + ["loaded_at desc", "source_file desc", "source_row_number desc"]


# ---------------------------------------------------------------------------- SQL


def render_model_sql(entity: EntitySpec) -> str:
    cols = columns_of(entity)
    width = max(len(c.expression) for c in cols)

    def select_list(render) -> str:
        lines: list[str] = []
        for group in GROUPS:
            members = [c for c in cols if c.group == group]
            if not members:
                continue
            if lines:
                lines.append("")
            lines.append(f"        -- {GROUP_COMMENTS[group]}")
            lines += [render(c) for c in members]
        last = max(i for i, line in enumerate(lines) if line and not line.lstrip().startswith("--"))
        return "\n".join(
            line if (not line or line.lstrip().startswith("--") or i == last) else line + ","
            for i, line in enumerate(lines)
        )

    renamed = select_list(lambda c: f"        {c.expression.ljust(width)} as {c.name}")
    final = select_list(lambda c: f"        {c.name}")
    keys = ", ".join(f"'{k}'" for k in key_columns(entity))
    order = ",\n            ".join(f"'{o}'" for o in dedupe_order(entity))
    version_note = (
        f"the highest {entity.version}, then the latest load"
        if entity.version
        else "the latest load (the source has no version field)"
    )
    header = textwrap.wrap(
        f"{entity.qualified_name}: {entity.description} One row per "
        f"{', '.join(key_columns(entity))}: the latest version, i.e. {version_note}.",
        width=96,
        break_on_hyphens=False,
    )
    union = store_union(entity)
    if union is not None:
        header += textwrap.wrap(
            f"Unioned with the rows entered in the operational store (stg_ops__{union.name}); "
            "source_system tells them apart.",
            width=96,
            break_on_hyphens=False,
        )
    header_comment = "\n".join(f"-- {line}" for line in header)
    return f"""\
{header_comment}

with

source as (

    select * from {{{{ source('{entity.system}', '{entity.name}') }}}}

),

renamed as (

    select
{renamed}

    from source

),

deduplicated as (

    {{{{ dedupe_latest(
        'renamed',
        key_columns=[{keys}],
        order_by=[
            {order}
        ]
    ) }}}}

),

{_final_ctes(entity, cols, final)}

select * from final
"""


# ---------------------------------------------------------------------------- operational store
#
# The entry screens' store (operational/models) is a second source: its tables land in
# raw/ops/<table> (pipelines/sources/operational), stg_ops__<table> keeps the latest version of
# each row without the soft-deleted ones, and the staging model of the same entity of another
# source unions those rows. Store columns already carry the staging names; only ``id`` becomes
# ``<singular>_id``. Run the script again after a store model changes (a test checks that the
# generated files match the models).

OPS_SYSTEM = "ops"
# Store table -> the singular its ``id`` is named after, where the CRM's or the "-s" rule is wrong.
OPS_SINGULAR = {
    **CRM_SINGULAR,
    "deliveries": "delivery",
    "delivery_lines": "delivery_line",
    # the partner portal's key is registration_id: the store's ids fill it (as text)
    "deal_registrations": "registration",
    "special_price_requests": "special_price_request",
    "ticket_requirement_links": "ticket_requirement_link",
    "partner_statement_events": "partner_statement_event",
    "company_resolution_decisions": "company_resolution_decision",
}
# Staging models of other sources that also take the store's rows: entity -> store table.
# (CRM objects whose store table has the same name are added in store_union.)
STORE_UNION_TABLES = {
    "callcenter.tickets": "tickets",
    "partners.deal_registrations": "deal_registrations",
}
# What source_system says for a row of each extract system ('ops' for the store's rows).
EXTRACT_SOURCE_SYSTEM = {"crm": "xsy", "erp": "erp", "callcenter": "callcenter", "partners": "partners"}
# The CRM's business type (entityType, required) of each object, given to the store's rows,
# which have none.
CRM_ENTITY_TYPES = {
    "leads": "lead",
    "accounts": "account",
    "contacts": "contact",
    "opportunities": "opportunity",
    "opportunity_stage_history": "opportunityStageHistory",
    "quotes": "quote",
    "quote_lines": "quoteLine",
    "orders": "order",
    "order_lines": "orderProduct",
    "payment_plans": "paymentPlan",
    "payment_installments": "paymentInstallment",
    "receipts": "paymentRecord",
}
OPS_COMMON_DESCRIPTIONS = {
    "source_system": "System the row was entered in: always 'ops' (the operational store).",
    "version": "Optimistic-concurrency version of the row in the store (1 on insert, +1 per save).",
    "created_at": "When the row was created in the store, Asia/Shanghai local time.",
    "created_by": "App user (app_users.id) who created the row.",
    "updated_at": "When the row last changed in the store, Asia/Shanghai local time.",
    "updated_by": "App user (app_users.id) who last changed the row.",
    "deleted_at": "Soft-delete time in the store; always empty here (deleted rows are left out).",
}


def store_tables() -> dict[str, Any]:
    """Extractable store tables by name (the SQLAlchemy models; imported only when needed)."""
    from pipelines.sources.operational.extract import store_tables as tables

    return {t.name: t for t in tables()}


def store_union(entity: EntitySpec):
    """The store table whose rows the staging model of ``entity`` unions, if any."""
    name = STORE_UNION_TABLES.get(entity.qualified_name)
    if name is None and entity.system == "crm":
        name = entity.name
    table = store_tables().get(name) if name else None
    if table is None:
        return None
    keys = set(key_columns(entity)) - {f"{ops_singular(table.name)}_id"}
    if not keys <= set(table.c.keys()):
        return None  # the store table does not carry the extracts' business key (yet)
    return table


def ops_singular(table_name: str) -> str:
    if table_name in OPS_SINGULAR:
        return OPS_SINGULAR[table_name]
    return table_name[:-3] + "y" if table_name.endswith("ies") else table_name.removesuffix("s")


def _contract_type(column) -> tuple[str, int, int]:
    """(contract type, decimal scale, precision) of a store column, via its raw Parquet type."""
    import polars as pl

    from pipelines.sources.operational.extract import column_dtype

    dtype = column_dtype(column)
    if isinstance(dtype, pl.Decimal):
        return "decimal", dtype.scale, dtype.precision
    kinds = {pl.Int64: "int64", pl.Float64: "float64", pl.Boolean: "bool", pl.Date: "date"}
    kinds |= {pl.Datetime: "timestamp", pl.Utf8: "string"}
    return kinds[dtype.base_type()], 2, 18


def ops_columns(table) -> list[Column]:
    """Staging columns of a store table in select-list order, lineage last."""
    key = f"{ops_singular(table.name)}_id"
    if key in table.c.keys():
        raise ValueError(f"store table {table.name}: id would be renamed to {key}, which exists")
    cols = []
    for c in table.c:
        ftype, scale, precision = _contract_type(c)
        name = key if c.name == "id" else c.name
        text = OPS_COMMON_DESCRIPTIONS.get(c.name) or (
            f"Store record id of the {ops_singular(table.name).replace('_', ' ')} (primary key; "
            "store ids start at 9,000,000,000,000,000)."
            if c.name == "id"
            else f"{_label(name)}."
        )
        if c.name in ("version", "source_system"):
            group = "attributes"
        elif c.name == "id" or name.endswith(("_id", "_no", "_code")):
            group = "ids"
        else:
            group = {
                "timestamp": "timestamps", "date": "dates", "bool": "flags", "decimal": "amounts",
                "int64": "numbers", "float64": "numbers",
            }.get(ftype, "attributes")
        cols.append(
            Column(
                raw=c.name,
                name=name,
                type=ftype,
                group=group,
                description=f"{text} Store column `{c.name}`.",
                required=c.name == "id" or not c.nullable,
                scale=scale,
                precision=precision,
            )
        )
    for raw, (name, ftype, description) in LINEAGE.items():
        text = {
            "_source_file": "Raw file of the extraction that carried the row (ops/<table>/<load>.parquet).",
            "_row_number": "Position of the row in that file (1-based).",
        }.get(raw, description)
        cols.append(Column(raw=raw, name=name, type=ftype, group="lineage", description=text, required=True))
    return sorted(cols, key=lambda c: (GROUPS.index(c.group), c.raw != "id"))


def _select_list(cols: Sequence[Column], render) -> str:
    """Select-list lines grouped under comments, commas between items."""
    lines: list[str] = []
    for group in GROUPS:
        members = [c for c in cols if c.group == group]
        if not members:
            continue
        if lines:
            lines.append("")
        lines.append(f"        -- {GROUP_COMMENTS[group]}")
        lines += [render(c) for c in members]
    last = max(i for i, line in enumerate(lines) if line and not line.lstrip().startswith("--"))
    return "\n".join(
        line if (not line or line.lstrip().startswith("--") or i == last) else line + ","
        for i, line in enumerate(lines)
    )


def render_ops_model_sql(table) -> str:
    cols = ops_columns(table)
    width = max(len(c.expression) for c in cols)
    renamed = _select_list(cols, lambda c: f"        {c.expression.ljust(width)} as {c.name}")
    final = _select_list(cols, lambda c: f"        {c.name}")
    key = f"{ops_singular(table.name)}_id"
    return f"""\
-- ops.{table.name}: rows of the operational store's table {table.name} (entry screens), as
-- extracted into raw/ops. One row per {key}: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{{{ source('{OPS_SYSTEM}', '{table.name}') }}}}

),

renamed as (

    select
{renamed}

    from source

),

deduplicated as (

    {{{{ dedupe_latest(
        'renamed',
        key_columns=['{key}'],
        order_by=[
            'version desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}}}

),

final as (

    select
{final}

    from deduplicated
    where deleted_at is null

)

select * from final
"""


def _cast_type(c: Column) -> str:
    """The staging type of a column as a cast target (timestamps of every kind are timestamps)."""
    if c.type == "decimal" and (c.scale, c.precision) != (2, 18):
        return f"{{{{ type_decimal({c.precision}, {c.scale}) }}}}"
    return CAST_TYPES.get(c.type, "{{ dbt.type_timestamp() }}")


def _last_id_name(entity: EntitySpec) -> str:
    return [c.name for c in columns_of(entity) if c.group == "ids"][-1]


def source_system_entry(entity: EntitySpec) -> dict:
    """YAML of the source_system column a unioned staging model gains."""
    label = EXTRACT_SOURCE_SYSTEM[entity.system]
    return {
        "name": "source_system",
        "description": f"Where the row was entered: '{label}' for the {entity.system} extracts, "
        "'ops' for the operational store.",
        "data_type": "varchar",
        "data_tests": [
            "not_null",
            {
                "accepted_values": {
                    "arguments": {"values": [label, "ops"]},
                    "config": {"severity": "warn"},
                }
            },
        ],
    }


def _final_ctes(entity: EntitySpec, cols: Sequence[Column], final: str) -> str:
    """The model's last CTE: the deduplicated rows, plus the store's rows when it has them."""
    table = store_union(entity)
    if table is None:
        return f"""\
final as (

    select
{final}

    from deduplicated

)"""
    ops_names = {c.name for c in ops_columns(table)}
    last_id = _last_id_name(entity)
    label = EXTRACT_SOURCE_SYSTEM[entity.system]

    def with_source_system(render_column, source_system: str):
        def render(c: Column) -> str:
            line = render_column(c)
            if c.name == last_id:
                alias = "" if source_system == "source_system" else " as source_system"
                pad = width if alias else 0
                line += f",\n        {source_system.ljust(pad)}{alias}"
            return line

        return render

    def store_expression(c: Column) -> str:
        if c.name in ops_names:
            return c.name if c.group == "lineage" else f"cast({c.name} as {_cast_type(c)})"
        if c.raw == "entityType" and entity.name in CRM_ENTITY_TYPES:
            return f"cast('{CRM_ENTITY_TYPES[entity.name]}' as {_cast_type(c)})"
        if c.required:
            raise ValueError(
                f"{entity.qualified_name}: required column {c.name} is missing from store "
                f"table {table.name}; add it there or a default here"
            )
        return f"cast(null as {_cast_type(c)})"

    extracted_source = f"cast('{label}' as {{{{ dbt.type_string() }}}})"
    width = max(
        [len(store_expression(c)) for c in cols] + [len(c.name) for c in cols] + [len(extracted_source)]
    )
    extracted = _select_list(
        cols, with_source_system(lambda c: f"        {c.name}", extracted_source)
    )
    entered = _select_list(
        cols,
        with_source_system(
            lambda c: f"        {store_expression(c).ljust(width)} as {c.name}"
            if store_expression(c) != c.name
            else f"        {c.name}",
            "source_system",
        ),
    )
    return f"""\
-- the {entity.system} extracts
extracted as (

    select
{extracted}

    from deduplicated

),

-- rows entered in the operational store (latest version, soft-deleted rows left out)
entered as (

    select
{entered}

    from {{{{ ref('stg_{OPS_SYSTEM}__{table.name}') }}}}

),

final as (

    select * from extracted
    union all
    select * from entered

)"""


def ops_source_table(table) -> dict:
    columns = [
        {
            "name": c.raw,
            "description": c.description if c.raw != "id" else "Store record id (primary key).",
            "data_type": STAGING_TYPES[c.type] if c.type != "decimal" else c.data_type,
        }
        for c in ops_columns(table)
        if c.group != "lineage"
    ]
    columns.append(
        {
            "name": "_op",
            "description": "What the extraction saw: insert (version 1), update, or delete "
            "(deleted_at set).",
            "data_type": "varchar",
        }
    )
    for raw in LINEAGE_COLUMNS:
        data_type = {"_row_number": "bigint", "_loaded_at": "timestamp"}.get(raw, "varchar")
        text = {
            "_source_file": "Raw file of the extraction, relative to the raw dir.",
            "_row_number": "Position of the row in that file (1-based).",
            "_load_id": "Id of the extraction that wrote the row.",
            "_loaded_at": "When the extraction ran (UTC).",
            "_file_hash": "Digest of the rows the extraction wrote.",
        }[raw]
        columns.append({"name": raw, "description": text, "data_type": data_type})
    location = (
        f"read_parquet('{{{{ env_var('{RAW_DIR_ENV}', '{RAW_DIR_DEFAULT}') }}}}/{OPS_SYSTEM}/"
        f"{table.name}/*.parquet', union_by_name=true)"
    )
    return {
        "name": table.name,
        "description": (
            f"Changes of store table {table.name}: one Parquet file per extraction, every row "
            "version extracted (inserts, updates, soft deletes); key id, versions ordered by "
            "version."
        ),
        "config": {"meta": {"external_location": location}},
        "columns": columns,
    }


def ops_sources_doc(tables: Sequence) -> dict:
    return {
        "sources": [
            {
                "name": OPS_SYSTEM,
                "description": "Operational store (the entry screens' database, operational/models): "
                "the changes pipelines/sources/operational extracts since its watermark, read from "
                "$CRMLAKE_RAW_DIR/ops/<table>/*.parquet; every folder holds an empty, typed "
                "0000_schema.parquet, so the sources exist before the store has data.",
                "loader": "pipelines/sources/operational (change extraction to Parquet)",
                "tables": [ops_source_table(t) for t in tables],
            }
        ]
    }


def ops_model_entry(table) -> dict:
    key = f"{ops_singular(table.name)}_id"
    columns = []
    for c in ops_columns(table):
        tests: list = []
        if c.name == key:
            tests.append("unique")
        if c.required:
            tests.append("not_null")
        if c.name == "source_system":
            tests.append(
                {
                    "accepted_values": {
                        "arguments": {"values": ["ops"]},
                        "config": {"severity": "warn"},
                    }
                }
            )
        item: dict = {"name": c.name, "description": c.description, "data_type": c.data_type}
        if tests:
            item["data_tests"] = tests
        columns.append(item)
    return {
        "name": f"stg_{OPS_SYSTEM}__{table.name}",
        "description": (
            f"Rows of the store's table {table.name}: one row per {key}, the latest version "
            "extracted, soft-deleted rows left out."
        ),
        "columns": columns,
    }


OPS_MODELS_HEADER = """\
# Staging models of the operational store, generated from operational/models by
# dbt_project/scripts/generate_staging.py: one per extracted table, the latest version of each
# row, soft-deleted rows left out. The CRM (and call-center, partner) staging models of the same
# entities union these rows. Store ids start at 9e15: the unique tests prove no collision.
"""


def ops_planned_files() -> dict[Path, str]:
    tables = list(store_tables().values())
    folder = STAGING_DIR / OPS_SYSTEM
    files: dict[Path, str] = {
        folder / f"_{OPS_SYSTEM}__sources.yml": (
            "# Sources of the operational store, generated from operational/models.\n\n"
            + dump_yaml(ops_sources_doc(tables))
        ),
        folder / f"_{OPS_SYSTEM}__models.yml": OPS_MODELS_HEADER
        + "\n"
        + dump_yaml({"models": [ops_model_entry(t) for t in tables]}),
    }
    for t in tables:
        files[folder / f"stg_{OPS_SYSTEM}__{t.name}.sql"] = render_ops_model_sql(t)
    return files


# ---------------------------------------------------------------------------- YAML

YAML_WIDTH = 100
FOLDED_KEYS = {"description"}  # prose: folded at spaces; everything else stays on one line


def _scalar(value, key: str | None, indent: int) -> str:
    """A scalar after `key:` (or `- `), as plain, quoted, folded or literal YAML."""
    if not isinstance(value, str):
        return " " + json.dumps(value)
    pad = " " * (indent + 2)
    if "\n" in value.strip("\n"):  # multi-line text (SQL): literal block, kept as written
        lines = value.rstrip("\n").split("\n")
        return " |\n" + "\n".join(pad + line if line else "" for line in lines)
    if key in FOLDED_KEYS and indent + len(str(key)) + len(value) + 2 > YAML_WIDTH:
        lines = textwrap.wrap(
            value, width=YAML_WIDTH - len(pad), break_long_words=False, break_on_hyphens=False
        )
        return " >-\n" + "\n".join(pad + line for line in lines)
    return " " + (value if _plain_ok(value) else json.dumps(value, ensure_ascii=False))


def _plain_ok(value: str) -> bool:
    if not value or value != value.strip() or "{{" in value:
        return False
    try:
        return yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        return False


def _emit(node, indent: int = 0, key: str | None = None) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}{k}:")
                lines += _emit(v, indent + 2, k)
            else:
                lines.append(f"{pad}{k}:{_scalar(v, k, indent)}")
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list) and item:
                inner = _emit(item, indent + 2, key)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}-{_scalar(item, None, indent)}")
    return lines


def dump_yaml(doc: dict) -> str:
    """dbt-style YAML: indented lists, prose folded at 100 columns, SQL as literal blocks."""
    text = "\n".join(_emit(doc)) + "\n"
    if yaml.safe_load(text) != doc:  # the emitter is small; make sure it said what we meant
        raise AssertionError("YAML emitter changed the document")
    return text


def external_location(entity: EntitySpec) -> str:
    raw_dir = f"{{{{ env_var('{RAW_DIR_ENV}', '{RAW_DIR_DEFAULT}') }}}}"
    return f"read_parquet('{raw_dir}/{entity.system}/{entity.name}/*.parquet', union_by_name=true)"


def source_table(entity: EntitySpec) -> dict:
    columns = []
    for f in entity.fields:
        description = CRM_COMMON_DESCRIPTIONS.get(f.name) if entity.system == "crm" else None
        text = description or _label(staging_column(entity, f.name)) + "."
        if f.source:
            text += f" Column {f.source} in the file."
        columns.append(
            {
                "name": f.name,
                "description": f"{text} Contract type {f.type}.",
                "data_type": RAW_TYPES[f.type],
            }
        )
    for p in entity.path_field_names:
        columns.append(
            {
                "name": p,
                "description": f"{_label(p)}, taken from the file path.",
                "data_type": "varchar",
            }
        )
    for raw in LINEAGE_COLUMNS:
        data_type = {"_row_number": "bigint", "_loaded_at": "timestamp"}.get(raw, "varchar")
        columns.append(
            {"name": raw, "description": RAW_LINEAGE_DESCRIPTIONS[raw], "data_type": data_type}
        )
    versions = f" Versions of a record are ordered by {entity.version}." if entity.version else ""
    return {
        "name": entity.name,
        "description": (
            f"{entity.description} Landing files {entity.path} ({entity.format}, "
            f"{entity.encoding}); key {', '.join(entity.key)}.{versions} Raw keeps every "
            "version delivered; extra string columns hold keys the contract does not know."
        ),
        "config": {"meta": {"external_location": external_location(entity)}},
        "columns": columns,
    }


def sources_doc(system: str, entities: Sequence[EntitySpec]) -> dict:
    info = systems()[system]
    return {
        "sources": [
            {
                "name": system,
                "description": f"{info['title']}. {info['description']} Read from the raw "
                "Parquet layer ($CRMLAKE_RAW_DIR/<system>/<entity>/*.parquet) that the raw "
                "loaders write; every folder holds an empty 0000_schema.parquet with all columns.",
                "loader": "pipelines raw loaders (Parquet)",
                "tables": [source_table(e) for e in entities],
            }
        ]
    }


STORE_ROWS_EXCLUDED = "source_system <> 'ops'"


def _not_null(entity: EntitySpec, col: Column) -> str | dict:
    """Blocking for the delivered rows (the loaders quarantine those that lack the field).

    A row entered in the store may leave the column empty where the screens allow it (an
    opportunity at its first stage has no amount yet): that row follows the screens' rules, so
    the test skips store rows when the store column is nullable; otherwise one valid entry
    would stop every publish.
    """
    table = store_union(entity)
    if table is not None and col.name in table.c and table.c[col.name].nullable:
        return {"not_null": {"config": {"where": STORE_ROWS_EXCLUDED}}}
    return "not_null"


def _column_tests(entity: EntitySpec, col: Column) -> list:
    tests: list = []
    single_key = len(entity.key) == 1 and col.group == "ids" and col.raw in entity.key
    if single_key:
        tests.append("unique")
    if col.required:
        tests.append(_not_null(entity, col))
    if col.values:
        tests.append(
            {
                "accepted_values": {
                    "arguments": {"values": list(col.values)},
                    "config": {"severity": "warn"},
                }
            }
        )
    if col.references:
        model, column = col.references
        tests.append(
            {
                "relationships": {
                    "arguments": {"to": f"ref('{model}')", "field": column},
                    "config": {"severity": "warn"},
                }
            }
        )
    return tests


def model_entry(entity: EntitySpec) -> dict:
    keys = key_columns(entity)
    entry: dict = {
        "name": model_name(entity),
        "description": (
            f"{entity.description} One row per {', '.join(keys)}: the latest version of each "
            f"record in source {entity.system}.{entity.name}."
        ),
    }
    if len(keys) > 1:
        entry["data_tests"] = [
            {"unique_combination": {"arguments": {"combination_of_columns": keys}}}
        ]
    columns = []
    for col in columns_of(entity):
        item: dict = {
            "name": col.name,
            "description": col.description,
            "data_type": col.data_type,
        }
        tests = _column_tests(entity, col)
        if tests:
            item["data_tests"] = tests
        columns.append(item)
        if store_union(entity) is not None and col.name == _last_id_name(entity):
            columns.append(source_system_entry(entity))
    if store_union(entity) is not None:
        entry["description"] += (
            f" Unioned with the store's rows (stg_ops__{store_union(entity).name}, "
            "source_system 'ops'); the unique test on the key proves the two sources' keys never "
            "collide (store ids start at 9e15)."
        )
    entry["columns"] = columns
    return entry


MODELS_HEADER = """\
# Staging models of source {system}: one per raw table, renamed to English snake_case, typed,
# timestamps in Asia/Shanghai local time, deduplicated to the latest version of each key.
#
# Test severities: what staging itself guarantees fails the build: unique keys after the
# dedupe, and not_null on keys and required fields (the raw loaders quarantine rows that lack
# them; rows entered in the operational store follow the screens' rules where the store column
# may be empty, hence `where: source_system <> 'ops'`). What the sources may legitimately get
# wrong only warns, so one bad value does not stop the snapshot from being published:
# - relationships: sources reference records that were deleted, merged or never exported
#   (the demo data has such orphans on purpose); the marts decide how to treat them;
# - accepted_values: the loaders pass unknown enum values through (the raw quality suites
#   report them), e.g. a stage a CRM admin just added.
"""


def models_doc(system: str, entities: Sequence[EntitySpec]) -> str:
    doc: dict = {"models": [model_entry(e) for e in entities]}
    units = UNIT_TESTS.get(system)
    if units:
        doc["unit_tests"] = units()
    return MODELS_HEADER.format(system=system) + "\n" + dump_yaml(doc)


# ---------------------------------------------------------------------------- unit tests


def fixture_sql(entity: EntitySpec, columns: Sequence[str], rows: Sequence[str]) -> str:
    """SQL fixture for a source input: the given columns from VALUES, every other raw column
    of the entity as a typed null.

    dbt-duckdb cannot describe an external (read_parquet) source, which dict fixtures need,
    so source inputs are given as SQL; the model casts every column, so VALUES types do.
    """
    raw_cols = [(f.name, RAW_TYPES[f.type]) for f in entity.fields]
    raw_cols += [(p, "varchar") for p in entity.path_field_names]
    raw_cols += [
        (c, {"_row_number": "bigint", "_loaded_at": "timestamp"}.get(c, "varchar"))
        for c in LINEAGE_COLUMNS
    ]
    unknown = set(columns) - {c for c, _ in raw_cols}
    if unknown:
        raise ValueError(f"{entity.qualified_name}: fixture columns {sorted(unknown)} unknown")
    others = [f"cast(null as {t}) as {c}" for c, t in raw_cols if c not in columns]
    select = [*columns, *others]
    lines = ["select"]
    lines += [f"    {item}," for item in select[:-1]] + [f"    {select[-1]}"]
    lines += ["from (", "    values"]
    lines += [f"        ({row})," for row in rows[:-1]] + [f"        ({rows[-1]})"]
    lines += [f") as fixture ({', '.join(columns)})"]
    return "\n".join(lines) + "\n"


def store_inputs(entity: EntitySpec) -> list[dict]:
    """Unit-test input for the store rows a unioned model reads: none (the extracts alone)."""
    table = store_union(entity)
    if table is None:
        return []
    return [{"input": f"ref('stg_{OPS_SYSTEM}__{table.name}')", "rows": []}]


def _crm_unit_tests() -> list[dict]:
    accounts = load_contract()["crm.accounts"]
    # 1735689600000 = 2025-01-01 00:00:00 UTC, 1738368000000 = 2025-02-01 00:00:00 UTC
    dedupe = fixture_sql(
        accounts,
        [
            "id",
            "entityType",
            "accountName",
            "createdAt",
            "updatedAt",
            "_source_file",
            "_row_number",
            "_loaded_at",
        ],
        [
            # id 1: the newer version (February) came with the full extract of 02-01 ...
            "1, 'default', '上海某某机械有限公司', 1735689600000, 1738368000000, "
            "'crm/accounts/full_20250201/page_1.json', 1, timestamp '2025-02-01 10:00:00'",
            # ... and an older one (January) arrived later, on a page of the delta extract.
            "1, 'default', '上海某某机械', 1735689600000, 1735689600000, "
            "'crm/accounts/delta_20250202/page_3.json', 1, timestamp '2025-02-02 10:00:00'",
            # id 2: the same version on two pages of two loads; the later load wins.
            "2, 'default', '北京甲公司', 1735689600000, 1735689600000, "
            "'crm/accounts/full_20250201/page_1.json', 2, timestamp '2025-02-01 10:00:00'",
            "2, 'default', '北京甲公司', 1735689600000, 1735689600000, "
            "'crm/accounts/full_20250201/page_2.json', 1, timestamp '2025-02-03 10:00:00'",
        ],
    )
    epochs = fixture_sql(
        accounts,
        [
            "id",
            "entityType",
            "accountName",
            "createdAt",
            "updatedAt",
            "_source_file",
            "_row_number",
            "_loaded_at",
        ],
        [
            "1, 'default', '甲', 0, 0, 'f', 1, timestamp '2025-01-01 00:00:00'",
            # 2025-06-30 16:30:00 UTC: already 2025-07-01 in Shanghai
            "2, 'default', '乙', 1751301000000, 1751301000000, 'f', 2, "
            "timestamp '2025-01-01 00:00:00'",
        ],
    )
    return [
        {
            "name": "stg_crm__accounts_keeps_latest_version",
            "description": "Two versions of one account arrive out of order: the later updatedAt "
            "wins, not the later load. Equal versions fall back to the latest load.",
            "model": "stg_crm__accounts",
            "given": [
                {"input": "source('crm', 'accounts')", "format": "sql", "rows": dedupe},
                *store_inputs(accounts),
            ],
            "expect": {
                "rows": [
                    {
                        "account_id": 1,
                        "account_name": "上海某某机械有限公司",
                        "updated_at": "2025-02-01 08:00:00",
                        "source_file": "crm/accounts/full_20250201/page_1.json",
                    },
                    {
                        "account_id": 2,
                        "account_name": "北京甲公司",
                        "updated_at": "2025-01-01 08:00:00",
                        "source_file": "crm/accounts/full_20250201/page_2.json",
                    },
                ]
            },
        },
        {
            "name": "stg_crm__accounts_epoch_ms_to_local",
            "description": "epoch_ms_to_local turns epoch milliseconds (UTC) into Asia/Shanghai "
            "wall-clock time (UTC+8, no daylight saving).",
            "model": "stg_crm__accounts",
            "given": [
                {"input": "source('crm', 'accounts')", "format": "sql", "rows": epochs},
                *store_inputs(accounts),
            ],
            "expect": {
                "rows": [
                    {"account_id": 1, "created_at": "1970-01-01 08:00:00"},
                    {"account_id": 2, "created_at": "2025-07-01 00:30:00"},
                ]
            },
        },
    ]


def _callcenter_unit_tests() -> list[dict]:
    transcripts = load_contract()["callcenter.transcripts"]
    rows = fixture_sql(
        transcripts,
        [
            "conversation_id",
            "seq",
            "channel",
            "speaker",
            "ts",
            "text",
            "_source_file",
            "_row_number",
            "_loaded_at",
        ],
        [
            # seq 1 delivered twice (a re-export): no version field, so the later load wins
            "'C-1', 1, 'wechat', 'customer', timestamp '2025-03-31 23:59:30', '你好，设备报警了', "
            "'a.jsonl', 1, timestamp '2025-04-01 01:00:00'",
            "'C-1', 1, 'wechat', 'customer', timestamp '2025-03-31 23:59:30', '你好，设备报警了！', "
            "'b.jsonl', 1, timestamp '2025-04-02 01:00:00'",
            "'C-1', 2, 'wechat', 'agent', timestamp '2025-04-01 00:00:10', '请提供设备编号', "
            "'a.jsonl', 2, timestamp '2025-04-01 01:00:00'",
        ],
    )
    return [
        {
            "name": "stg_callcenter__transcripts_utc_to_local_and_latest_load",
            "description": "ts (UTC) becomes Asia/Shanghai local time; a message delivered twice "
            "keeps the copy of the later load; Chinese text passes unchanged.",
            "model": "stg_callcenter__transcripts",
            "given": [
                {"input": "source('callcenter', 'transcripts')", "format": "sql", "rows": rows}
            ],
            "expect": {
                "rows": [
                    {
                        "conversation_id": "C-1",
                        "seq": 1,
                        "text": "你好，设备报警了！",
                        "sent_at": "2025-04-01 07:59:30",
                        "source_file": "b.jsonl",
                    },
                    {
                        "conversation_id": "C-1",
                        "seq": 2,
                        "text": "请提供设备编号",
                        "sent_at": "2025-04-01 08:00:10",
                        "source_file": "a.jsonl",
                    },
                ]
            },
        },
    ]


UNIT_TESTS = {"crm": _crm_unit_tests, "callcenter": _callcenter_unit_tests}


# ---------------------------------------------------------------------------- files


def planned_files(only: set[str] | None = None) -> dict[Path, str]:
    """Relative path -> content of every file the contract implies (or of the `only` ones)."""
    by_system: dict[str, list[EntitySpec]] = {}
    for e in load_contract().values():
        by_system.setdefault(e.system, []).append(e)
    files: dict[Path, str] = {}
    for system, entities in by_system.items():
        folder = STAGING_DIR / system
        chosen = [e for e in entities if only is None or e.qualified_name in only]
        if not chosen:
            continue
        if only is None:
            header = (
                f"# Sources of system {system}, generated from kernel/contracts/sources.yml.\n\n"
            )
            files[folder / f"_{system}__sources.yml"] = header + dump_yaml(
                sources_doc(system, entities)
            )
            files[folder / f"_{system}__models.yml"] = models_doc(system, entities)
        for e in chosen:
            files[folder / f"{model_name(e)}.sql"] = render_model_sql(e)
    if only is None:
        files |= ops_planned_files()
    return files


def _in_file_order(entities: list[EntitySpec], models_yml: Path) -> list[EntitySpec]:
    """``entities`` in the order the existing YAML lists their models (a regeneration then
    changes what changed, not the order)."""
    if not models_yml.exists():
        return entities
    listed = [m["name"] for m in yaml.safe_load(models_yml.read_text("utf-8"))["models"]]
    return sorted(entities, key=lambda e: listed.index(model_name(e)) if model_name(e) in listed else len(listed))


def store_planned_files() -> dict[Path, str]:
    """The files the store's models imply: ops staging, and the models that union its rows."""
    files = ops_planned_files()
    unioned = [e for e in load_contract().values() if store_union(e) is not None]
    for system in sorted({e.system for e in unioned}):
        entities = [e for e in load_contract().values() if e.system == system]
        path = STAGING_DIR / system / f"_{system}__models.yml"
        files[path] = models_doc(system, _in_file_order(entities, PROJECT_DIR / path))
    for e in unioned:
        files[STAGING_DIR / e.system / f"{model_name(e)}.sql"] = render_model_sql(e)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_DIR, help="dbt project to write into"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="SYSTEM.ENTITY",
        help="write only these entities' models and print their YAML",
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="write the files the operational store's models imply (ops staging, unioned models)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument("--dry-run", action="store_true", help="list the files, write nothing")
    args = parser.parse_args(argv)

    only = set(args.only) if args.only else None
    if only:
        unknown = only - set(load_contract())
        if unknown:
            parser.error(f"unknown entities {sorted(unknown)}; known: {', '.join(load_contract())}")
    files = store_planned_files() if args.store else planned_files(only)
    existing = [p for p in files if (args.project_dir / p).exists()]
    if existing and not args.force and not args.dry_run:
        listed = "\n  ".join(str(p) for p in existing)
        print(
            f"refusing to overwrite {len(existing)} hand-maintained file(s):\n  {listed}\n"
            "Edit them by hand, or pass --force to regenerate (and review the diff).",
            file=sys.stderr,
        )
        return 1
    for rel, content in files.items():
        target = args.project_dir / rel
        if args.dry_run:
            print(f"{'overwrite' if target.exists() else 'create'} {rel}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(f"wrote {rel}")
    if only and not args.dry_run:
        for e in (load_contract()[q] for q in sorted(only)):
            print(
                f"\n# add to _{e.system}__sources.yml (tables:) and _{e.system}__models.yml (models:)"
            )
            print(dump_yaml({"tables": [source_table(e)]}))
            print(dump_yaml({"models": [model_entry(e)]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
