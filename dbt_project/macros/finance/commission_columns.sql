{#
    Column lists the commission models share, so each has one home.

    commission_source_columns(): what a commission credit or line is for: the person, the
    source document (order or receipt) and the plan that applies (int_commission_credits,
    int_commission_lines).

    commission_no_rate(): the rule columns of a credit that earns nothing (no target, no plan):
    rate 0, no tier.
#}

{% macro commission_source_columns() -%}
        user_id,
        source_type,
        source_id,
        source_no,
        order_id,
        order_no,
        commission_plan_id
{%- endmacro %}


{% macro commission_no_rate() -%}
        cast(0 as {{ type_decimal(18, 4) }}) as rate,
        cast(null as {{ type_decimal(18, 4) }}) as tier_from,
        cast(null as {{ type_decimal(18, 4) }}) as tier_to
{%- endmacro %}
