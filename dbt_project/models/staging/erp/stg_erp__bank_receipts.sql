-- erp.bank_receipts: Incoming bank transfers (银行收款流水); some not yet claimed by any CRM receipt.
-- One row per bank_txn_no: the latest version, i.e. the latest load (the source has no version
-- field).

with

source as (

    select * from {{ source('erp', 'bank_receipts') }}

),

renamed as (

    select
        -- ids
        cast(bank_txn_no as {{ dbt.type_string() }})    as bank_txn_no,
        cast(crm_receipt_no as {{ dbt.type_string() }}) as crm_receipt_no,

        -- attributes
        cast(payer_name as {{ dbt.type_string() }})     as payer_name,
        cast(payer_account as {{ dbt.type_string() }})  as payer_account,
        cast(memo as {{ dbt.type_string() }})           as memo,
        cast(claim_status as {{ dbt.type_string() }})   as claim_status,

        -- amounts
        cast(amount as {{ type_decimal() }})            as amount,

        -- dates
        cast(txn_date as {{ type_date() }})             as txn_date,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['bank_txn_no']) }}
),

final as (

    select
        -- ids
        bank_txn_no,
        crm_receipt_no,

        -- attributes
        payer_name,
        payer_account,
        memo,
        claim_status,

        -- amounts
        amount,

        -- dates
        txn_date,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
