-- The working intervals of every working day as local timestamps: the weekday's hours on
-- ordinary workdays, the exception's own hours on make-up working days (调休, one or more
-- intervals), none on holidays and weekends. Business time = overlap of a clock with these
-- intervals.

with

calendar_days as (

    select * from {{ ref('int_service_calendar_days') }}

),

working_hours as (

    select * from {{ source('settings', 'working_hours') }}

),

exception_hours as (

    select * from {{ source('settings', 'calendar_exception_hours') }}

),

ordinary_days as (

    select
        calendar_days.calendar_date,
        calendar_days.day_type,
        {{ service_hhmm_to_minutes('working_hours.start_time') }} as start_minute,
        {{ service_hhmm_to_minutes('working_hours.end_time') }}   as end_minute
    from calendar_days
    inner join working_hours
        on calendar_days.iso_weekday = working_hours.iso_weekday
    where calendar_days.day_type = 'workday'

),

makeup_days as (

    select
        calendar_days.calendar_date,
        calendar_days.day_type,
        {{ service_hhmm_to_minutes('exception_hours.start_time') }} as start_minute,
        {{ service_hhmm_to_minutes('exception_hours.end_time') }}   as end_minute
    from calendar_days
    inner join exception_hours
        on calendar_days.calendar_date = exception_hours.calendar_date
    where calendar_days.day_type = 'makeup_workday'

),

unioned as (

    select * from ordinary_days
    union all
    select * from makeup_days

),

final as (

    select
        calendar_date,
        day_type,
        {{ dbt.dateadd('minute', 'start_minute', 'cast(calendar_date as ' ~ dbt.type_timestamp() ~ ')') }} as interval_start,
        {{ dbt.dateadd('minute', 'end_minute', 'cast(calendar_date as ' ~ dbt.type_timestamp() ~ ')') }}   as interval_end,
        end_minute - start_minute as working_minutes
    from unioned
    where end_minute > start_minute

)

select * from final
