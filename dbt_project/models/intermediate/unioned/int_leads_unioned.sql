-- crm.leads delivered by the crm extracts (stg_crm__leads) and entered in the
-- operational store (stg_ops__leads), one row set: what every mart means by "leads".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__leads'),
    entered=ref('stg_ops__leads'),
    source_system='xsy',
    source_system_after='converted_opportunity_id',
    defaults={'entity_type': "'lead'"}
) }}
