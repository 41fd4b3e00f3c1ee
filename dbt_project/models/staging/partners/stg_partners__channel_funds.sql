-- partners.channel_funds: Market fund (市场基金) and promotion subsidy (促销补贴) lines the channel
-- team approved for a partner and a statement month. One row per fund_id: the latest version,
-- i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('partners', 'channel_funds') }}

),

renamed as (

    select
        -- ids
        cast(fund_id as {{ dbt.type_string() }})      as fund_id,
        cast(partner_id as {{ dbt.type_bigint() }})   as partner_id,

        -- attributes
        cast(fund_type as {{ dbt.type_string() }})    as fund_type,
        cast(period as {{ dbt.type_string() }})       as period,
        cast(description as {{ dbt.type_string() }})  as description,
        cast(product_code as {{ dbt.type_string() }}) as product_code,

        -- amounts
        cast(amount as {{ type_decimal() }})          as amount,
        cast(unit_subsidy as {{ type_decimal() }})    as unit_subsidy,

        -- dates
        cast(approved_at as {{ dbt.type_timestamp() }}) as approved_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['fund_id']) }}
),

final as (

    select
        -- ids
        fund_id,
        partner_id,

        -- attributes
        fund_type,
        period,
        description,
        product_code,

        -- amounts
        amount,
        unit_subsidy,

        -- dates
        approved_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
