-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.ticket_requirement_links: rows of the operational store's table ticket_requirement_links (entry screens), as
-- extracted into raw/ops. One row per ticket_requirement_link_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'ticket_requirement_links') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                as ticket_requirement_link_id,
        cast(owner_id as {{ dbt.type_bigint() }})          as owner_id,
        cast(ticket_id as {{ dbt.type_bigint() }})         as ticket_id,
        cast(ticket_no as {{ dbt.type_string() }})         as ticket_no,
        cast(requirement_id as {{ dbt.type_string() }})    as requirement_id,

        -- attributes
        cast(linked_by as {{ dbt.type_string() }})         as linked_by,
        cast(source_system as {{ dbt.type_string() }})     as source_system,
        cast(version as {{ dbt.type_bigint() }})           as version,

        -- flags
        cast(from_suggestion as {{ dbt.type_boolean() }})  as from_suggestion,

        -- amounts
        cast(suggestion_score as {{ type_decimal(9, 4) }}) as suggestion_score,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})        as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})        as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(linked_at as {{ dbt.type_timestamp() }})      as linked_at,
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
        key_columns=['ticket_requirement_link_id'],
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
        ticket_requirement_link_id,
        owner_id,
        ticket_id,
        ticket_no,
        requirement_id,

        -- attributes
        linked_by,
        source_system,
        version,

        -- flags
        from_suggestion,

        -- amounts
        suggestion_score,

        -- numbers
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        linked_at,
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
