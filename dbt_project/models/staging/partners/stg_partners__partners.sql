-- partners.partners: Channel partners (渠道伙伴). One row per partner_id: the latest version, i.e. the
-- latest load (the source has no version field).

with

source as (

    select * from {{ source('partners', 'partners') }}

),

renamed as (

    select
        -- ids
        cast(partner_id as {{ dbt.type_bigint() }})         as partner_id,
        cast(partner_code as {{ dbt.type_string() }})       as partner_code,
        cast(channel_manager_id as {{ dbt.type_bigint() }}) as channel_manager_id,

        -- attributes
        cast(partner_name as {{ dbt.type_string() }})       as partner_name,
        cast(tier as {{ dbt.type_string() }})               as tier,
        cast(region as {{ dbt.type_string() }})             as region,
        cast(status as {{ dbt.type_string() }})             as status,

        -- dates
        cast(signed_on as {{ type_date() }})                as signed_on,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['partner_id']) }}
),

final as (

    select
        -- ids
        partner_id,
        partner_code,
        channel_manager_id,

        -- attributes
        partner_name,
        tier,
        region,
        status,

        -- dates
        signed_on,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
