-- crm.quote_lines: Products on a quote. One row per quote_line_id: the latest version, i.e. the
-- highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'quote_lines') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as quote_line_id,
        cast(ownerId as {{ dbt.type_bigint() }})        as owner_id,
        cast(quoteId as {{ dbt.type_bigint() }})        as quote_id,
        cast(productId as {{ dbt.type_bigint() }})      as product_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})     as entity_type,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})     as quantity,
        cast(listPrice as {{ type_decimal() }})         as list_price,
        cast(discountRate as {{ type_decimal(18, 4) }}) as discount_rate,
        cast(unitPrice as {{ type_decimal() }})         as unit_price,
        cast(lineAmount as {{ type_decimal() }})        as line_amount,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['quote_line_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        quote_line_id,
        owner_id,
        quote_id,
        product_id,

        -- attributes
        entity_type,

        -- amounts
        quantity,
        list_price,
        discount_rate,
        unit_price,
        line_amount,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
