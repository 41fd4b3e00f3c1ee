-- All orders: the rows the extracts delivered (stg_crm__orders) and the rows entered in the
-- operational store (stg_ops__orders), in stg_crm__orders's columns and types; source_system tells
-- them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__orders'),
    entered=ref('stg_ops__orders'),
    source_system='xsy',
    source_system_after='department_id',
    defaults={'entity_type': "'order'"}
) }}
