-- crm.departments: Sales and service departments (部门), a tree. One row per department_id: the
-- latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'departments') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as department_id,
        cast(ownerId as {{ dbt.type_bigint() }})        as owner_id,
        cast(departCode as {{ dbt.type_string() }})     as department_code,
        cast(parentDepartId as {{ dbt.type_bigint() }}) as parent_department_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})     as entity_type,
        cast(departName as {{ dbt.type_string() }})     as department_name,
        cast(departType as {{ dbt.type_string() }})     as department_type,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['department_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        department_id,
        owner_id,
        department_code,
        parent_department_id,

        -- attributes
        entity_type,
        department_name,
        department_type,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
