-- crm.payment_plans delivered by the crm extracts (stg_crm__payment_plans) and entered in the
-- operational store (stg_ops__payment_plans), one row set: what every mart means by "payment plans".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__payment_plans'),
    entered=ref('stg_ops__payment_plans'),
    source_system='xsy',
    source_system_after='account_id',
    defaults={'entity_type': "'paymentPlan'"}
) }}
