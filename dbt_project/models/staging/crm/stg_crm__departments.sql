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

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }}            as created_at,
        {{ epoch_ms_to_local('updatedAt') }}            as updated_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})    as source_row_number,
        {{ utc_to_local('_loaded_at') }}                as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['department_id'],
        order_by=[
            'updated_at desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

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

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated

)

select * from final
