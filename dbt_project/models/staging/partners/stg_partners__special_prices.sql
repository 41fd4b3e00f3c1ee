-- partners.special_prices: Special price requests and approvals (特价申请) on registered deals. One
-- row per request_id: the latest version, i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('partners', 'special_prices') }}

),

renamed as (

    select
        -- ids
        cast(request_id as {{ dbt.type_string() }})      as request_id,
        cast(partner_id as {{ dbt.type_bigint() }})      as partner_id,
        cast(registration_id as {{ dbt.type_string() }}) as registration_id,
        cast(product_code as {{ dbt.type_string() }})    as product_code,

        -- attributes
        cast(status as {{ dbt.type_string() }})          as status,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})      as quantity,
        cast(list_price as {{ type_decimal() }})         as list_price,
        cast(requested_price as {{ type_decimal() }})    as requested_price,
        cast(approved_price as {{ type_decimal() }})     as approved_price,

        -- dates
        cast(valid_until as {{ type_date() }})           as valid_until,

        -- timestamps (Asia/Shanghai local)
        cast(requested_at as {{ dbt.type_timestamp() }}) as requested_at,
        cast(decided_at as {{ dbt.type_timestamp() }})   as decided_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['request_id']) }}
),

final as (

    select
        -- ids
        request_id,
        partner_id,
        registration_id,
        product_code,

        -- attributes
        status,

        -- amounts
        quantity,
        list_price,
        requested_price,
        approved_price,

        -- dates
        valid_until,

        -- timestamps (Asia/Shanghai local)
        requested_at,
        decided_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
