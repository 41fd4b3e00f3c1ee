-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.receipts: rows of the operational store's table receipts (entry screens), as
-- extracted into raw/ops. One row per receipt_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'receipts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as receipt_id,
        cast(owner_id as {{ dbt.type_bigint() }})       as owner_id,
        cast(receipt_no as {{ dbt.type_string() }})     as receipt_no,
        cast(account_id as {{ dbt.type_bigint() }})     as account_id,
        cast(contract_id as {{ dbt.type_bigint() }})    as contract_id,
        cast(order_id as {{ dbt.type_bigint() }})       as order_id,
        cast(installment_id as {{ dbt.type_bigint() }}) as installment_id,
        cast(bank_txn_no as {{ dbt.type_string() }})    as bank_txn_no,

        -- attributes
        cast(receipt_type as {{ dbt.type_string() }})   as receipt_type,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(source_system as {{ dbt.type_string() }})  as source_system,
        cast(version as {{ dbt.type_bigint() }})        as version,

        -- flags
        cast(is_advance as {{ dbt.type_boolean() }})    as is_advance,

        -- amounts
        cast(amount as {{ type_decimal() }})            as amount,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})     as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})     as updated_by,

        -- dates
        cast(receipt_date as {{ type_date() }})         as receipt_date,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})  as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})  as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})  as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})    as source_row_number,
        {{ utc_to_local('_loaded_at') }}                as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['receipt_id'],
        order_by=[
            'version desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

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
        receipt_type,
        payment_method,
        source_system,
        version,

        -- flags
        is_advance,

        -- amounts
        amount,

        -- numbers
        created_by,
        updated_by,

        -- dates
        receipt_date,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,
        deleted_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated
    where deleted_at is null

)

select * from final
