{#
    Column types the contract uses that dbt has no cross-database macro for
    (dbt.type_string, type_bigint, type_float, type_boolean and type_timestamp cover the rest).
#}

{# decimal(18,2): money and quantities, as the raw layer stores them #}
{% macro type_decimal(precision=18, scale=2) -%}
    {{ return(adapter.dispatch('type_decimal', 'crmlake')(precision, scale)) }}
{%- endmacro %}

{% macro default__type_decimal(precision, scale) -%}
    decimal({{ precision }}, {{ scale }})
{%- endmacro %}


{% macro type_date() -%}
    {{ return(adapter.dispatch('type_date', 'crmlake')()) }}
{%- endmacro %}

{% macro default__type_date() -%}
    date
{%- endmacro %}
