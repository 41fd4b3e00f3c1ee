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


{#
    divide(numerator, denominator): a ratio as a double on every engine.

    DuckDB divides decimals (money, 86400.0) into a DOUBLE; Spark keeps a DECIMAL whose scale
    it cuts to 6 digits, so a commission share or a days-in-stage figure came out a cent or a
    millionth apart. Every division with a decimal operand goes through here; integer-only
    divisions are doubles on both engines already.
#}
{% macro divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide', 'crmlake')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__divide(numerator, denominator) -%}
    (({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{% macro default__divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / cast({{ denominator }} as double))
{%- endmacro %}
