-- crm.opportunities delivered by the crm extracts (stg_crm__opportunities) and entered in the
-- operational store (stg_ops__opportunities), one row set: what every mart means by "opportunities".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__opportunities'),
    entered=ref('stg_ops__opportunities'),
    source_system='xsy',
    source_system_after='partner_id',
    defaults={'entity_type': "'opportunity'"}
) }}
