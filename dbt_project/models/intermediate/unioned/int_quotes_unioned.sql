-- All quotes: the rows the extracts delivered (stg_crm__quotes) and the rows entered in the
-- operational store (stg_ops__quotes), in stg_crm__quotes's columns and types; source_system tells
-- them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__quotes'),
    entered=ref('stg_ops__quotes'),
    source_system='xsy',
    source_system_after='price_book_id',
    defaults={'entity_type': "'quote'"}
) }}
