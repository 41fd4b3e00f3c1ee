-- crm.payment_plans: Payment plans (回款计划) of a contract or order. One row per payment_plan_id: the
-- latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'payment_plans') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})               as payment_plan_id,
        cast(ownerId as {{ dbt.type_bigint() }})          as owner_id,
        cast(planNo as {{ dbt.type_string() }})           as plan_no,
        cast(contractId as {{ dbt.type_bigint() }})       as contract_id,
        cast(orderId as {{ dbt.type_bigint() }})          as order_id,
        cast(accountId as {{ dbt.type_bigint() }})        as account_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})       as entity_type,

        -- amounts
        cast(totalAmount as {{ type_decimal() }})         as total_amount,

        -- numbers
        cast(installmentCount as {{ dbt.type_bigint() }}) as installment_count,

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }}              as created_at,
        {{ epoch_ms_to_local('updatedAt') }}              as updated_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})     as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})      as source_row_number,
        {{ utc_to_local('_loaded_at') }}                  as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['payment_plan_id'],
        order_by=[
            'updated_at desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        payment_plan_id,
        owner_id,
        plan_no,
        contract_id,
        order_id,
        account_id,

        -- attributes
        entity_type,

        -- amounts
        total_amount,

        -- numbers
        installment_count,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated

)

select * from final
