-- crm.payment_installments: Installments (回款计划明细) of a payment plan; ownerId is the person
-- responsible for collecting (回款负责人). One row per installment_id: the latest version, i.e. the
-- highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'payment_installments') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as installment_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(paymentPlanId as {{ dbt.type_bigint() }}) as payment_plan_id,
        cast(contractId as {{ dbt.type_bigint() }})    as contract_id,
        cast(orderId as {{ dbt.type_bigint() }})       as order_id,
        cast(accountId as {{ dbt.type_bigint() }})     as account_id,
        cast(batchNo as {{ dbt.type_bigint() }})       as batch_no,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,

        -- amounts
        cast(amount as {{ type_decimal() }})           as amount,

        -- dates
        cast(dueDate as {{ type_date() }})             as due_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['installment_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
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
        entity_type,

        -- amounts
        amount,

        -- dates
        due_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
