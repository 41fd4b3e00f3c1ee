-- Partner side of reconciliation: the lines of the upload in force of each partner report
-- (staging keeps the latest load of each line), with partner id, resolved end customer and the
-- upload (file, load id, file hash) they came from.

with

report_lines as (

    select * from {{ ref('stg_partners__sales_reports') }}

),

partners as (

    select * from {{ ref('stg_partners__partners') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

uploads as (

    select * from {{ ref('int_partner_report_uploads') }}

),

final as (

    select
        -- ids
        p.partner_id,
        r.partner_code,
        r.report_month                      as period,
        r.line_no,
        r.order_ref,
        n.company_key,
        u.load_id                           as upload_load_id,
        u.file_hash                         as upload_file_hash,

        -- attributes
        r.end_customer_name,
        r.product_code,
        r.product_name,

        -- amounts
        r.quantity,
        r.unit_price,
        coalesce(r.amount, round(r.quantity * r.unit_price, 2)) as line_amount,

        -- dates
        r.sale_date,

        -- lineage
        r.source_file                       as upload_file,
        r.loaded_at                         as uploaded_at

    from report_lines r
    left join partners p on p.partner_code = r.partner_code
    left join names n on n.typed_name = r.end_customer_name
    left join uploads u on u.source_file = r.source_file and u.loaded_at = r.loaded_at

)

select * from final
