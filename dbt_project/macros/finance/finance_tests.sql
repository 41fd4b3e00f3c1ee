{#- Generic test: the column is never below zero (dbt_utils is not available offline). -#}
{% test finance_non_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}
