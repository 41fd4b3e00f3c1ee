-- All leads: the rows the extracts delivered (stg_crm__leads) and the rows entered in the
-- operational store (stg_ops__leads), in stg_crm__leads's columns and types; source_system tells
-- them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__leads'),
    entered=ref('stg_ops__leads'),
    source_system='xsy',
    source_system_after='converted_opportunity_id',
    defaults={'entity_type': "'lead'"}
) }}
