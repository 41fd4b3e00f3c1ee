-- All accounts: the rows the extracts delivered (stg_crm__accounts) and the rows entered in the
-- operational store (stg_ops__accounts), in stg_crm__accounts's columns and types; source_system
-- tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__accounts'),
    entered=ref('stg_ops__accounts'),
    source_system='xsy',
    source_system_after='unified_social_credit_code',
    defaults={'entity_type': "'account'"}
) }}
