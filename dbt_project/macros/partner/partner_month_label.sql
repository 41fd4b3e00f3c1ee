{# 'YYYY-MM' label of a date or timestamp (partner report months). #}
{% macro partner_month_label(expr) -%}
    {{ return(adapter.dispatch('partner_month_label')(expr)) }}
{%- endmacro %}

{% macro duckdb__partner_month_label(expr) -%}
    strftime(cast({{ expr }} as date), '%Y-%m')
{%- endmacro %}

{% macro default__partner_month_label(expr) -%}
    date_format(cast({{ expr }} as date), 'yyyy-MM')
{%- endmacro %}
