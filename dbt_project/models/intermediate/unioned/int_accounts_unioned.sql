-- crm.accounts delivered by the crm extracts (stg_crm__accounts) and entered in the
-- operational store (stg_ops__accounts), one row set: what every mart means by "accounts".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__accounts'),
    entered=ref('stg_ops__accounts'),
    source_system='xsy',
    source_system_after='unified_social_credit_code',
    defaults={'entity_type': "'account'"}
) }}
