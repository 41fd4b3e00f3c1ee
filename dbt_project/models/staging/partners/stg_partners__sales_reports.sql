-- partners.sales_reports: Monthly sales reports uploaded by partners (渠道销售月报). Each partner uses
-- its own column headers; the loader recognises the synonyms listed here. A corrected re-upload
-- keeps the same file name and supersedes the earlier upload. One row per partner_code,
-- report_month, line_no: the latest version, i.e. the latest load (the source has no version
-- field).

with

source as (

    select * from {{ source('partners', 'sales_reports') }}

),

renamed as (

    select
        -- ids
        cast(partner_code as {{ dbt.type_string() }})      as partner_code,
        cast(report_month as {{ dbt.type_string() }})      as report_month,
        cast(line_no as {{ dbt.type_bigint() }})           as line_no,
        cast(product_code as {{ dbt.type_string() }})      as product_code,

        -- attributes
        cast(end_customer_name as {{ dbt.type_string() }}) as end_customer_name,
        cast(product_name as {{ dbt.type_string() }})      as product_name,
        cast(order_ref as {{ dbt.type_string() }})         as order_ref,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})        as quantity,
        cast(unit_price as {{ type_decimal() }})           as unit_price,
        cast(amount as {{ type_decimal() }})               as amount,

        -- dates
        cast(sale_date as {{ type_date() }})               as sale_date,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['partner_code', 'report_month', 'line_no']) }}
),

final as (

    select
        -- ids
        partner_code,
        report_month,
        line_no,
        product_code,

        -- attributes
        end_customer_name,
        product_name,
        order_ref,

        -- amounts
        quantity,
        unit_price,
        amount,

        -- dates
        sale_date,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
