-- partners.deal_registrations: Deals registered by partners (报备) with the end customer name as the
-- partner typed it. One row per registration_id: the latest version, i.e. the latest load (the
-- source has no version field).

with

source as (

    select * from {{ source('partners', 'deal_registrations') }}

),

renamed as (

    select
        -- ids
        cast(registration_id as {{ dbt.type_string() }})    as registration_id,
        cast(partner_id as {{ dbt.type_bigint() }})         as partner_id,
        cast(crm_opportunity_id as {{ dbt.type_bigint() }}) as crm_opportunity_id,

        -- attributes
        cast(customer_name as {{ dbt.type_string() }})      as customer_name,
        cast(product_line as {{ dbt.type_string() }})       as product_line,
        cast(status as {{ dbt.type_string() }})             as status,

        -- amounts
        cast(estimated_amount as {{ type_decimal() }})      as estimated_amount,

        -- numbers
        cast(approved_by as {{ dbt.type_bigint() }})        as approved_by,
        cast(protection_days as {{ dbt.type_bigint() }})    as protection_days,

        -- dates
        cast(expected_close_date as {{ type_date() }})      as expected_close_date,

        -- timestamps (Asia/Shanghai local)
        cast(submitted_at as {{ dbt.type_timestamp() }})    as submitted_at,
        cast(approved_at as {{ dbt.type_timestamp() }})     as approved_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['registration_id']) }}
),

final as (

    select
        -- ids
        registration_id,
        partner_id,
        crm_opportunity_id,

        -- attributes
        customer_name,
        product_line,
        status,

        -- amounts
        estimated_amount,

        -- numbers
        approved_by,
        protection_days,

        -- dates
        expected_close_date,

        -- timestamps (Asia/Shanghai local)
        submitted_at,
        approved_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
