{#
    The one "as of" of a warehouse snapshot, used by every area (finance reporting date, partner
    protection checks, service SLA clocks).

    as_of_at():   the as-of instant (timestamp)
    as_of_date(): its date

    var as_of pins it: 'YYYY-MM-DD' means the end of that day (23:59:59), 'YYYY-MM-DD HH:MM:SS'
    that instant (tests, backfills). Default: the end of the latest day of activity in the loaded
    data (receipts, installments, deal registrations, tickets and their events), not the wall
    clock, so re-running on the same data gives the same figures, and every area of one snapshot
    counts up to the same day.
#}

{% macro as_of_at() -%}
    {%- set pinned = var('as_of', none) -%}
    {%- if pinned -%}
        {%- set text = pinned | string -%}
        {%- if text | length == 10 -%}
            {{ end_of_day("cast('" ~ text ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
        {%- else -%}
            cast('{{ text }}' as {{ dbt.type_timestamp() }})
        {%- endif -%}
    {%- else -%}
        (
            select {{ end_of_day('max(activity_at)') }}
            from (
                select cast(max(receipt_date) as {{ dbt.type_timestamp() }}) as activity_at
                from {{ ref('int_receipts_unioned') }}
                union all
                select max(created_at) as activity_at from {{ ref('int_payment_installments_unioned') }}
                union all
                select max(submitted_at) as activity_at from {{ ref('int_deal_registrations_unioned') }}
                union all
                select max(approved_at) as activity_at from {{ ref('int_deal_registrations_unioned') }}
                union all
                select max(created_at) as activity_at from {{ ref('int_tickets_unioned') }}
                union all
                select max(event_time) as activity_at from {{ ref('stg_callcenter__ticket_events') }}
            ) as activity
        )
    {%- endif -%}
{%- endmacro %}


{% macro as_of_date() -%}
    cast({{ as_of_at() }} as {{ type_date() }})
{%- endmacro %}


{# 23:59:59 of the day of a timestamp #}
{% macro end_of_day(timestamp_expr) -%}
    {{ dbt.dateadd('second', -1, dbt.dateadd('day', 1, dbt.date_trunc('day', timestamp_expr))) }}
{%- endmacro %}
