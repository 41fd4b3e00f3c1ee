{#
    key_conflict_rows(system, entity, staging_model, key_columns, version_column, rule, resolution)

    The raw rows of one source that compete with the row staging kept for the same business key
    and differ from it: the review list behind meta.key_conflicts (issue 14). Staging alone
    decides the winner (dedupe_latest); this macro only finds the kept raw row by its lineage
    (source_file, source_row_number) and lists every other raw row of the key that
    - has the same version (version_column given: two versions with one updatedAt), or
    - exists at all (version_column none: a number re-used, e.g. an ERP invoice number),
    and whose contract columns differ. An identical repeat (a record on two pages, a re-delivery)
    is no conflict. differing_columns names the columns in contract order.
#}
{% macro key_conflict_rows(system, entity, staging_model, key_columns, version_column, rule, resolution) -%}
    {%- set compare = [] -%}
    {%- if execute -%}
        {%- set node = crmlake_source_node(system, entity) -%}
        {%- for name in node.columns -%}
            {%- if not name.startswith('_') and name not in key_columns and name != version_column -%}
                {%- do compare.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set raw = source(system, entity) -%}
    {#- Only keys (and versions) that occur more than once can compete: the self-join below runs
        on those rows instead of pairing every raw row of all history with itself (at S=10 the
        model took 11-17 s of a one-day run for an almost always empty result). A pair of the
        full join has the same key (and version), so both its rows pass this filter. -#}
    {%- set grouped = key_columns + ([version_column] if version_column else []) -%}
    {%- set competing -%}
    (
        select candidate.*
        from {{ raw }} as candidate
        inner join (
            select {{ grouped | join(', ') }}
            from {{ raw }}
            group by {{ grouped | join(', ') }}
            having count(*) > 1
        ) as repeated
            on {% for k in grouped %}candidate.{{ k }} = repeated.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    )
    {%- endset -%}
    select
        cast('{{ system }}' as {{ dbt.type_string() }})                       as system,
        cast('{{ entity }}' as {{ dbt.type_string() }})                       as entity,
        concat_ws('|', {% for k in key_columns %}cast(kept.{{ k }} as {{ dbt.type_string() }}){% if not loop.last %}, {% endif %}{% endfor %}) as record_key,
        {% if version_column -%}
        cast(kept.{{ version_column }} as {{ dbt.type_string() }})            as version,
        {%- else -%}
        cast(null as {{ dbt.type_string() }})                                 as version,
        {%- endif %}
        cast('{{ rule }}' as {{ dbt.type_string() }})                         as rule,
        kept._source_file                                                     as kept_source_file,
        cast(kept._row_number as {{ dbt.type_bigint() }})                     as kept_row_number,
        kept._loaded_at                                                       as kept_loaded_at,
        other._source_file                                                    as other_source_file,
        cast(other._row_number as {{ dbt.type_bigint() }})                    as other_row_number,
        other._loaded_at                                                      as other_loaded_at,
        concat_ws(', '
            {%- for c in compare %},
            case when kept.{{ adapter.quote(c) }} is distinct from other.{{ adapter.quote(c) }} then '{{ c }}' end
            {%- endfor %}
        )                                                                     as differing_columns,
        cast('{{ resolution }}' as {{ dbt.type_string() }})                   as resolution
    from {{ competing }} as kept
    inner join (
        select source_file, source_row_number from {{ ref(staging_model) }}
    ) as staged
        on kept._source_file = staged.source_file
        and kept._row_number = staged.source_row_number
    inner join {{ competing }} as other
        on {% for k in key_columns %}kept.{{ k }} = other.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
        {%- if version_column %}
        and kept.{{ version_column }} = other.{{ version_column }}
        {%- endif %}
    where not (other._source_file = kept._source_file and other._row_number = kept._row_number)
        and (
            {%- for c in compare %}
            kept.{{ adapter.quote(c) }} is distinct from other.{{ adapter.quote(c) }} or
            {%- endfor %}
            1 = 0
        )
{%- endmacro %}
