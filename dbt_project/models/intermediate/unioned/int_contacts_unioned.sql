-- All contacts: the rows the extracts delivered (stg_crm__contacts) and the rows entered in the
-- operational store (stg_ops__contacts), in stg_crm__contacts's columns and types; source_system
-- tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__contacts'),
    entered=ref('stg_ops__contacts'),
    source_system='xsy',
    source_system_after='account_id',
    defaults={'entity_type': "'contact'"}
) }}
