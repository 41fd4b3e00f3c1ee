-- callcenter.transcripts: Messages of phone (speech-to-text), chat, WeChat and web conversations;
-- ts is UTC. One row per conversation_id, seq: the latest version, i.e. the latest load (the
-- source has no version field).

{{ config(**staging_incremental_config(['conversation_id', 'seq'])) }}  -- large source: only touched keys are recomputed (macros/staging_incremental.sql)

with

source as (

    select * from {{ source('callcenter', 'transcripts') }}

),

renamed as (

    select
        -- ids
        cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(seq as {{ dbt.type_bigint() }})             as seq,
        cast(agent_id as {{ dbt.type_string() }})        as agent_id,
        cast(call_id as {{ dbt.type_string() }})         as call_id,
        cast(account_id as {{ dbt.type_bigint() }})      as account_id,

        -- attributes
        cast(channel as {{ dbt.type_string() }})         as channel,
        cast(speaker as {{ dbt.type_string() }})         as speaker,
        cast(text as {{ dbt.type_string() }})            as text,

        -- timestamps (Asia/Shanghai local)
        {{ utc_to_local('ts') }}                         as sent_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

{{ staging_touched_keys(['conversation_id', 'seq']) }}

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['conversation_id', 'seq']) }}
),

final as (

    select
        -- ids
        conversation_id,
        seq,
        agent_id,
        call_id,
        account_id,

        -- attributes
        channel,
        speaker,
        text,

        -- timestamps (Asia/Shanghai local)
        sent_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
{{ staging_tombstones(['conversation_id', 'seq']) }}
