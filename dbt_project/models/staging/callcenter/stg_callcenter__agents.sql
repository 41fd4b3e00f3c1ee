-- callcenter.agents: Agents and field engineers of the service organisation. One row per agent_id:
-- the latest version, i.e. the latest load (the source has no version field).

with

source as (

    select * from {{ source('callcenter', 'agents') }}

),

renamed as (

    select
        -- ids
        cast(agent_id as {{ dbt.type_string() }})     as agent_id,
        cast(crm_user_id as {{ dbt.type_bigint() }})  as crm_user_id,

        -- attributes
        cast(agent_name as {{ dbt.type_string() }})   as agent_name,
        cast(team as {{ dbt.type_string() }})         as team,
        cast(role as {{ dbt.type_string() }})         as role,

        -- dates
        cast(hired_on as {{ type_date() }})           as hired_on,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})  as source_row_number,
        {{ utc_to_local('_loaded_at') }}              as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['agent_id'],
        order_by=[
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        agent_id,
        crm_user_id,

        -- attributes
        agent_name,
        team,
        role,

        -- dates
        hired_on,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated

)

select * from final
