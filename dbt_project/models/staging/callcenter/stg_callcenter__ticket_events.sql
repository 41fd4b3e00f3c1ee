-- callcenter.ticket_events: Status changes and replies on tickets; SLA clocks are computed from
-- these. One row per event_id: the latest version, i.e. the latest load (the source has no version
-- field).

{{ config(**staging_incremental_config(['event_id'])) }}  -- large source: only touched keys are recomputed (macros/staging_incremental.sql)

with

source as (

    select * from {{ source('callcenter', 'ticket_events') }}

),

renamed as (

    select
        -- ids
        cast(event_id as {{ dbt.type_string() }})      as event_id,
        cast(ticket_no as {{ dbt.type_string() }})     as ticket_no,

        -- attributes
        cast(event_type as {{ dbt.type_string() }})    as event_type,
        cast(from_status as {{ dbt.type_string() }})   as from_status,
        cast(to_status as {{ dbt.type_string() }})     as to_status,
        cast(actor as {{ dbt.type_string() }})         as actor,

        -- timestamps (Asia/Shanghai local)
        cast(event_time as {{ dbt.type_timestamp() }}) as event_time,

        -- lineage
        {{ staging_lineage() }}

    from source

),

{{ staging_touched_keys(['event_id']) }}

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['event_id']) }}
),

final as (

    select
        -- ids
        event_id,
        ticket_no,

        -- attributes
        event_type,
        from_status,
        to_status,
        actor,

        -- timestamps (Asia/Shanghai local)
        event_time,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
{{ staging_tombstones(['event_id']) }}
