-- partners.deal_registrations delivered by the partners extracts (stg_partners__deal_registrations) and entered in the
-- operational store (stg_ops__deal_registrations), one row set: what every mart means by "deal registrations".
-- source_system tells them apart ('partners' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_partners__deal_registrations'),
    entered=ref('stg_ops__deal_registrations'),
    source_system='partners',
    source_system_after='crm_opportunity_id'
) }}
