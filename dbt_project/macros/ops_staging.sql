{#
    ops_staging(table, key): the staging model of one operational-store table, as
    models/staging/ops/stg_ops__<table>.sql calls it.

    The store's staging is pure mechanics, the same for every table, so it lives here once
    instead of in 22 copies: every column of source('ops', table) cast to the type its
    `data_type` in _ops__sources.yml declares (scripts/generate_ops_staging.py writes those
    from the store's SQLAlchemy models), `id` renamed to `key`, the lineage columns
    (staging_lineage); one row per key, the highest version, then the latest extraction
    (staging_latest); rows whose latest version is soft-deleted left out.
    Plain casts only, so dbt-spark runs it unchanged. The columns are read from the graph, which
    dbt fills at execution; at parse time only the source() dependency matters.
#}
{% macro ops_staging(table, key) -%}
    {%- set relation = source('ops', table) -%}
    {%- set columns = ops_source_columns(table) if execute else {} -%}
    {%- set selected = [] -%}  {# [expression, name] of the store columns, in the YAML's order #}
    {%- for name, column in columns.items() if not name.startswith('_') -%}
        {%- set target = ops_cast_type(table, name, column.data_type) -%}
        {%- do selected.append(['cast(' ~ name ~ ' as ' ~ target ~ ')', key if name == 'id' else name]) -%}
    {%- endfor %}

with

renamed as (

    select
        {%- for expression, name in selected %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        {{ staging_lineage() }}

    from {{ relation }}

),

deduplicated as (

    {{ staging_latest([key], newest_first=['version desc']) }}

)

select
    {%- for expression, name in selected %}
    {{ name }},
    {%- endfor %}
    source_file,
    source_row_number,
    loaded_at

from deduplicated
where deleted_at is null
{%- endmacro %}


{# Columns (name -> node column, in YAML order) of source('ops', table), from the graph. #}
{% macro ops_source_columns(table) -%}
    {%- for node in graph.sources.values() if node.source_name == 'ops' and node.name == table -%}
        {{ return(node.columns) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("ops_staging: no source ops." ~ table ~ " in _ops__sources.yml") }}
{%- endmacro %}


{# The project's cast target of a raw column's declared data_type (the generator's _typed). #}
{% macro ops_cast_type(table, name, data_type) -%}
    {%- set declared = (data_type or '') | lower | replace(' ', '') -%}
    {%- set simple = {
        'bigint': dbt.type_bigint(),
        'varchar': dbt.type_string(),
        'boolean': dbt.type_boolean(),
        'double': dbt.type_float(),
        'date': type_date(),
        'timestamp': dbt.type_timestamp(),
    } -%}
    {%- if declared in simple -%}
        {{ return(simple[declared]) }}
    {%- elif declared.startswith('decimal(') -%}
        {%- set precision, scale = declared[8:-1].split(',') -%}
        {{ return(type_decimal(precision | int, scale | int)) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("ops_staging: ops." ~ table ~ "." ~ name ~ " has data_type '" ~ data_type ~ "', which has no cast") }}
{%- endmacro %}
