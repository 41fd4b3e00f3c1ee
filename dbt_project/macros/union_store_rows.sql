{#
    union_store_rows(extracted, entered, source_system, source_system_after, defaults={})

    The rows an extract delivered and the rows entered in the operational store for the same
    entity, as one relation (models/intermediate/unioned). Each staging model reads one source;
    this is the one place the two meet, so the column list is not written twice: it is the
    extract's staging model's, read from the warehouse (like dbt_utils.union_relations).

    extracted:           ref() of the extract's staging model; its columns, order and types win
    entered:             ref() of the store's staging model (stg_ops__<table>); its columns of
                         the same name are cast to the extract's types, the others are null
    source_system:       what source_system says for the extract's rows ('xsy', 'callcenter'…);
                         the store's rows carry their own ('ops')
    source_system_after: the column source_system follows (the last id column)
    defaults:            column -> SQL literal for the store's rows where the store has no such
                         column (the CRM's entityType, required, e.g. {'entity_type': "'order'"})

    Portable: plain casts and union all (DuckDB and Spark).
#}
{% macro union_store_rows(extracted, entered, source_system, source_system_after, defaults={}) -%}
    {%- if not execute -%}
        {#- parse time: the relations may not exist yet; dbt only needs the refs -#}
        select * from {{ extracted }} union all select * from {{ entered }}
    {%- else -%}
    {%- set columns = adapter.get_columns_in_relation(extracted) -%}
    {%- set store_columns = adapter.get_columns_in_relation(entered) | map(attribute='name') | map('lower') | list -%}
    {%- if not columns or not store_columns -%}
        {{ exceptions.raise_compiler_error("union_store_rows: build " ~ extracted ~ " and " ~ entered ~ " first (their columns are read from the warehouse)") }}
    {%- endif -%}
    {%- if source_system_after not in (columns | map(attribute='name') | map('lower') | list) -%}
        {{ exceptions.raise_compiler_error("union_store_rows: " ~ extracted ~ " has no column " ~ source_system_after) }}
    {%- endif -%}
    {%- set extract_items = [] -%}
    {%- set store_items = [] -%}
    {%- for c in columns -%}
        {%- set name = c.name | lower -%}
        {%- do extract_items.append(name) -%}
        {%- if name in defaults -%}
            {%- do store_items.append('cast(' ~ defaults[name] ~ ' as ' ~ c.dtype ~ ') as ' ~ name) -%}
        {%- elif name in store_columns -%}
            {%- do store_items.append('cast(' ~ name ~ ' as ' ~ c.dtype ~ ') as ' ~ name) -%}
        {%- else -%}
            {%- do store_items.append('cast(null as ' ~ c.dtype ~ ') as ' ~ name) -%}
        {%- endif -%}
        {%- if name == source_system_after -%}
            {%- do extract_items.append("cast('" ~ source_system ~ "' as " ~ dbt.type_string() ~ ") as source_system") -%}
            {%- do store_items.append('source_system') -%}
        {%- endif -%}
    {%- endfor %}
    -- the extract's rows
    select
        {{ extract_items | join(',\n        ') }}
    from {{ extracted }}

    union all

    -- the store's rows (latest version, soft-deleted rows left out)
    select
        {{ store_items | join(',\n        ') }}
    from {{ entered }}
    {%- endif -%}
{%- endmacro %}
