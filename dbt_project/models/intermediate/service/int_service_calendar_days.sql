-- One row per calendar day of the service business calendar (range: int_service_calendar_range,
-- from the data), with its day type: workday, weekend, holiday or makeup_workday (调休), from
-- the settings folder's calendar (settings.working_hours, settings.calendar_exceptions).

with

working_hours as (

    select * from {{ source('settings', 'working_hours') }}

),

exceptions as (

    select * from {{ source('settings', 'calendar_exceptions') }}

),

calendar_range as (

    select * from {{ ref('int_service_calendar_range') }}

),

-- a portable day spine: 0..99999 days (273 years) from the range start, cut at its end
digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

offsets as (

    select ten_thousands.d * 10000 + thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + ones.d as day_offset
    from digits as ten_thousands
    cross join digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones

),

spine as (

    select
        cast({{ dbt.dateadd('day', 'offsets.day_offset', 'calendar_range.first_date') }} as {{ type_date() }}) as calendar_date,
        calendar_range.last_date
    from offsets
    cross join calendar_range

),

in_range as (

    select calendar_date
    from spine
    where calendar_date <= last_date

),

weekdays_with_hours as (

    select distinct iso_weekday from working_hours

),

final as (

    select
        in_range.calendar_date,
        {{ service_iso_weekday('in_range.calendar_date') }} as iso_weekday,
        case
            when exceptions.day_type is not null then exceptions.day_type
            when weekdays_with_hours.iso_weekday is not null then 'workday'
            else 'weekend'
        end as day_type,
        exceptions.name as exception_name,
        case
            when exceptions.day_type = 'makeup_workday' then true
            when exceptions.day_type = 'holiday' then false
            else weekdays_with_hours.iso_weekday is not null
        end as is_working_day

    from in_range
    left join exceptions
        on in_range.calendar_date = exceptions.calendar_date
    left join weekdays_with_hours
        on {{ service_iso_weekday('in_range.calendar_date') }} = weekdays_with_hours.iso_weekday

)

select * from final
