-- crm.price_book_entries: Prices of products in a price book. One row per price_book_entry_id: the
-- latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'price_book_entries') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as price_book_entry_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(priceBookId as {{ dbt.type_bigint() }})  as price_book_id,
        cast(productId as {{ dbt.type_bigint() }})    as product_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,

        -- amounts
        cast(unitPrice as {{ type_decimal() }})       as unit_price,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['price_book_entry_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        price_book_entry_id,
        owner_id,
        price_book_id,
        product_id,

        -- attributes
        entity_type,

        -- amounts
        unit_price,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
