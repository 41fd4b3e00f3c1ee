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
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['agent_id']) }}
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
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
