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
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})    as source_row_number,
        {{ utc_to_local('_loaded_at') }}                as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['ticket_no', 'requirement_id'],
        order_by=[
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

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
        source_file,
        source_row_number,
        loaded_at

    from deduplicated

)

select * from final
