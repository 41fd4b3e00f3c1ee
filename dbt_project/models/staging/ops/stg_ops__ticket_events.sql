-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.ticket_events: rows of the operational store's table ticket_events (entry screens), as
-- extracted into raw/ops. One row per ticket_event_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'ticket_events') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as ticket_event_id,
        cast(owner_id as {{ dbt.type_bigint() }})      as owner_id,
        cast(ticket_id as {{ dbt.type_bigint() }})     as ticket_id,
        cast(ticket_no as {{ dbt.type_string() }})     as ticket_no,

        -- attributes
        cast(event_type as {{ dbt.type_string() }})    as event_type,
        cast(from_status as {{ dbt.type_string() }})   as from_status,
        cast(to_status as {{ dbt.type_string() }})     as to_status,
        cast(actor as {{ dbt.type_string() }})         as actor,
        cast(detail as {{ dbt.type_string() }})        as detail,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(version as {{ dbt.type_bigint() }})       as version,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})    as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})    as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(event_time as {{ dbt.type_timestamp() }}) as event_time,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})  as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})   as source_row_number,
        {{ utc_to_local('_loaded_at') }}               as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['ticket_event_id'],
        order_by=[
            'version desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        ticket_event_id,
        owner_id,
        ticket_id,
        ticket_no,

        -- attributes
        event_type,
        from_status,
        to_status,
        actor,
        detail,
        source_system,
        version,

        -- numbers
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        event_time,
        created_at,
        updated_at,
        deleted_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated
    where deleted_at is null

)

select * from final
