{#
    built_relation(name, source_name=none): the warehouse relation of model `name` (or of source
    table `name` of `source_name`) if it exists now, else none; named without the database, so
    SQL that stores it (a DuckDB table macro) still resolves in the published copy, which is
    attached under another name. For on-run-end hooks, where ref() cannot be used.
#}
{% macro built_relation(name, source_name=none) -%}
    {%- if source_name is none -%}
        {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
                        | selectattr('name', 'equalto', name) | list -%}
    {%- else -%}
        {%- set nodes = graph.sources.values() | selectattr('source_name', 'equalto', source_name)
                        | selectattr('name', 'equalto', name) | list -%}
    {%- endif -%}
    {%- if not nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = nodes[0] -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema,
                                            identifier=node.identifier if source_name else node.alias) -%}
    {{ return(relation.include(database=False) if relation is not none else none) }}
{%- endmacro %}
