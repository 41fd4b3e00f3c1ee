-- callcenter.call_records: Call detail records (通话记录); times are local Asia/Shanghai. One row per
-- call_id: the latest version, i.e. the latest load (the source has no version field).

{{ config(**staging_incremental_config(['call_id'])) }}  -- large source: only touched keys are recomputed (macros/staging_incremental.sql)

with

source as (

    select * from {{ source('callcenter', 'call_records') }}

),

renamed as (

    select
        -- ids
        cast(call_id as {{ dbt.type_string() }})         as call_id,
        cast(agent_id as {{ dbt.type_string() }})        as agent_id,
        cast(recording_id as {{ dbt.type_string() }})    as recording_id,

        -- attributes
        cast(queue as {{ dbt.type_string() }})           as queue,
        cast(customer_number as {{ dbt.type_string() }}) as customer_number,
        cast(direction as {{ dbt.type_string() }})       as direction,
        cast(hangup_by as {{ dbt.type_string() }})       as hangup_by,

        -- numbers
        cast(talk_seconds as {{ dbt.type_bigint() }})    as talk_seconds,
        cast(hold_seconds as {{ dbt.type_bigint() }})    as hold_seconds,

        -- timestamps (Asia/Shanghai local)
        cast(start_time as {{ dbt.type_timestamp() }})   as start_time,
        cast(end_time as {{ dbt.type_timestamp() }})     as end_time,

        -- lineage
        {{ staging_lineage() }}

    from source

),

{{ staging_touched_keys(['call_id']) }}

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['call_id']) }}
),

final as (

    select
        -- ids
        call_id,
        agent_id,
        recording_id,

        -- attributes
        queue,
        customer_number,
        direction,
        hangup_by,

        -- numbers
        talk_seconds,
        hold_seconds,

        -- timestamps (Asia/Shanghai local)
        start_time,
        end_time,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
{{ staging_tombstones(['call_id']) }}
