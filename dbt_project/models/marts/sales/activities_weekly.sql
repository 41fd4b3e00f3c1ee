-- Visits (拜访) and follow-ups (跟进) per rep per week (weeks start on Monday), up to the
-- snapshot's as-of. A visit is activity_type 'visit' (on site); every other type (call, WeChat,
-- e-mail, meeting) is a follow-up. An activity without an owner is nobody's effort and is left
-- out. The rep's department is the user's current department (stg_crm__users).

with

activities as (

    select * from {{ ref('stg_crm__activities') }}
    where owner_id is not null
      and activity_time <= {{ as_of_at() }}

),

opportunities as (

    select opportunity_id, account_id from {{ ref('int_opportunities_unioned') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

weekly as (

    select
        cast({{ dbt.date_trunc('week', 'activities.activity_time') }} as {{ type_date() }}) as week_start,
        activities.owner_id,
        count(*)                                                                     as activities,
        cast(sum(case when activities.activity_type = 'visit' then 1 else 0 end) as {{ dbt.type_bigint() }}) as visits,
        cast(sum(case when activities.activity_type <> 'visit' then 1 else 0 end) as {{ dbt.type_bigint() }}) as follow_ups,
        cast(sum(case when activities.activity_type = 'call' then 1 else 0 end) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when activities.activity_type = 'wechat' then 1 else 0 end) as {{ dbt.type_bigint() }}) as wechats,
        cast(sum(case when activities.activity_type = 'email' then 1 else 0 end) as {{ dbt.type_bigint() }}) as emails,
        cast(sum(case when activities.activity_type = 'meeting' then 1 else 0 end) as {{ dbt.type_bigint() }}) as meetings,
        -- the account of the activity, else the account of its opportunity
        count(distinct coalesce(activities.account_id, opportunities.account_id))    as accounts_touched,
        count(distinct activities.opportunity_id)                                    as opportunities_touched,
        count(distinct activities.lead_id)                                           as leads_touched,
        cast(sum(coalesce(activities.duration_minutes, 0)) as {{ dbt.type_bigint() }}) as duration_minutes
    from activities
    left join opportunities on activities.opportunity_id = opportunities.opportunity_id
    group by 1, 2

),

final as (

    select
        weekly.week_start,
        weekly.owner_id,
        users.user_name                  as owner_name,
        users.department_id,
        departments.department_name,
        weekly.activities,
        weekly.visits,
        weekly.follow_ups,
        weekly.calls,
        weekly.wechats,
        weekly.emails,
        weekly.meetings,
        weekly.accounts_touched,
        weekly.opportunities_touched,
        weekly.leads_touched,
        weekly.duration_minutes
    from weekly
    left join users on weekly.owner_id = users.user_id
    left join departments on users.department_id = departments.department_id

)

select * from final
