{#
    Where a source lives on each engine (issue 8, docs/scale-out.md).

    Every model reads its sources through source(); this override keeps dbt's lineage
    (builtins.source) and dispatches only the relation the SQL is given:
    - duckdb: unchanged. Raw sources are read_parquet(...) over the raw layer (their
      meta.external_location); tables written by Python assets are warehouse tables.
    - spark: Spark reads the same files directly as parquet.`<path>`:
        raw sources   -> the path inside meta.external_location (the raw Parquet layer)
        other sources -> <lakehouse>/spark/exchange/<schema>/<table>, the Parquet copy of a
                         Python asset's table (pipelines/spark/mirror.py writes it before
                         each dbt step). Resolved when the model runs, so a source that a later
                         Python asset writes needs to exist only by then.
#}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {{ return(adapter.dispatch('source_relation', 'crmlake')(relation, source_name, table_name)) }}
{%- endmacro %}

{% macro default__source_relation(relation, source_name, table_name) -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro spark__source_relation(relation, source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = crmlake_source_node(source_name, table_name) -%}
    {%- set meta = node.config.get('meta', {}) or node.meta or {} -%}
    {%- set location = meta.get('external_location') or node.meta.get('external_location') -%}
    {%- if location -%}
        {#- the folder, not a glob: Spark then reads every file of it without a warning -#}
        {%- set path = modules.re.search("'([^']+)'", location).group(1) | replace('/*.parquet', '') -%}
    {%- else -%}
        {%- set path = crmlake_spark_exchange_dir() ~ '/' ~ node.schema ~ '/' ~ node.identifier -%}
    {%- endif -%}
    {{ return('parquet.`' ~ path ~ '`') }}
{%- endmacro %}

{% macro crmlake_source_node(source_name, table_name) -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("unknown source " ~ source_name ~ "." ~ table_name) }}
{%- endmacro %}

{# Parquet copies of the Python assets' tables, for Spark (see pipelines/spark/mirror.py). #}
{% macro crmlake_spark_exchange_dir() -%}
    {{ return(env_var('CRMLAKE_LAKEHOUSE_DIR', '../data/lakehouse') ~ '/spark/exchange') }}
{%- endmacro %}
