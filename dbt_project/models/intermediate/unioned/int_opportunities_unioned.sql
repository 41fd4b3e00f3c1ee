-- All opportunities: the rows the extracts delivered (stg_crm__opportunities) and the rows entered
-- in the operational store (stg_ops__opportunities), in stg_crm__opportunities's columns and
-- types; source_system tells them apart ('xsy' | 'ops'). Marts read this model, never the two
-- staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__opportunities'),
    entered=ref('stg_ops__opportunities'),
    source_system='xsy',
    source_system_after='partner_id',
    defaults={'entity_type': "'opportunity'"}
) }}
