-- The open pipeline as it stood at the end of each snapshot date, rebuilt from the version
-- history: one row per open opportunity per snapshot date. A change made later never leaks into
-- an earlier snapshot (only versions with valid_from before the next midnight count).
-- Calendar: daily for the last sales.yml daily_snapshot_days (default 92) days up to the data's
-- end date, and before that weekly (every 7th day counted back from the end date) plus every
-- month end. Any other date: macro sales_pipeline_as_of / apps.sales_data.pipeline_as_of.

with

versions as (

    select * from {{ ref('opportunity_versions') }}

),

opportunities as (

    select opportunity_id, owner_id, department_id, lead_source, campaign_id, opportunity_type,
           account_id, company_key
    from {{ ref('opportunities') }}

),

parameters as (

    select sales_daily_snapshot_days
    from {{ source('settings', 'parameters') }}

),

days as (

    {{ sales_version_days('versions') }}

),

calendar as (

    select
        days.date_day                                                    as snapshot_date,
        case
            when {{ dbt.datediff('days.date_day', 'days.end_date', 'day') }}
                 < parameters.sales_daily_snapshot_days then 'daily'
            when {{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} - 7
                 * floor({{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} / 7) = 0
                 then 'weekly'
            else 'month_end'
        end                                                              as snapshot_kind,
        {{ dbt.dateadd('day', 1, 'cast(days.date_day as ' ~ dbt.type_timestamp() ~ ')') }}
                                                                         as cutoff_at
    from days
    cross join parameters
    where {{ dbt.datediff('days.date_day', 'days.end_date', 'day') }}
              < parameters.sales_daily_snapshot_days
       or {{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} - 7
              * floor({{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} / 7) = 0
       or {{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'days.date_day')) }}
              = {{ dbt.dateadd('day', 1, 'days.date_day') }}

),

as_of as (

    select
        calendar.snapshot_date,
        calendar.snapshot_kind,
        versions.*
    from calendar
    inner join versions
        on versions.valid_from < calendar.cutoff_at
       and (versions.valid_to is null or versions.valid_to >= calendar.cutoff_at)
    where not versions.is_closed

),

final as (

    select
        -- keys
        as_of.snapshot_date,
        as_of.snapshot_kind,
        as_of.opportunity_id,
        opportunities.owner_id,
        opportunities.department_id,
        opportunities.campaign_id,
        opportunities.lead_source,
        opportunities.opportunity_type,
        opportunities.account_id,
        opportunities.company_key,

        -- state as of the snapshot
        as_of.stage,
        as_of.stage_order,
        as_of.stage_probability,
        as_of.forecast_category,
        as_of.amount,
        cast(as_of.amount * as_of.stage_probability as {{ type_decimal() }})  as weighted_amount,
        as_of.close_date,
        cast({{ dbt.date_trunc('quarter', 'as_of.close_date') }} as {{ type_date() }})
                                                                              as close_quarter,
        as_of.close_date_push_count,
        case when as_of.close_date < as_of.snapshot_date then true else false end
                                                                              as is_past_due,
        {{ dbt.datediff('as_of.stage_entered_at', 'cast(as_of.snapshot_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }}
                                                                              as days_in_stage,
        {{ dbt.datediff('as_of.opportunity_created_at', 'cast(as_of.snapshot_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }}
                                                                              as age_days,
        as_of.stage_change_id                                                 as as_of_stage_change_id

    from as_of
    inner join opportunities
        on as_of.opportunity_id = opportunities.opportunity_id

)

select * from final
