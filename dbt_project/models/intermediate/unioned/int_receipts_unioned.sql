-- crm.receipts delivered by the crm extracts (stg_crm__receipts) and entered in the
-- operational store (stg_ops__receipts), one row set: what every mart means by "receipts".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__receipts'),
    entered=ref('stg_ops__receipts'),
    source_system='xsy',
    source_system_after='bank_txn_no',
    defaults={'entity_type': "'paymentRecord'"}
) }}
