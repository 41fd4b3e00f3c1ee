-- crm.receipts: Receipts (回款) and refunds; installmentId is empty when the payer named no
-- installment. One row per receipt_id: the latest version, i.e. the highest updatedAt, then the
-- latest load.

with

source as (

    select * from {{ source('crm', 'receipts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as receipt_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(receiptNo as {{ dbt.type_string() }})     as receipt_no,
        cast(accountId as {{ dbt.type_bigint() }})     as account_id,
        cast(contractId as {{ dbt.type_bigint() }})    as contract_id,
        cast(orderId as {{ dbt.type_bigint() }})       as order_id,
        cast(installmentId as {{ dbt.type_bigint() }}) as installment_id,
        cast(bankTxnNo as {{ dbt.type_string() }})     as bank_txn_no,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(receiptType as {{ dbt.type_string() }})   as receipt_type,
        cast(paymentMethod as {{ dbt.type_string() }}) as payment_method,

        -- amounts
        cast(amount as {{ type_decimal() }})           as amount,

        -- dates
        cast(receiptDate as {{ type_date() }})         as receipt_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['receipt_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        receipt_id,
        owner_id,
        receipt_no,
        account_id,
        contract_id,
        order_id,
        installment_id,
        bank_txn_no,

        -- attributes
        entity_type,
        receipt_type,
        payment_method,

        -- amounts
        amount,

        -- dates
        receipt_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
