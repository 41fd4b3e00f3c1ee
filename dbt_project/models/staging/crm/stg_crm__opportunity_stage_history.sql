-- crm.opportunity_stage_history: Every change of an opportunity's stage, amount or expected close
-- date, with the values after the change. One row per stage_change_id: the latest version, i.e.
-- the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'opportunity_stage_history') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as stage_change_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(opportunityId as {{ dbt.type_bigint() }}) as opportunity_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(fromStage as {{ dbt.type_string() }})     as from_stage,
        cast(toStage as {{ dbt.type_string() }})       as to_stage,

        -- amounts
        cast(amount as {{ type_decimal() }})           as amount,

        -- numbers
        cast(changedBy as {{ dbt.type_bigint() }})     as changed_by,

        -- dates
        cast(closeDate as {{ type_date() }})           as close_date,

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }} as created_at,
        {{ epoch_ms_to_local('updatedAt') }} as updated_at,
        {{ epoch_ms_to_local('changedAt') }}           as changed_at,

        -- lineage
        {{ staging_lineage() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['stage_change_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        stage_change_id,
        owner_id,
        opportunity_id,

        -- attributes
        entity_type,
        from_stage,
        to_stage,

        -- amounts
        amount,

        -- numbers
        changed_by,

        -- dates
        close_date,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,
        changed_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
