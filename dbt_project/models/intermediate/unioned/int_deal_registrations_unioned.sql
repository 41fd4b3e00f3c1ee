-- All deal registrations: the rows the extracts delivered (stg_partners__deal_registrations) and
-- the rows entered in the operational store (stg_ops__deal_registrations), in
-- stg_partners__deal_registrations's columns and types; source_system tells them apart ('partners'
-- | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_partners__deal_registrations'),
    entered=ref('stg_ops__deal_registrations'),
    source_system='partners',
    source_system_after='crm_opportunity_id'
) }}
