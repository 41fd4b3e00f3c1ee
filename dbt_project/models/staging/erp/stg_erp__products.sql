-- erp.products: ERP material master (物料档案). One row per material_code: the latest version, i.e.
-- the highest updated_at, then the latest load.

with

source as (

    select * from {{ source('erp', 'products') }}

),

renamed as (

    select
        -- ids
        cast(material_code as {{ dbt.type_string() }}) as material_code,

        -- attributes
        cast(material_name as {{ dbt.type_string() }}) as material_name,
        cast(spec as {{ dbt.type_string() }})          as spec,
        cast(unit as {{ dbt.type_string() }})          as unit,
        cast(product_line as {{ dbt.type_string() }})  as product_line,

        -- amounts
        cast(standard_cost as {{ type_decimal() }})    as standard_cost,

        -- timestamps (Asia/Shanghai local)
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['material_code'], newest_first=['updated_at desc']) }}
),

final as (

    select
        -- ids
        material_code,

        -- attributes
        material_name,
        spec,
        unit,
        product_line,

        -- amounts
        standard_cost,

        -- timestamps (Asia/Shanghai local)
        updated_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
