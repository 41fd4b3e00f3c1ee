-- All quote lines: the rows the extracts delivered (stg_crm__quote_lines) and the rows entered in
-- the operational store (stg_ops__quote_lines), in stg_crm__quote_lines's columns and types;
-- source_system tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging
-- models.

{{ union_store_rows(
    extracted=ref('stg_crm__quote_lines'),
    entered=ref('stg_ops__quote_lines'),
    source_system='xsy',
    source_system_after='product_id',
    defaults={'entity_type': "'quoteLine'"}
) }}
