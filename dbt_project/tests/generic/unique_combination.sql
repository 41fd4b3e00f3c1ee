{#
    The combination of columns is unique in the model (composite business keys such as
    erp.shipments' shipment_no + line_no). Fails with one row per duplicated combination.
#}
{% test unique_combination(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
