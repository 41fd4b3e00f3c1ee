-- meta.key_conflicts: business keys re-used with different content, for review (issue 14).
--
-- Two rules, one per kind of source (docs/sources.md, "When a key comes twice"):
-- - same_version: a record delivered twice with the same version (CRM updatedAt, ERP material
--   and ticket updated_at) but different content. Staging keeps the latest load (then the
--   latest file and row), deterministically; the other version is listed here.
-- - number_reused: an ERP invoice number that comes again, in a later file or row, with other
--   content. An invoice number is issued once (a red-letter reversal or a reissue has its own
--   number), so the first-loaded invoice stands in staging and the later row is held here,
--   never applied. Correct an invoice file by re-delivering it under the same name.
-- An identical repeat (the same record on two pages, a re-delivery) is no conflict.
-- One row per competing raw row; published with the snapshot; `crmlake status` warns when it
-- is not empty.

{#- On Spark the 28 unioned self-joins would all be broadcast in one stage and exhaust the
    driver's memory ("Could not allocate memory to grow BytesToBytesMap" at S=1): this model
    joins by sort-merge instead, and the session's default comes back afterwards. -#}
{%- set spark_hooks = target.type == 'spark' -%}
{{ config(
    schema='meta', materialized='table', tags=['meta'],
    pre_hook=(["set spark.sql.autoBroadcastJoinThreshold=-1"] if spark_hooks else []),
    post_hook=(["set spark.sql.autoBroadcastJoinThreshold=10485760"] if spark_hooks else []),
) }}

{%- set versioned = [
    ('crm', 'departments', ['id'], 'updatedAt'),
    ('crm', 'users', ['id'], 'updatedAt'),
    ('crm', 'campaigns', ['id'], 'updatedAt'),
    ('crm', 'leads', ['id'], 'updatedAt'),
    ('crm', 'accounts', ['id'], 'updatedAt'),
    ('crm', 'contacts', ['id'], 'updatedAt'),
    ('crm', 'opportunities', ['id'], 'updatedAt'),
    ('crm', 'opportunity_stage_history', ['id'], 'updatedAt'),
    ('crm', 'quotes', ['id'], 'updatedAt'),
    ('crm', 'quote_lines', ['id'], 'updatedAt'),
    ('crm', 'orders', ['id'], 'updatedAt'),
    ('crm', 'order_lines', ['id'], 'updatedAt'),
    ('crm', 'contracts', ['id'], 'updatedAt'),
    ('crm', 'payment_plans', ['id'], 'updatedAt'),
    ('crm', 'payment_installments', ['id'], 'updatedAt'),
    ('crm', 'receipts', ['id'], 'updatedAt'),
    ('crm', 'products', ['id'], 'updatedAt'),
    ('crm', 'price_books', ['id'], 'updatedAt'),
    ('crm', 'price_book_entries', ['id'], 'updatedAt'),
    ('crm', 'sales_targets', ['id'], 'updatedAt'),
    ('crm', 'commission_plans', ['id'], 'updatedAt'),
    ('crm', 'commission_plan_rules', ['id'], 'updatedAt'),
    ('crm', 'commission_assignments', ['id'], 'updatedAt'),
    ('crm', 'order_splits', ['id'], 'updatedAt'),
    ('crm', 'expenses', ['id'], 'updatedAt'),
    ('crm', 'activities', ['id'], 'updatedAt'),
    ('erp', 'products', ['material_code'], 'updated_at'),
    ('callcenter', 'tickets', ['ticket_no'], 'updated_at'),
    ('callcenter', 'knowledge_articles', ['article_id'], 'updated_at')
] %}

{%- set same_version = 'same version, different content: the latest load is kept, this row is not used' %}
{%- set number_reused = 'invoice number re-used with other content: the first-loaded invoice stands, this row is held for review and not loaded' %}

with

conflicts as (

    {% for system, entity, key, version in versioned -%}
    {{ key_conflict_rows(system, entity, 'stg_' ~ system ~ '__' ~ entity, key, version, 'same_version', same_version) }}
    union all
    {% endfor -%}
    {{ key_conflict_rows('erp', 'invoices', 'stg_erp__invoices', ['invoice_no'], none, 'number_reused', number_reused) }}

)

select * from conflicts
