-- callcenter.ratings: Customer satisfaction ratings (满意度) of tickets and conversations. One row
-- per rating_id: the latest version, i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('callcenter', 'ratings') }}

),

renamed as (

    select
        -- ids
        cast(rating_id as {{ dbt.type_string() }})       as rating_id,
        cast(ticket_no as {{ dbt.type_string() }})       as ticket_no,
        cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,

        -- attributes
        cast(comment as {{ dbt.type_string() }})         as comment,

        -- numbers
        cast(score as {{ dbt.type_bigint() }})           as score,

        -- timestamps (Asia/Shanghai local)
        cast(rated_at as {{ dbt.type_timestamp() }})     as rated_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['rating_id']) }}
),

final as (

    select
        -- ids
        rating_id,
        ticket_no,
        conversation_id,

        -- attributes
        comment,

        -- numbers
        score,

        -- timestamps (Asia/Shanghai local)
        rated_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
