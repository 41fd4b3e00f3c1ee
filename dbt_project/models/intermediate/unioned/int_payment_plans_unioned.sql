-- All payment plans: the rows the extracts delivered (stg_crm__payment_plans) and the rows entered
-- in the operational store (stg_ops__payment_plans), in stg_crm__payment_plans's columns and
-- types; source_system tells them apart ('xsy' | 'ops'). Marts read this model, never the two
-- staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__payment_plans'),
    entered=ref('stg_ops__payment_plans'),
    source_system='xsy',
    source_system_after='account_id',
    defaults={'entity_type': "'paymentPlan'"}
) }}
