-- crm.expenses: Sales expenses (费用报销). One row per expense_id: the latest version, i.e. the
-- highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'expenses') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as expense_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(expenseNo as {{ dbt.type_string() }})     as expense_no,
        cast(accountId as {{ dbt.type_bigint() }})     as account_id,
        cast(opportunityId as {{ dbt.type_bigint() }}) as opportunity_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(expenseType as {{ dbt.type_string() }})   as expense_type,
        cast(status as {{ dbt.type_string() }})        as status,

        -- amounts
        cast(amount as {{ type_decimal() }})           as amount,

        -- dates
        cast(expenseDate as {{ type_date() }})         as expense_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['expense_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        expense_id,
        owner_id,
        expense_no,
        account_id,
        opportunity_id,

        -- attributes
        entity_type,
        expense_type,
        status,

        -- amounts
        amount,

        -- dates
        expense_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
