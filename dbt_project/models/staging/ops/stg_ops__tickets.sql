-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.tickets: rows of the operational store's table tickets (entry screens), as
-- extracted into raw/ops. One row per ticket_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'tickets') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                as ticket_id,
        cast(owner_id as {{ dbt.type_bigint() }})          as owner_id,
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
        cast(rating_comment as {{ dbt.type_string() }})    as rating_comment,
        cast(source_system as {{ dbt.type_string() }})     as source_system,
        cast(version as {{ dbt.type_bigint() }})           as version,

        -- numbers
        cast(rating as {{ dbt.type_bigint() }})            as rating,
        cast(created_by as {{ dbt.type_bigint() }})        as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})        as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(resolved_at as {{ dbt.type_timestamp() }})    as resolved_at,
        cast(closed_at as {{ dbt.type_timestamp() }})      as closed_at,
        cast(created_at as {{ dbt.type_timestamp() }})     as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})     as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})     as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})      as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})       as source_row_number,
        {{ utc_to_local('_loaded_at') }}                   as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['ticket_id'],
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
        ticket_id,
        owner_id,
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
        rating_comment,
        source_system,
        version,

        -- numbers
        rating,
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        resolved_at,
        closed_at,
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
