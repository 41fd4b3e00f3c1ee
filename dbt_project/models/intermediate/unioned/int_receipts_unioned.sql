-- All receipts: the rows the extracts delivered (stg_crm__receipts) and the rows entered in the
-- operational store (stg_ops__receipts), in stg_crm__receipts's columns and types; source_system
-- tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging models.

{{ union_store_rows(
    extracted=ref('stg_crm__receipts'),
    entered=ref('stg_ops__receipts'),
    source_system='xsy',
    source_system_after='bank_txn_no',
    defaults={'entity_type': "'paymentRecord'"}
) }}
