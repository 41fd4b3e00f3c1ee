{#-
    The table materialization on DuckDB, lean: one `create or replace table ... as` in the model's
    transaction. dbt-duckdb's own builds the table under a temporary name, asks for its indexes,
    renames the old table away and the new one in, and drops the old one: four more statements,
    each with its Jinja, round trip and log events. A whole dbt run at S=10 took 25-27 s instead
    of 28-31 s (docs/performance.md). DuckDB's DDL is transactional, so other connections see
    the old table until the commit, as with the renames. What the project's models do not use
    (contracts, indexes, grants, persisted docs, Python models) fails loudly here rather than
    being ignored; dbt-duckdb's own materialization handles them. Other adapters (Spark) keep
    their own table materialization.
-#}
{% materialization table, adapter="duckdb", supported_languages=['sql'] %}
  {%- set unsupported = [] -%}
  {%- for option in ['grants', 'indexes', 'persist_docs'] if config.get(option) -%}
    {%- do unsupported.append(option) -%}
  {%- endfor -%}
  {%- if model.contract.enforced -%}{%- do unsupported.append('contract') -%}{%- endif -%}
  {%- if unsupported -%}
    {{ exceptions.raise_compiler_error(
        model.unique_id ~ ": the project's table materialization (macros/table_materialization.sql) does not support "
        ~ unsupported | join(', ')) }}
  {%- endif -%}

  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- if existing_relation is not none and not existing_relation.is_table -%}
    {{ drop_relation_if_exists(existing_relation) }}
  {%- endif -%}
  {% call statement('main') -%}
    create or replace table {{ target_relation }} as (
      {{ compiled_code }}
    );
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
