-- crm.price_books: Price books (价格表), one standard and one per sales department. One row per
-- price_book_id: the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'price_books') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as price_book_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(dimDepart as {{ dbt.type_bigint() }})     as department_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(priceBookName as {{ dbt.type_string() }}) as price_book_name,

        -- flags
        cast(isStandard as {{ dbt.type_boolean() }})   as is_standard,

        -- dates
        cast(effectiveFrom as {{ type_date() }})       as effective_from,
        cast(effectiveTo as {{ type_date() }})         as effective_to,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['price_book_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        price_book_id,
        owner_id,
        department_id,

        -- attributes
        entity_type,
        price_book_name,

        -- flags
        is_standard,

        -- dates
        effective_from,
        effective_to,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
