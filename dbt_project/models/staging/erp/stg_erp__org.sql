-- erp.org: ERP organisation units (组织架构) mapped to CRM departments. One row per org_code: the
-- latest version, i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('erp', 'org') }}

),

renamed as (

    select
        -- ids
        cast(org_code as {{ dbt.type_string() }})        as org_code,
        cast(parent_org_code as {{ dbt.type_string() }}) as parent_org_code,
        cast(crm_depart_id as {{ dbt.type_bigint() }})   as crm_department_id,

        -- attributes
        cast(org_name as {{ dbt.type_string() }})        as org_name,
        cast(org_type as {{ dbt.type_string() }})        as org_type,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['org_code']) }}
),

final as (

    select
        -- ids
        org_code,
        parent_org_code,
        crm_department_id,

        -- attributes
        org_name,
        org_type,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
