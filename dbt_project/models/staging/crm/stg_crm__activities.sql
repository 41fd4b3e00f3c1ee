-- crm.activities: Visits and follow-ups (拜访/跟进记录). One row per activity_id: the latest version,
-- i.e. the highest updatedAt, then the latest load.

{{ config(**staging_incremental_config(['activity_id'])) }}  -- large source: only touched keys are recomputed (macros/staging_incremental.sql)

with

source as (

    select * from {{ source('crm', 'activities') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})              as activity_id,
        cast(ownerId as {{ dbt.type_bigint() }})         as owner_id,
        cast(accountId as {{ dbt.type_bigint() }})       as account_id,
        cast(contactId as {{ dbt.type_bigint() }})       as contact_id,
        cast(leadId as {{ dbt.type_bigint() }})          as lead_id,
        cast(opportunityId as {{ dbt.type_bigint() }})   as opportunity_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})      as entity_type,
        cast(activityType as {{ dbt.type_string() }})    as activity_type,
        cast(content as {{ dbt.type_string() }})         as content,

        -- numbers
        cast(durationMinutes as {{ dbt.type_bigint() }}) as duration_minutes,

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }} as created_at,
        {{ epoch_ms_to_local('updatedAt') }} as updated_at,
        {{ epoch_ms_to_local('activityTime') }}          as activity_time,

        -- lineage
        {{ staging_lineage() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

{{ staging_touched_keys(['activity_id']) }}

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['activity_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        activity_id,
        owner_id,
        account_id,
        contact_id,
        lead_id,
        opportunity_id,

        -- attributes
        entity_type,
        activity_type,
        content,

        -- numbers
        duration_minutes,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,
        activity_time,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
{{ staging_tombstones(['activity_id']) }}
