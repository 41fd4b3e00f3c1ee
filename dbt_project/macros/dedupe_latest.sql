{#
    Keep the latest version of each key: the first row per key_columns in order_by.

    The raw layer keeps every version a source delivered (the same record on several pages,
    a later extract carrying an older update), so every staging model dedupes through here.

    relation_or_cte: a relation or the name of a CTE
    key_columns:     a column name or a list of them
    order_by:        a list of order-by items, latest first, e.g.
                     ['updated_at desc', 'loaded_at desc'] (nulls last is added unless given)

    Uses row_number() in a subquery rather than QUALIFY so that Spark and other engines
    without QUALIFY run it unchanged. The result keeps every input column plus
    _dedupe_rank (always 1); list the columns you want in the next CTE.
#}
{% macro dedupe_latest(relation_or_cte, key_columns, order_by) -%}
    {%- set keys = [key_columns] if key_columns is string else key_columns -%}
    {%- set orders = [order_by] if order_by is string else order_by -%}
    {%- if not keys or not orders -%}
        {{ exceptions.raise_compiler_error("dedupe_latest needs at least one key column and one order-by item") }}
    {%- endif -%}
    select *
    from (
        select
            _dedupe_input.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by
                    {%- for item in orders %}
                    {{ item }}{% if 'nulls' not in (item | lower) %} nulls last{% endif %}{% if not loop.last %},{% endif %}
                    {%- endfor %}
            ) as _dedupe_rank
        from {{ relation_or_cte }} as _dedupe_input
    ) as _dedupe_ranked
    where _dedupe_rank = 1
{%- endmacro %}


{#
    staging_latest(key_columns, newest_first=[]): the one rule for which delivered row of a record
    a staging model keeps: the newest by the model's own version columns (newest_first, e.g.
    ['updated_at desc']), then the latest load, then the later landing file and row. An
    incremental staging model (macros/staging_incremental.sql) dedupes only its touched keys.
#}
{% macro staging_latest(key_columns, newest_first=[]) -%}
    {{ dedupe_latest(staging_rows_to_dedupe(key_columns), key_columns=key_columns,
                     order_by=newest_first + ['loaded_at desc', 'source_file desc', 'source_row_number desc']) }}
{%- endmacro %}
