-- erp.invoices: VAT invoices (发票); e_invoice_no appears from 2025-12 when fully digital invoices
-- (全电发票) started. One row per invoice_no: the first-loaded invoice (then the first file and row).
-- An invoice number is issued once (a reversal or reissue gets its own number), so a number that
-- comes again with other content is held for review in meta.key_conflicts (models/meta), never
-- applied (issue 14). A corrected file re-delivered under the same name replaces its rows in raw.

with

source as (

    select * from {{ source('erp', 'invoices') }}

),

renamed as (

    select
        -- ids
        cast(invoice_no as {{ dbt.type_string() }})    as invoice_no,
        cast(tax_id as {{ dbt.type_string() }})        as tax_id,
        cast(crm_order_no as {{ dbt.type_string() }})  as crm_order_no,
        cast(e_invoice_no as {{ dbt.type_string() }})  as e_invoice_no,

        -- attributes
        cast(customer_name as {{ dbt.type_string() }}) as customer_name,
        cast(invoice_type as {{ dbt.type_string() }})  as invoice_type,
        cast(status as {{ dbt.type_string() }})        as status,

        -- amounts
        cast(amount_ex_tax as {{ type_decimal() }})    as amount_ex_tax,
        cast(tax_amount as {{ type_decimal() }})       as tax_amount,
        cast(amount_incl_tax as {{ type_decimal() }})  as amount_incl_tax,

        -- dates
        cast(invoice_date as {{ type_date() }})        as invoice_date,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['invoice_no'],
        order_by=[
            'loaded_at asc',
            'source_file asc',
            'source_row_number asc'
        ]
    ) }}

),

final as (

    select
        -- ids
        invoice_no,
        tax_id,
        crm_order_no,
        e_invoice_no,

        -- attributes
        customer_name,
        invoice_type,
        status,

        -- amounts
        amount_ex_tax,
        tax_amount,
        amount_incl_tax,

        -- dates
        invoice_date,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
