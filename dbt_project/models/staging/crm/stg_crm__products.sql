-- crm.products: Products sold; productCode equals the ERP material code. One row per product_id:
-- the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'products') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as product_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(productCode as {{ dbt.type_string() }})  as product_code,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,
        cast(productName as {{ dbt.type_string() }})  as product_name,
        cast(productLine as {{ dbt.type_string() }})  as product_line,
        cast(unit as {{ dbt.type_string() }})         as unit,

        -- flags
        cast(isBulk as {{ dbt.type_boolean() }})      as is_bulk,
        cast(isActive as {{ dbt.type_boolean() }})    as is_active,

        -- amounts
        cast(listPrice as {{ type_decimal() }})       as list_price,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['product_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        product_id,
        owner_id,
        product_code,

        -- attributes
        entity_type,
        product_name,
        product_line,
        unit,

        -- flags
        is_bulk,
        is_active,

        -- amounts
        list_price,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
