-- partners.business_registry: Local extract of the business registry (工商登记): registered legal
-- names with their unified social credit code, city and the short names / keywords people use for
-- them (separated by `;`). The authority for company-name resolution; a deployment may query an
-- online registry service instead. Not every customer is in the extract. One row per
-- unified_social_credit_code: the latest version, i.e. the latest load (the source has no version
-- field).

with

source as (

    select * from {{ source('partners', 'business_registry') }}

),

renamed as (

    select
        -- ids
        cast(unified_social_credit_code as {{ dbt.type_string() }}) as unified_social_credit_code,

        -- attributes
        cast(legal_name as {{ dbt.type_string() }})                 as legal_name,
        cast(province as {{ dbt.type_string() }})                   as province,
        cast(city as {{ dbt.type_string() }})                       as city,
        cast(short_names as {{ dbt.type_string() }})                as short_names,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['unified_social_credit_code']) }}
),

final as (

    select
        -- ids
        unified_social_credit_code,

        -- attributes
        legal_name,
        province,
        city,
        short_names,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
