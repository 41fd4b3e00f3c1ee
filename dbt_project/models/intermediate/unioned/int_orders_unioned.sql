-- crm.orders delivered by the crm extracts (stg_crm__orders) and entered in the
-- operational store (stg_ops__orders), one row set: what every mart means by "orders".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__orders'),
    entered=ref('stg_ops__orders'),
    source_system='xsy',
    source_system_after='department_id',
    defaults={'entity_type': "'order'"}
) }}
