-- callcenter.tickets delivered by the callcenter extracts (stg_callcenter__tickets) and entered in the
-- operational store (stg_ops__tickets), one row set: what every mart means by "tickets".
-- source_system tells them apart ('callcenter' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_callcenter__tickets'),
    entered=ref('stg_ops__tickets'),
    source_system='callcenter',
    source_system_after='conversation_id'
) }}
