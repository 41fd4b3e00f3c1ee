{#
    Helpers of the service business calendar and SLA models.

    service_iso_weekday(date): 1 = Monday ... 7 = Sunday on every engine.
    service_hhmm_to_minutes(text): 'HH:MM' -> minutes after midnight (portable substr/cast).
    service_sla_as_of(): the instant SLAs are computed "as of": var service_sla_as_of
        ('YYYY-MM-DD HH:MM:SS') when set, else the end of the last day that has ticket data
        (23:59:59 of the latest ticket creation or event), so re-running on the same data gives
        the same answer whatever the wall clock says.
#}

{% macro service_iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('service_iso_weekday', 'crmlake')(date_expr)) }}
{%- endmacro %}

{% macro duckdb__service_iso_weekday(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{% macro default__service_iso_weekday(date_expr) -%}
    (((dayofweek({{ date_expr }}) + 5) % 7) + 1)
{%- endmacro %}


{% macro service_hhmm_to_minutes(text_expr) -%}
    (cast(substr({{ text_expr }}, 1, 2) as {{ dbt.type_int() }}) * 60
        + cast(substr({{ text_expr }}, 4, 2) as {{ dbt.type_int() }}))
{%- endmacro %}


{% macro service_sla_as_of(latest_expr) -%}
    {%- set as_of = var('service_sla_as_of', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ dbt.dateadd('second', -1, dbt.dateadd('day', 1, dbt.date_trunc('day', latest_expr))) }}
    {%- endif -%}
{%- endmacro %}
