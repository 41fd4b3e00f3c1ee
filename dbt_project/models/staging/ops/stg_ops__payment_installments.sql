-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.payment_installments: rows of the operational store's table payment_installments (entry screens), as
-- extracted into raw/ops. One row per installment_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'payment_installments') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})              as installment_id,
        cast(owner_id as {{ dbt.type_bigint() }})        as owner_id,
        cast(payment_plan_id as {{ dbt.type_bigint() }}) as payment_plan_id,
        cast(contract_id as {{ dbt.type_bigint() }})     as contract_id,
        cast(order_id as {{ dbt.type_bigint() }})        as order_id,
        cast(account_id as {{ dbt.type_bigint() }})      as account_id,
        cast(batch_no as {{ dbt.type_bigint() }})        as batch_no,

        -- attributes
        cast(source_system as {{ dbt.type_string() }})   as source_system,
        cast(version as {{ dbt.type_bigint() }})         as version,

        -- amounts
        cast(amount as {{ type_decimal() }})             as amount,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})      as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})      as updated_by,

        -- dates
        cast(due_date as {{ type_date() }})              as due_date,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})   as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})   as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})   as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})    as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})     as source_row_number,
        {{ utc_to_local('_loaded_at') }}                 as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['installment_id'],
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
        installment_id,
        owner_id,
        payment_plan_id,
        contract_id,
        order_id,
        account_id,
        batch_no,

        -- attributes
        source_system,
        version,

        -- amounts
        amount,

        -- numbers
        created_by,
        updated_by,

        -- dates
        due_date,

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
