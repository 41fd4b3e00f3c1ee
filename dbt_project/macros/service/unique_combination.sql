{#
    Generic test: the combination of `columns` is unique (no dbt_utils: the project has no hub).
#}
{% test service_unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
