-- crm.payment_installments delivered by the crm extracts (stg_crm__payment_installments) and entered in the
-- operational store (stg_ops__payment_installments), one row set: what every mart means by "payment installments".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__payment_installments'),
    entered=ref('stg_ops__payment_installments'),
    source_system='xsy',
    source_system_after='batch_no',
    defaults={'entity_type': "'paymentInstallment'"}
) }}
