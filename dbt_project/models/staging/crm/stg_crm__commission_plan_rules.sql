-- crm.commission_plan_rules: Rates of a plan, by product line or by attainment tier (fractions,
-- 1.0 = 100%). One row per commission_plan_rule_id: the latest version, i.e. the highest
-- updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'commission_plan_rules') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as commission_plan_rule_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(planId as {{ dbt.type_bigint() }})       as commission_plan_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,
        cast(productLine as {{ dbt.type_string() }})  as product_line,

        -- amounts
        cast(tierFrom as {{ type_decimal(18, 4) }})   as tier_from,
        cast(tierTo as {{ type_decimal(18, 4) }})     as tier_to,
        cast(rate as {{ type_decimal(18, 4) }})       as rate,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['commission_plan_rule_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        commission_plan_rule_id,
        owner_id,
        commission_plan_id,

        -- attributes
        entity_type,
        product_line,

        -- amounts
        tier_from,
        tier_to,
        rate,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
