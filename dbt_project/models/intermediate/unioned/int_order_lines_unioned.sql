-- All order lines: the rows the extracts delivered (stg_crm__order_lines) and the rows entered in
-- the operational store (stg_ops__order_lines), in stg_crm__order_lines's columns and types;
-- source_system tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging
-- models.

{{ union_store_rows(
    extracted=ref('stg_crm__order_lines'),
    entered=ref('stg_ops__order_lines'),
    source_system='xsy',
    source_system_after='price_book_id',
    defaults={'entity_type': "'orderProduct'"}
) }}
