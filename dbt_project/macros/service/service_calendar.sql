{#
    Helpers of the service business calendar and SLA models.

    service_iso_weekday(date): 1 = Monday ... 7 = Sunday on every engine.
    service_hhmm_to_minutes(text): 'HH:MM' -> minutes after midnight (portable substr/cast).
    SLAs are computed as of the snapshot's one as-of instant, as_of_at() (macros/as_of.sql).
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

