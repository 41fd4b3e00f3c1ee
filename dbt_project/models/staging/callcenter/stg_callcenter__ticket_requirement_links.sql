-- callcenter.ticket_requirement_links: Tickets linked to the requirement they ask for (N tickets
-- to 1 requirement). One row per ticket_no, requirement_id: the latest version, i.e. the latest
-- load (the source has no version field).

with

source as (

    select * from {{ source('callcenter', 'ticket_requirement_links') }}

),

renamed as (

    select
        -- ids
        cast(ticket_no as {{ dbt.type_string() }})      as ticket_no,
        cast(requirement_id as {{ dbt.type_string() }}) as requirement_id,

        -- attributes
        cast(linked_by as {{ dbt.type_string() }})      as linked_by,

        -- timestamps (Asia/Shanghai local)
        cast(linked_at as {{ dbt.type_timestamp() }})   as linked_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['ticket_no', 'requirement_id']) }}
),

final as (

    select
        -- ids
        ticket_no,
        requirement_id,

        -- attributes
        linked_by,

        -- timestamps (Asia/Shanghai local)
        linked_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
