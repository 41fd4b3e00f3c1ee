-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.deliveries: rows of the operational store's table deliveries (entry screens), as
-- extracted into raw/ops. One row per delivery_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'deliveries') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as delivery_id,
        cast(owner_id as {{ dbt.type_bigint() }})      as owner_id,
        cast(delivery_no as {{ dbt.type_string() }})   as delivery_no,
        cast(account_id as {{ dbt.type_bigint() }})    as account_id,
        cast(tracking_no as {{ dbt.type_string() }})   as tracking_no,

        -- attributes
        cast(note as {{ dbt.type_string() }})          as note,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(version as {{ dbt.type_bigint() }})       as version,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})    as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})    as updated_by,

        -- dates
        cast(delivery_date as {{ type_date() }})       as delivery_date,

        -- timestamps (Asia/Shanghai local)
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
        key_columns=['delivery_id'],
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
        delivery_id,
        owner_id,
        delivery_no,
        account_id,
        tracking_no,

        -- attributes
        note,
        source_system,
        version,

        -- numbers
        created_by,
        updated_by,

        -- dates
        delivery_date,

        -- timestamps (Asia/Shanghai local)
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
