-- crm.sales_targets: Monthly sales targets (销售目标), one row per rep (userId) and calendar
-- month. One row per sales_target_id: the latest version, i.e. the highest updatedAt, then the
-- latest load.

with

source as (

    select * from {{ source('crm', 'sales_targets') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as sales_target_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(userId as {{ dbt.type_bigint() }})       as user_id,
        cast(dimDepart as {{ dbt.type_bigint() }})    as department_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,

        -- amounts
        cast(targetAmount as {{ type_decimal() }})    as target_amount,

        -- dates
        cast(periodMonth as {{ type_date() }})        as period_month,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['sales_target_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        sales_target_id,
        owner_id,
        user_id,
        department_id,

        -- attributes
        entity_type,

        -- amounts
        target_amount,

        -- dates
        period_month,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
