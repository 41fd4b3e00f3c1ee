-- crm.commission_assignments: Which person is on which plan, effective-dated. One row per
-- commission_assignment_id: the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'commission_assignments') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as commission_assignment_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(userId as {{ dbt.type_bigint() }})       as user_id,
        cast(planId as {{ dbt.type_bigint() }})       as commission_plan_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,

        -- dates
        cast(effectiveFrom as {{ type_date() }})      as effective_from,
        cast(effectiveTo as {{ type_date() }})        as effective_to,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['commission_assignment_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        commission_assignment_id,
        owner_id,
        user_id,
        commission_plan_id,

        -- attributes
        entity_type,

        -- dates
        effective_from,
        effective_to,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
