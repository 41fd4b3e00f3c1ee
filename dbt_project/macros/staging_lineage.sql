{#
    staging_lineage(): the three lineage columns every staging model carries from the raw layer
    (pipelines/ingest adds _source_file, _row_number and _loaded_at to each row it loads):
    which landing file and row a record came from, and when it was loaded (local time).
    One home, so a new staging model cannot spell them differently.
#}
{% macro staging_lineage() -%}
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_row_number as {{ dbt.type_bigint() }}) as source_row_number,
        {{ utc_to_local('_loaded_at') }} as loaded_at
{%- endmacro %}


{#
    crm_record_metadata(): what every 销售易 object's staging ends with: createdAt / updatedAt
    (epoch milliseconds, UTC) as local created_at / updated_at, then the lineage columns. One
    home for the CRM's record-time rule.
#}
{% macro crm_record_metadata() -%}
        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }} as created_at,
        {{ epoch_ms_to_local('updatedAt') }} as updated_at,

        -- lineage
        {{ staging_lineage() }}
{%- endmacro %}


{#- crm_record_metadata_columns(): the names crm_record_metadata() creates, for a model's final select. -#}
{% macro crm_record_metadata_columns() -%}
        created_at,
        updated_at,
        {{ staging_lineage_columns() }}
{%- endmacro %}


{#- staging_lineage_columns(): the names staging_lineage() creates, for a model's final select. -#}
{% macro staging_lineage_columns() -%}
        source_file,
        source_row_number,
        loaded_at
{%- endmacro %}
