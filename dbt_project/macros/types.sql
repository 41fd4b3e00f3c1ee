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


{#
    round_half_up(expr, scale): a double rounded to `scale` places, half away from zero, the same
    on every engine; the result is a double.

    round() on a double differs at ties: DuckDB rounds the binary value (0.78875 is stored as
    0.78874999..., so 0.7887), Spark rounds its shortest decimal string (0.7888). Fixing the
    value at `scale` + 4 places first makes both round the decimal, half up (0.7888; 2538.845 ->
    2538.85; 905,420.775 -> 905,420.78). Not at a fixed 10 places: a cast to decimal reads the
    exact binary value on DuckDB (905420.77499999996... -> .7750000000) but the shortest string
    on Spark (905420.7749999999 -> .7749999999), so large amounts fell a cent apart at S=10.
    Four guard digits sit far above a double's error at money magnitudes (< 1e-7 below 1e9).
    Use it wherever a double (a divide(), a credit share) is rounded or cast to a money decimal;
    better still keep money in decimals, whose products and sums are exact on both engines.
#}
{% macro round_half_up(expr, scale) -%}
    {{ return(adapter.dispatch('round_half_up', 'crmlake')(expr, scale)) }}
{%- endmacro %}

{% macro default__round_half_up(expr, scale) -%}
    cast(round(cast({{ expr }} as decimal(38, {{ scale + 4 }})), {{ scale }}) as double)
{%- endmacro %}
