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

{# The as-of date of protection checks: var partner_as_of (YYYY-MM-DD), else today. #}
{% macro partner_as_of() -%}
    {%- if var('partner_as_of', none) -%}
        cast('{{ var("partner_as_of") }}' as date)
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- endif -%}
{%- endmacro %}
