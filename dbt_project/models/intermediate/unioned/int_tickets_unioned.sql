-- All tickets: the rows the extracts delivered (stg_callcenter__tickets) and the rows entered in
-- the operational store (stg_ops__tickets), in stg_callcenter__tickets's columns and types;
-- source_system tells them apart ('callcenter' | 'ops'). Marts read this model, never the two
-- staging models.

{{ union_store_rows(
    extracted=ref('stg_callcenter__tickets'),
    entered=ref('stg_ops__tickets'),
    source_system='callcenter',
    source_system_after='conversation_id'
) }}
