-- crm.quotes delivered by the crm extracts (stg_crm__quotes) and entered in the
-- operational store (stg_ops__quotes), one row set: what every mart means by "quotes".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__quotes'),
    entered=ref('stg_ops__quotes'),
    source_system='xsy',
    source_system_after='price_book_id',
    defaults={'entity_type': "'quote'"}
) }}
