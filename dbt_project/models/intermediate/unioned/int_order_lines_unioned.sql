-- crm.order_lines delivered by the crm extracts (stg_crm__order_lines) and entered in the
-- operational store (stg_ops__order_lines), one row set: what every mart means by "order lines".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__order_lines'),
    entered=ref('stg_ops__order_lines'),
    source_system='xsy',
    source_system_after='price_book_id',
    defaults={'entity_type': "'orderProduct'"}
) }}
