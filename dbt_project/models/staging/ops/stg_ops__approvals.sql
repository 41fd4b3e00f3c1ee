-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.approvals: rows of the operational store's table approvals (entry screens), as
-- extracted into raw/ops. One row per approval_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'approvals') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as approval_id,
        cast(owner_id as {{ dbt.type_bigint() }})      as owner_id,
        cast(object_id as {{ dbt.type_bigint() }})     as object_id,

        -- attributes
        cast(object_type as {{ dbt.type_string() }})   as object_type,
        cast(approver_role as {{ dbt.type_string() }}) as approver_role,
        cast(reason as {{ dbt.type_string() }})        as reason,
        cast(status as {{ dbt.type_string() }})        as status,
        cast(comment as {{ dbt.type_string() }})       as comment,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(version as {{ dbt.type_bigint() }})       as version,

        -- numbers
        cast(requested_by as {{ dbt.type_bigint() }})  as requested_by,
        cast(decided_by as {{ dbt.type_bigint() }})    as decided_by,
        cast(created_by as {{ dbt.type_bigint() }})    as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})    as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(decided_at as {{ dbt.type_timestamp() }}) as decided_at,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})  as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})   as source_row_number,
        {{ utc_to_local('_loaded_at') }}               as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['approval_id'],
        order_by=[
            'version desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        approval_id,
        owner_id,
        object_id,

        -- attributes
        object_type,
        approver_role,
        reason,
        status,
        comment,
        source_system,
        version,

        -- numbers
        requested_by,
        decided_by,
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        decided_at,
        created_at,
        updated_at,
        deleted_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated
    where deleted_at is null

)

select * from final
