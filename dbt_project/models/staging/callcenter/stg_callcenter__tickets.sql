-- callcenter.tickets: Service tickets (工单) with priority and channel; times local. One row per
-- ticket_no: the latest version, i.e. the highest updated_at, then the latest load.

with

source as (

    select * from {{ source('callcenter', 'tickets') }}

),

renamed as (

    select
        -- ids
        cast(ticket_no as {{ dbt.type_string() }})         as ticket_no,
        cast(account_id as {{ dbt.type_bigint() }})        as account_id,
        cast(product_code as {{ dbt.type_string() }})      as product_code,
        cast(assignee_agent_id as {{ dbt.type_string() }}) as assignee_agent_id,
        cast(call_id as {{ dbt.type_string() }})           as call_id,
        cast(conversation_id as {{ dbt.type_string() }})   as conversation_id,

        -- attributes
        cast(contact_phone as {{ dbt.type_string() }})     as contact_phone,
        cast(channel as {{ dbt.type_string() }})           as channel,
        cast(priority as {{ dbt.type_string() }})          as priority,
        cast(category as {{ dbt.type_string() }})          as category,
        cast(subject as {{ dbt.type_string() }})           as subject,
        cast(description as {{ dbt.type_string() }})       as description,
        cast(status as {{ dbt.type_string() }})            as status,
        cast(team as {{ dbt.type_string() }})              as team,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})     as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})     as updated_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['ticket_no'], newest_first=['updated_at desc']) }}
),

final as (

    select
        -- ids
        ticket_no,
        account_id,
        product_code,
        assignee_agent_id,
        call_id,
        conversation_id,

        -- attributes
        contact_phone,
        channel,
        priority,
        category,
        subject,
        description,
        status,
        team,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
