-- What the dispatch pool's forced assignment knows of each field engineer (operational/workflows/
-- dispatch.py): team, CRM login, home city and the service types done. Engineers: role
-- field_engineer, or anyone who has taken work orders (at small scale the team lead does). The sources carry no
-- engineer address, so the home city is the city where most of the customers of the engineer's
-- work orders are (ties: the first by name); skills are the service types of the engineer's
-- completed orders. One row per engineer and service type done (service_type null: none yet).

with

work_orders as (

    select * from {{ ref('int_work_orders_unioned') }}

),

engineers as (  -- field engineers, and anyone else who has taken work orders (a small team's lead)

    select agent_id as engineer_id, agent_name as engineer_name, team, crm_user_id
    from {{ ref('stg_callcenter__agents') }}
    where role = 'field_engineer'
        or agent_id in (select engineer_id from work_orders where engineer_id is not null)

),

accounts as (

    select account_id, city from {{ ref('int_accounts_unioned') }}

),

cities as (

    select
        work_orders.engineer_id,
        accounts.city,
        count(*) as orders
    from work_orders
    inner join accounts
        on work_orders.account_id = accounts.account_id
    where work_orders.engineer_id is not null and accounts.city is not null
    group by work_orders.engineer_id, accounts.city

),

home as (

    select engineer_id, city as home_city
    from (
        select
            engineer_id,
            city,
            row_number() over (partition by engineer_id order by orders desc, city) as rank_in_engineer
        from cities
    ) ranked
    where rank_in_engineer = 1

),

skills as (

    select distinct engineer_id, service_type
    from work_orders
    where status = 'completed' and engineer_id is not null and service_type is not null

),

final as (

    select
        engineers.engineer_id,
        engineers.engineer_name,
        engineers.team,
        engineers.crm_user_id,
        home.home_city,
        skills.service_type
    from engineers
    left join home
        on engineers.engineer_id = home.engineer_id
    left join skills
        on engineers.engineer_id = skills.engineer_id

)

select * from final
