-- All payment installments: the rows the extracts delivered (stg_crm__payment_installments) and
-- the rows entered in the operational store (stg_ops__payment_installments), in
-- stg_crm__payment_installments's columns and types; source_system tells them apart ('xsy' |
-- 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__payment_installments'),
    entered=ref('stg_ops__payment_installments'),
    source_system='xsy',
    source_system_after='batch_no',
    defaults={'entity_type': "'paymentInstallment'"}
) }}
