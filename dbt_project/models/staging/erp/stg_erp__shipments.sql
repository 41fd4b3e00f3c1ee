-- erp.shipments: Delivery records (发货单), one line per order line shipped; quantities in the order
-- line's unit. One row per shipment_no, line_no: the latest version, i.e. the latest load (the
-- source has no version field).

with

source as (

    select * from {{ source('erp', 'shipments') }}

),

renamed as (

    select
        -- ids
        cast(shipment_no as {{ dbt.type_string() }})       as shipment_no,
        cast(line_no as {{ dbt.type_bigint() }})           as line_no,
        cast(crm_order_no as {{ dbt.type_string() }})      as crm_order_no,
        cast(crm_order_line_id as {{ dbt.type_bigint() }}) as crm_order_line_id,
        cast(material_code as {{ dbt.type_string() }})     as material_code,
        cast(tracking_no as {{ dbt.type_string() }})       as tracking_no,

        -- attributes
        cast(customer_name as {{ dbt.type_string() }})     as customer_name,
        cast(unit as {{ dbt.type_string() }})              as unit,
        cast(warehouse as {{ dbt.type_string() }})         as warehouse,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})        as quantity,

        -- dates
        cast(ship_date as {{ type_date() }})               as ship_date,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['shipment_no', 'line_no']) }}
),

final as (

    select
        -- ids
        shipment_no,
        line_no,
        crm_order_no,
        crm_order_line_id,
        material_code,
        tracking_no,

        -- attributes
        customer_name,
        unit,
        warehouse,

        -- amounts
        quantity,

        -- dates
        ship_date,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
