{#
    The one "as of" of a warehouse snapshot, used by every area (sales pipeline and forecast
    end, finance reporting date, partner protection checks, service SLA clocks) and by the Python
    readers through the table intermediate.int_snapshot_as_of.

    as_of_at():   the as-of instant (timestamp)
    as_of_date(): its date

    var as_of pins it: 'YYYY-MM-DD' means the end of that day (23:59:59), 'YYYY-MM-DD HH:MM:SS'
    that instant (tests, backfills); a pinned as-of is a literal, so a model built on its own
    needs nothing else. Default: the row of int_snapshot_as_of, the end of the latest day of
    activity in the loaded data, computed once per build.
#}

{% macro as_of_at() -%}
    {%- set pinned = pinned_as_of_at() -%}
    {%- if pinned -%}
        {{ pinned }}
    {%- else -%}
        (select as_of_at from {{ ref('int_snapshot_as_of') }})
    {%- endif -%}
{%- endmacro %}


{% macro as_of_date() -%}
    cast({{ as_of_at() }} as {{ type_date() }})
{%- endmacro %}


{# The pinned as-of as a timestamp literal, or none when var as_of is unset. #}
{% macro pinned_as_of_at() -%}
    {%- set pinned = var('as_of', none) -%}
    {%- if not pinned -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set text = pinned | string -%}
    {%- set instant = "cast('" ~ text ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- do return(end_of_day(instant) if text | length == 10 else instant) -%}
{%- endmacro %}


{# 23:59:59 of the day of a timestamp #}
{% macro end_of_day(timestamp_expr) -%}
    {{ dbt.dateadd('second', -1, dbt.dateadd('day', 1, dbt.date_trunc('day', timestamp_expr))) }}
{%- endmacro %}
