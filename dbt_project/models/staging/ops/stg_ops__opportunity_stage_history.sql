-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.opportunity_stage_history: rows of the operational store's table opportunity_stage_history (entry screens), as
-- extracted into raw/ops. One row per stage_change_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'opportunity_stage_history') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as stage_change_id,
        cast(owner_id as {{ dbt.type_bigint() }})       as owner_id,
        cast(opportunity_id as {{ dbt.type_bigint() }}) as opportunity_id,

        -- attributes
        cast(from_stage as {{ dbt.type_string() }})     as from_stage,
        cast(to_stage as {{ dbt.type_string() }})       as to_stage,
        cast(source_system as {{ dbt.type_string() }})  as source_system,
        cast(version as {{ dbt.type_bigint() }})        as version,

        -- amounts
        cast(amount as {{ type_decimal() }})            as amount,

        -- numbers
        cast(changed_by as {{ dbt.type_bigint() }})     as changed_by,
        cast(created_by as {{ dbt.type_bigint() }})     as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})     as updated_by,

        -- dates
        cast(close_date as {{ type_date() }})           as close_date,

        -- timestamps (Asia/Shanghai local)
        cast(changed_at as {{ dbt.type_timestamp() }})  as changed_at,
        cast(created_at as {{ dbt.type_timestamp() }})  as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})  as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})  as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})    as source_row_number,
        {{ utc_to_local('_loaded_at') }}                as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['stage_change_id'],
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
        stage_change_id,
        owner_id,
        opportunity_id,

        -- attributes
        from_stage,
        to_stage,
        source_system,
        version,

        -- amounts
        amount,

        -- numbers
        changed_by,
        created_by,
        updated_by,

        -- dates
        close_date,

        -- timestamps (Asia/Shanghai local)
        changed_at,
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
