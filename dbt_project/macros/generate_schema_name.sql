{#
    Use a model's custom schema verbatim (staging, sales, finance, ...) instead of dbt's
    default <target_schema>_<custom_schema>: the published snapshot keeps the same schema
    names in every environment, and environments are separated by the warehouse file.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
