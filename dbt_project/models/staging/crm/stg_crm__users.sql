-- crm.users: Employees who use the CRM, with manager and position. One row per user_id: the latest
-- version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'users') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as user_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(employeeCode as {{ dbt.type_string() }}) as employee_code,
        cast(dimDepart as {{ dbt.type_bigint() }})    as department_id,
        cast(managerId as {{ dbt.type_bigint() }})    as manager_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,
        cast(name as {{ dbt.type_string() }})         as user_name,
        cast(position as {{ dbt.type_string() }})     as position,
        cast(email as {{ dbt.type_string() }})        as email,
        cast(phone as {{ dbt.type_string() }})        as phone,

        -- flags
        cast(isActive as {{ dbt.type_boolean() }})    as is_active,

        -- dates
        cast(hireDate as {{ type_date() }})           as hire_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['user_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        user_id,
        owner_id,
        employee_code,
        department_id,
        manager_id,

        -- attributes
        entity_type,
        user_name,
        position,
        email,
        phone,

        -- flags
        is_active,

        -- dates
        hire_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
