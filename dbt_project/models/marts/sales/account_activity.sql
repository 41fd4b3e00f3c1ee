-- Every account with its last activity (拜访/跟进) up to the snapshot's as-of, and whether it is
-- untouched: no activity for at least sales.yml inactive_account_days days (as-of date minus the
-- last activity's date; an account never touched counts from its creation date). An activity
-- names its account, else the account of its opportunity. The owner is the account's owner
-- (the rep who should have called), their department the user's current one.

with

accounts as (

    select account_id, account_name, owner_id, created_at from {{ ref('int_accounts_unioned') }}

),

companies as (

    select account_id, company_key from {{ ref('int_account_companies') }}

),

opportunities as (

    select opportunity_id, account_id from {{ ref('int_opportunities_unioned') }}

),

activities as (

    select
        coalesce(activities.account_id, opportunities.account_id) as account_id,
        activities.activity_time,
        activities.activity_type
    from {{ ref('stg_crm__activities') }} as activities
    left join opportunities on activities.opportunity_id = opportunities.opportunity_id
    where activities.activity_time <= {{ as_of_at() }}

),

per_account as (

    select
        account_id,
        max(activity_time)                                                    as last_activity_at,
        count(*)                                                              as activities,
        cast(sum(case when activity_time > {{ dbt.dateadd('day', -90, as_of_at()) }} then 1 else 0 end)
             as {{ dbt.type_bigint() }})                                      as activities_last_90_days
    from activities
    where account_id is not null
    group by account_id

),

settings as (

    select sales_inactive_account_days as inactive_account_days from {{ source('settings', 'parameters') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

measured as (

    select
        accounts.account_id,
        companies.company_key,
        accounts.account_name,
        accounts.owner_id,
        users.user_name                                                       as owner_name,
        users.department_id,
        departments.department_name,
        accounts.created_at,
        per_account.last_activity_at,
        coalesce(per_account.activities, 0)                                   as activities,
        coalesce(per_account.activities_last_90_days, 0)                      as activities_last_90_days,
        case when per_account.last_activity_at is null then true else false end
                                                                              as is_never_touched,
        {{ dbt.datediff(
            'cast(coalesce(per_account.last_activity_at, accounts.created_at) as ' ~ type_date() ~ ')',
            as_of_date(), 'day') }}                                           as days_without_activity,
        settings.inactive_account_days,
        {{ as_of_date() }}                                                    as as_of_date
    from accounts
    cross join settings
    left join per_account on accounts.account_id = per_account.account_id
    left join companies on accounts.account_id = companies.account_id
    left join users on accounts.owner_id = users.user_id
    left join departments on users.department_id = departments.department_id
    where accounts.created_at <= {{ as_of_at() }}

),

final as (

    select
        *,
        case when days_without_activity >= inactive_account_days then true else false end as is_inactive
    from measured

)

select * from final
