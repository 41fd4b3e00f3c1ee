-- crm.quote_lines delivered by the crm extracts (stg_crm__quote_lines) and entered in the
-- operational store (stg_ops__quote_lines), one row set: what every mart means by "quote lines".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__quote_lines'),
    entered=ref('stg_ops__quote_lines'),
    source_system='xsy',
    source_system_after='product_id',
    defaults={'entity_type': "'quoteLine'"}
) }}
