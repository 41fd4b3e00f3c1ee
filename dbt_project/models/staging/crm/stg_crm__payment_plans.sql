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

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['payment_plan_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
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

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
