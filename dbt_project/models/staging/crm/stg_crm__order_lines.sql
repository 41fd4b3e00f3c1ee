-- crm.order_lines: Order lines with price book, discount, unit and the over/short tolerance (溢短装)
-- of bulk goods. One row per order_line_id: the latest version, i.e. the highest updatedAt, then
-- the latest load.

with

source as (

    select * from {{ source('crm', 'order_lines') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})               as order_line_id,
        cast(ownerId as {{ dbt.type_bigint() }})          as owner_id,
        cast(orderId as {{ dbt.type_bigint() }})          as order_id,
        cast(productId as {{ dbt.type_bigint() }})        as product_id,
        cast(priceBookId as {{ dbt.type_bigint() }})      as price_book_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})       as entity_type,
        cast(unit as {{ dbt.type_string() }})             as unit,
        cast(toleranceType as {{ dbt.type_string() }})    as tolerance_type,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})       as quantity,
        cast(listPrice as {{ type_decimal() }})           as list_price,
        cast(discountRate as {{ type_decimal(18, 4) }})   as discount_rate,
        cast(unitPrice as {{ type_decimal() }})           as unit_price,
        cast(lineAmount as {{ type_decimal() }})          as line_amount,
        cast(toleranceValue as {{ type_decimal(18, 3) }}) as tolerance_value,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['order_line_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        order_line_id,
        owner_id,
        order_id,
        product_id,
        price_book_id,

        -- attributes
        entity_type,
        unit,
        tolerance_type,

        -- amounts
        quantity,
        list_price,
        discount_rate,
        unit_price,
        line_amount,
        tolerance_value,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
