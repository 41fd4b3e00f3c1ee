-- callcenter.work_orders: Field service work orders (服务派工) dispatched by grab (抢单) or assignment
-- (派单). One row per work_order_no: the latest version, i.e. the latest load (the source has no
-- version field).

with

source as (

    select * from {{ source('callcenter', 'work_orders') }}

),

renamed as (

    select
        -- ids
        cast(work_order_no as {{ dbt.type_string() }})    as work_order_no,
        cast(ticket_no as {{ dbt.type_string() }})        as ticket_no,
        cast(account_id as {{ dbt.type_bigint() }})       as account_id,
        cast(engineer_id as {{ dbt.type_string() }})      as engineer_id,

        -- attributes
        cast(service_type as {{ dbt.type_string() }})     as service_type,
        cast(dispatch_mode as {{ dbt.type_string() }})    as dispatch_mode,
        cast(team as {{ dbt.type_string() }})             as team,
        cast(status as {{ dbt.type_string() }})           as status,

        -- flags
        cast(first_time_fix as {{ dbt.type_boolean() }})  as is_first_time_fix,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})    as created_at,
        cast(dispatched_at as {{ dbt.type_timestamp() }}) as dispatched_at,
        cast(accepted_at as {{ dbt.type_timestamp() }})   as accepted_at,
        cast(arrived_at as {{ dbt.type_timestamp() }})    as arrived_at,
        cast(completed_at as {{ dbt.type_timestamp() }})  as completed_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['work_order_no']) }}
),

final as (

    select
        -- ids
        work_order_no,
        ticket_no,
        account_id,
        engineer_id,

        -- attributes
        service_type,
        dispatch_mode,
        team,
        status,

        -- flags
        is_first_time_fix,

        -- timestamps (Asia/Shanghai local)
        created_at,
        dispatched_at,
        accepted_at,
        arrived_at,
        completed_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
