-- crm.commission_plans: Commission plans (提成方案) with basis and tier semantics. One row per
-- commission_plan_id: the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'commission_plans') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as commission_plan_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(planCode as {{ dbt.type_string() }})     as plan_code,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,
        cast(planName as {{ dbt.type_string() }})     as plan_name,
        cast(rateType as {{ dbt.type_string() }})     as rate_type,
        cast(tierMode as {{ dbt.type_string() }})     as tier_mode,
        cast(basis as {{ dbt.type_string() }})        as basis,
        cast(periodType as {{ dbt.type_string() }})   as period_type,

        -- amounts
        cast(flatRate as {{ type_decimal(18, 4) }})   as flat_rate,

        -- numbers
        cast(planVersion as {{ dbt.type_bigint() }})  as plan_version,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['commission_plan_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        commission_plan_id,
        owner_id,
        plan_code,

        -- attributes
        entity_type,
        plan_name,
        rate_type,
        tier_mode,
        basis,
        period_type,

        -- amounts
        flat_rate,

        -- numbers
        plan_version,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
