"""Generate the dbt sources, staging models and their YAML from the source contract.

The 45 staging models are mechanical: one per contract entity, same shape, same renaming
rule. This script wrote them once from ``pipelines/contracts/sources.yml``; since then the
files are hand-maintained, so it refuses to overwrite an existing file unless ``--force``.
Use it to scaffold a new entity (``--only crm.new_entity``) and paste the YAML it prints
for the shared per-folder files, or to see what the rule gives for a field.

    python dbt_project/scripts/generate_staging.py                 # write missing files
    python dbt_project/scripts/generate_staging.py --only crm.accounts --force
    python dbt_project/scripts/generate_staging.py --dry-run       # list what it would write

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

import yaml

from pipelines.contracts import LINEAGE_COLUMNS, EntitySpec, FieldSpec, load_contract, systems

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

    @property
    def data_type(self) -> str:
        if self.type == "decimal":
            return f"decimal(18,{self.scale})"
        return STAGING_TYPES[self.type]

    @property
    def expression(self) -> str:
        if self.type == "epoch_ms":
            return f"{{{{ epoch_ms_to_local('{self.raw}') }}}}"
        if self.type == "timestamp_utc":
            return f"{{{{ utc_to_local('{self.raw}') }}}}"
        if self.type == "decimal" and self.scale != 2:
            return f"cast({self.raw} as {{{{ type_decimal(18, {self.scale}) }}}})"
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

final as (

    select
{final}

    from deduplicated

)

select * from final
"""


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


def _column_tests(entity: EntitySpec, col: Column) -> list:
    tests: list = []
    single_key = len(entity.key) == 1 and col.group == "ids" and col.raw in entity.key
    if single_key:
        tests.append("unique")
    if col.required:
        tests.append("not_null")
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
    entry["columns"] = columns
    return entry


MODELS_HEADER = """\
# Staging models of source {system}: one per raw table, renamed to English snake_case, typed,
# timestamps in Asia/Shanghai local time, deduplicated to the latest version of each key.
#
# Test severities: what staging itself guarantees fails the build: unique keys after the
# dedupe, and not_null on keys and required fields (the raw loaders quarantine rows that lack
# them). What the sources may legitimately get wrong only warns, so one bad value does not
# stop the snapshot from being published:
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
            "given": [{"input": "source('crm', 'accounts')", "format": "sql", "rows": dedupe}],
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
            "given": [{"input": "source('crm', 'accounts')", "format": "sql", "rows": epochs}],
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
                f"# Sources of system {system}, generated from pipelines/contracts/sources.yml.\n\n"
            )
            files[folder / f"_{system}__sources.yml"] = header + dump_yaml(
                sources_doc(system, entities)
            )
            files[folder / f"_{system}__models.yml"] = models_doc(system, entities)
        for e in chosen:
            files[folder / f"{model_name(e)}.sql"] = render_model_sql(e)
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
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument("--dry-run", action="store_true", help="list the files, write nothing")
    args = parser.parse_args(argv)

    only = set(args.only) if args.only else None
    if only:
        unknown = only - set(load_contract())
        if unknown:
            parser.error(f"unknown entities {sorted(unknown)}; known: {', '.join(load_contract())}")
    files = planned_files(only)
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
