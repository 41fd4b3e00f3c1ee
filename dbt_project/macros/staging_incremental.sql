{#
    Incremental staging for the large, append-mostly sources (issue 16).

    A staging model keeps the latest delivered version of each key (staging_latest). That latest
    version over all history is the latest of (the key's row already in the table, the key's
    newly loaded rows), so a run only has to look again at the keys that new loads touch. On an
    incremental run (DuckDB, the table exists, the pipeline did not ask for --full-refresh: see
    pipelines/dbt/assets.py) a model built with these macros:

    1. finds the touched keys (staging_touched_keys): the keys of the raw rows loaded after the
       newest `loaded_at` in the table, and the keys whose row in the table came from a landing
       file that was loaded again since or whose raw rows are gone (a re-delivery replaces its
       file's raw rows, a rejected one removes them: a key the file no longer holds must fall
       back to an older version, or go);
    2. recomputes those keys from all their raw versions with the model's own dedupe and
       filters (staging_latest reads only the touched keys' rows);
    3. adds a tombstone (the key, every other column null) for each touched key the model no
       longer emits: deleted in the CRM, or gone with a re-delivered file (staging_tombstones);
    4. replaces exactly the touched keys in the table (the `replace_keys` strategy below):
       their old rows out, the recomputed ones in, tombstones never inserted.

    The result is the table a full rebuild computes: tests/test_incremental_equivalence.py
    proves it over two next-day deliveries with late corrections, re-delivered files and deletes.
    A model without is_incremental() (first build, --full-refresh, Spark) compiles to the plain
    full model. Keys are compared with `is not distinct from`, as the full model's partition by
    groups null keys together.
#}

{#- staging_incremental_config(keys): the config of an incremental staging model (a table on Spark). -#}
{% macro staging_incremental_config(key_columns) -%}
    {{ return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'replace_keys',
        'unique_key': key_columns,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}


{#- Whether this build updates an incremental staging model in place (a dbt unit test has no `this` unless given). -#}
{% macro staging_is_incremental() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}


{#- The CTE of touched keys (with its trailing comma), after `renamed`; nothing on a full build. -#}
{% macro staging_touched_keys(key_columns) -%}
{%- if staging_is_incremental() %}
_loaded_since as (  -- raw rows loaded after the newest load already in the table
    select * from renamed
    where loaded_at > (select coalesce(max(loaded_at), '-infinity'::timestamp) from {{ this }})
),

touched_keys as (
    select {{ key_columns | join(', ') }} from _loaded_since
    union
    select {{ key_columns | join(', ') }} from {{ this }}
    where source_file in (select source_file from _loaded_since)
       or source_file not in (select distinct source_file from renamed where source_file is not null)
),
{%- endif %}
{%- endmacro %}


{#- What staging_latest dedupes: every row of `renamed`, or on an incremental run the touched keys' rows. -#}
{% macro staging_rows_to_dedupe(key_columns) -%}
{%- if staging_is_incremental() -%}
    (select _renamed.* from renamed as _renamed semi join touched_keys as _touched
     on {% for key in key_columns %}_renamed.{{ key }} is not distinct from _touched.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %})
{%- else -%}
    renamed
{%- endif -%}
{%- endmacro %}


{#- After the model's `select * from final`: a tombstone per touched key it no longer emits. -#}
{% macro staging_tombstones(key_columns) -%}
{%- if staging_is_incremental() %}
union all by name
select {% for key in key_columns %}_touched.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
from touched_keys as _touched
anti join final as _kept
    on {% for key in key_columns %}_touched.{{ key }} is not distinct from _kept.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endif %}
{%- endmacro %}


{#
    The `replace_keys` incremental strategy: delete the rows of every key in the new batch,
    insert the batch's real rows (a tombstone has no source_file: every loaded row has one).
#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as _target
    where exists (
        select 1 from {{ batch }} as _batch
        where {% for key in keys %}_batch.{{ key }} is not distinct from _target.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    );
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }} where source_file is not null
{%- endmacro %}
