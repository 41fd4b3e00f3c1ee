-- ERP bank receipts (银行流水) matched to CRM receipts: by the CRM receipt number the bank
-- clerk claimed it under, else by bank transaction number. Unmatched ones are listed for
-- finance to claim (未认领).

with

bank as (

    select * from {{ ref('stg_erp__bank_receipts') }}

),

receipts as (

    select * from {{ ref('int_receipts_unioned') }}

),

by_no as (

    select receipt_no, min(receipt_id) as receipt_id, min(amount) as amount
    from receipts
    group by 1

),

by_txn as (

    select bank_txn_no, min(receipt_id) as receipt_id, min(receipt_no) as receipt_no, min(amount) as amount
    from receipts
    where bank_txn_no is not null
    group by 1

),

final as (

    select
        bank.bank_txn_no,
        bank.crm_receipt_no,
        bank.payer_name,
        bank.memo,
        bank.claim_status,
        bank.amount,
        bank.txn_date,
        coalesce(by_no.receipt_id, by_txn.receipt_id)   as receipt_id,
        coalesce(by_no.receipt_no, by_txn.receipt_no)   as matched_receipt_no,
        case
            when by_no.receipt_id is not null then 'matched_by_receipt_no'
            when by_txn.receipt_id is not null then 'matched_by_bank_txn_no'
            else 'unclaimed'
        end as match_status,
        coalesce(by_no.amount, by_txn.amount) as crm_amount,
        bank.amount - coalesce(by_no.amount, by_txn.amount) as amount_difference
    from bank
    left join by_no
        on bank.crm_receipt_no = by_no.receipt_no
    left join by_txn
        on bank.bank_txn_no = by_txn.bank_txn_no

)

select * from final
