-- Every open opportunity with its last touch (stage change, activity on the deal, or creation) up
-- to the snapshot's as-of, the days since, and whether it is stalled: at least sales.yml
-- stalled_deal_days days without a stage change or an activity (as-of date minus the last
-- touch's date: a deal last touched exactly N days before the as-of counts, N-1 does not; the
-- same rule as the stalled_opportunity alert). Its amount band (sales.yml amount_bands,
-- [lower, upper)) groups the stalled deals on the activities page.

with

opportunities as (

    select * from {{ ref('opportunities') }}
    where not is_closed
      and created_at <= {{ as_of_at() }}

),

stage_changes as (

    select opportunity_id, max(changed_at) as last_stage_change_at
    from {{ ref('int_opportunity_stage_history_unioned') }}
    where changed_at <= {{ as_of_at() }}
    group by opportunity_id

),

deal_activities as (

    select opportunity_id, max(activity_time) as last_activity_at, count(*) as activities
    from {{ ref('stg_crm__activities') }}
    where opportunity_id is not null
      and activity_time <= {{ as_of_at() }}
    group by opportunity_id

),

settings as (

    select sales_stalled_deal_days as stalled_deal_days from {{ source('settings', 'parameters') }}

),

bands as (

    select band, lower_bound, upper_bound, sort_order
    from {{ source('settings', 'sales_bands') }}
    where band_kind = 'amount'

),

touched as (

    select
        opportunities.opportunity_id,
        opportunities.opportunity_name,
        opportunities.account_id,
        opportunities.company_key,
        opportunities.account_name,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.department_id,
        opportunities.department_name,
        opportunities.stage,
        opportunities.amount,
        opportunities.expected_close_date,
        opportunities.created_at,
        stage_changes.last_stage_change_at,
        deal_activities.last_activity_at,
        coalesce(deal_activities.activities, 0)                              as activities,
        -- the latest of the three; creation when nothing else happened
        case
            when coalesce(stage_changes.last_stage_change_at, opportunities.created_at)
                 >= coalesce(deal_activities.last_activity_at, opportunities.created_at)
                then coalesce(stage_changes.last_stage_change_at, opportunities.created_at)
            else deal_activities.last_activity_at
        end                                                                  as last_touch_raw
    from opportunities
    left join stage_changes on opportunities.opportunity_id = stage_changes.opportunity_id
    left join deal_activities on opportunities.opportunity_id = deal_activities.opportunity_id

),

measured as (

    select
        touched.opportunity_id,
        touched.opportunity_name,
        touched.account_id,
        touched.company_key,
        touched.account_name,
        touched.owner_id,
        touched.owner_name,
        touched.department_id,
        touched.department_name,
        touched.stage,
        touched.amount,
        bands.band                                                           as amount_band,
        bands.sort_order                                                     as amount_band_order,
        touched.expected_close_date,
        touched.created_at,
        touched.last_stage_change_at,
        touched.last_activity_at,
        touched.activities,
        case when touched.last_touch_raw < touched.created_at then touched.created_at
             else touched.last_touch_raw end                                 as last_touch_at,
        settings.stalled_deal_days,
        {{ as_of_date() }}                                                   as as_of_date
    from touched
    cross join settings
    left join bands
        on (bands.lower_bound is null or touched.amount >= bands.lower_bound)
       and (bands.upper_bound is null or touched.amount < bands.upper_bound)

),

final as (

    select
        opportunity_id,
        opportunity_name,
        account_id,
        company_key,
        account_name,
        owner_id,
        owner_name,
        department_id,
        department_name,
        stage,
        amount,
        amount_band,
        amount_band_order,
        expected_close_date,
        created_at,
        last_stage_change_at,
        last_activity_at,
        activities,
        last_touch_at,
        {{ dbt.datediff('cast(last_touch_at as ' ~ type_date() ~ ')', 'as_of_date', 'day') }} as idle_days,
        stalled_deal_days,
        case when {{ dbt.datediff('cast(last_touch_at as ' ~ type_date() ~ ')', 'as_of_date', 'day') }}
                  >= stalled_deal_days then true else false end              as is_stalled,
        as_of_date
    from measured

)

select * from final
