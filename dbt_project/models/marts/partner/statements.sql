-- One statement per partner and period (report month): both sides' totals, the difference,
-- line counts per class, and the upload the partner side used (file, load id, file hash).
-- status is 'open' here; a partner's dispute or both sides' confirmation is recorded by the
-- Partners app (operational store) and shown over this status.

with

lines as (

    select * from {{ ref('reconciliation_lines') }}

),

partners as (

    select * from {{ ref('stg_partners__partners') }}

),

report as (

    select * from {{ ref('int_partner_report_lines') }}

),

uploads as (

    select
        partner_id,
        period,
        max(upload_file)        as upload_file,
        max(upload_load_id)     as upload_load_id,
        max(upload_file_hash)   as upload_file_hash,
        max(uploaded_at)        as uploaded_at,
        count(distinct upload_load_id) as upload_loads
    from report
    group by partner_id, period

),

totals as (

    select
        partner_id,
        period,
        sum(coalesce(vendor_amount, 0))                                             as vendor_total,
        sum(coalesce(report_amount, 0))                                             as partner_total,
        count(*)                                                                    as lines,
        sum(case when line_class = 'matched' then 1 else 0 end)                     as lines_matched,
        sum(case when line_class = 'matched_special_price' then 1 else 0 end)       as lines_matched_special_price,
        sum(case when line_class = 'quantity_differs' then 1 else 0 end)            as lines_quantity_differs,
        sum(case when line_class in ('price_violation', 'price_differs') then 1 else 0 end) as lines_price_differs,
        sum(case when line_class = 'missing_in_partner_report' then 1 else 0 end)   as lines_missing_in_partner_report,
        sum(case when line_class = 'missing_in_vendor_records' then 1 else 0 end)   as lines_missing_in_vendor_records,
        sum(case when special_price_expired then 1 else 0 end)                      as lines_special_price_expired
    from lines
    group by partner_id, period

),

final as (

    select
        -- ids
        {{ dbt.concat(["cast(t.partner_id as " ~ dbt.type_string() ~ ")", "'|'", "t.period"]) }} as statement_key,
        t.partner_id,
        p.partner_code,
        p.partner_name,
        t.period,

        -- amounts (CNY)
        round(t.vendor_total, 2)                        as vendor_total,
        round(t.partner_total, 2)                       as partner_total,
        round(t.partner_total - t.vendor_total, 2)      as difference,

        -- lines
        t.lines,
        t.lines_matched,
        t.lines_matched_special_price,
        t.lines_quantity_differs,
        t.lines_price_differs,
        t.lines_missing_in_partner_report,
        t.lines_missing_in_vendor_records,
        t.lines_special_price_expired,

        -- status
        'open'                                          as status,

        -- the upload used
        u.upload_file,
        u.upload_load_id,
        u.upload_file_hash,
        u.uploaded_at

    from totals t
    left join partners p on p.partner_id = t.partner_id
    left join uploads u on u.partner_id = t.partner_id and u.period = t.period

)

select * from final
