-- callcenter.requirements: Product requirements (需求) raised from service. One row per
-- requirement_id: the latest version, i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('callcenter', 'requirements') }}

),

renamed as (

    select
        -- ids
        cast(requirement_id as {{ dbt.type_string() }})     as requirement_id,
        cast(product_manager_id as {{ dbt.type_bigint() }}) as product_manager_id,

        -- attributes
        cast(title as {{ dbt.type_string() }})              as title,
        cast(description as {{ dbt.type_string() }})        as description,
        cast(product_line as {{ dbt.type_string() }})       as product_line,
        cast(status as {{ dbt.type_string() }})             as status,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})      as created_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['requirement_id']) }}
),

final as (

    select
        -- ids
        requirement_id,
        product_manager_id,

        -- attributes
        title,
        description,
        product_line,
        status,

        -- timestamps (Asia/Shanghai local)
        created_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
