{#
    Conversions to local business time (var local_timezone, Asia/Shanghai by default).

    Every timestamp column in the warehouse is a TIMESTAMP without zone holding the local
    wall-clock time, the way the business reads it. Sources deliver three kinds:
    - epoch_ms: milliseconds since 1970-01-01 UTC (the CRM)      -> epoch_ms_to_local
    - timestamp_utc: a UTC wall-clock TIMESTAMP (transcripts)    -> utc_to_local
    - timestamp: already local (ERP, call center)                -> a plain cast

    The duckdb__ versions name both zones explicitly, so the result does not depend on the
    session's TimeZone. The default__ versions are Spark SQL (for a later dbt-spark target);
    Spark's from_utc_timestamp reads its argument as a UTC wall-clock time, which holds when
    the Spark session time zone is UTC (spark.sql.session.timeZone=UTC).
#}

{% macro epoch_ms_to_local(column_name, timezone=none) -%}
    {{ return(adapter.dispatch('epoch_ms_to_local', 'crmlake')(column_name, timezone or var('local_timezone', 'Asia/Shanghai'))) }}
{%- endmacro %}

{% macro duckdb__epoch_ms_to_local(column_name, timezone) -%}
    timezone('{{ timezone }}', timezone('UTC', epoch_ms(cast({{ column_name }} as bigint))))
{%- endmacro %}

{% macro default__epoch_ms_to_local(column_name, timezone) -%}
    from_utc_timestamp(timestamp_millis(cast({{ column_name }} as bigint)), '{{ timezone }}')
{%- endmacro %}


{% macro utc_to_local(column_name, timezone=none) -%}
    {{ return(adapter.dispatch('utc_to_local', 'crmlake')(column_name, timezone or var('local_timezone', 'Asia/Shanghai'))) }}
{%- endmacro %}

{% macro duckdb__utc_to_local(column_name, timezone) -%}
    timezone('{{ timezone }}', timezone('UTC', cast({{ column_name }} as timestamp)))
{%- endmacro %}

{% macro default__utc_to_local(column_name, timezone) -%}
    from_utc_timestamp(cast({{ column_name }} as timestamp), '{{ timezone }}')
{%- endmacro %}
