-- crm.contacts delivered by the crm extracts (stg_crm__contacts) and entered in the
-- operational store (stg_ops__contacts), one row set: what every mart means by "contacts".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__contacts'),
    entered=ref('stg_ops__contacts'),
    source_system='xsy',
    source_system_after='account_id',
    defaults={'entity_type': "'contact'"}
) }}
