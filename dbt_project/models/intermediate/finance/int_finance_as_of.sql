-- The finance reporting date: var('finance_as_of_date') if set, else the latest receipt or
-- installment activity in the data (the extract date), so a rebuild is deterministic.

with

receipts as (

    select * from {{ ref('stg_crm__receipts') }}

),

installments as (

    select * from {{ ref('stg_crm__payment_installments') }}

),

latest as (

    select max(receipt_date) as last_date from receipts
    union all
    select max(cast(created_at as {{ type_date() }})) as last_date from installments

),

final as (

    select
        {% if var('finance_as_of_date', none) %}
        max(cast('{{ var("finance_as_of_date") }}' as {{ type_date() }})) as as_of_date
        {% else %}
        max(last_date) as as_of_date
        {% endif %}
    from latest

)

select * from final
