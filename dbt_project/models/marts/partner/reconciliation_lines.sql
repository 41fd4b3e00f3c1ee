-- Line-level reconciliation of each partner report against the vendor's orders to that partner
-- (partner.md R2). Lines match on (partner, period, resolved end customer, product, order
-- reference): first where the report gives the order reference, then, for the lines left, on
-- (customer, product) alone; equal keys pair up in order of quantity.
-- Classes: matched, matched_special_price, quantity_differs, price_violation (partner price
-- below the vendor's and no approved special price equal to it), price_differs (above),
-- missing_in_partner_report, missing_in_vendor_records. A line whose quantity and price both
-- differ is quantity_differs (the price difference is shown too). A special price past its
-- valid_until on the order date is not applied (int_partner_vendor_lines): a partner price equal
-- to it is a price_violation, flagged special_price_expired.

with

vendor as (

    select * from {{ ref('int_partner_vendor_lines') }}

),

report as (

    select * from {{ ref('int_partner_report_lines') }}

),

reported_periods as (

    -- vendor lines are reconciled for the partner-months a report exists for
    select distinct partner_id, period from report where partner_id is not null

),

vendor_in_scope as (

    select v.*
    from vendor v
    inner join reported_periods rp on rp.partner_id = v.partner_id and rp.period = v.period

),

-- pass 1: order reference present on the report line
vendor_ref as (

    select
        v.*,
        row_number() over (
            partition by v.partner_id, v.period, v.company_key, v.product_code, v.order_ref
            order by v.quantity, v.order_line_id
        ) as seq
    from vendor_in_scope v

),

report_ref as (

    select
        r.*,
        row_number() over (
            partition by r.partner_id, r.period, r.company_key, r.product_code, r.order_ref
            order by r.quantity, r.line_no
        ) as seq
    from report r
    where r.order_ref is not null

),

pairs_ref as (

    select v.order_line_id, r.partner_code, r.period, r.line_no
    from vendor_ref v
    inner join report_ref r
        on r.partner_id = v.partner_id
        and r.period = v.period
        and r.company_key = v.company_key
        and r.product_code = v.product_code
        and r.order_ref = v.order_ref
        and r.seq = v.seq

),

-- pass 2: what is left, on customer and product
vendor_left as (

    select
        v.*,
        row_number() over (
            partition by v.partner_id, v.period, v.company_key, v.product_code
            order by v.quantity, v.order_line_id
        ) as seq
    from vendor_in_scope v
    where v.order_line_id not in (select order_line_id from pairs_ref)

),

report_left as (

    select
        r.*,
        row_number() over (
            partition by r.partner_id, r.period, r.company_key, r.product_code
            order by r.quantity, r.line_no
        ) as seq
    from report r
    left join pairs_ref p
        on p.partner_code = r.partner_code and p.period = r.period and p.line_no = r.line_no
    where p.order_line_id is null
      and (r.order_ref is null or r.order_ref not in (select order_ref from vendor_in_scope))

),

pairs_left as (

    select v.order_line_id, r.partner_code, r.period, r.line_no
    from vendor_left v
    inner join report_left r
        on r.partner_id = v.partner_id
        and r.period = v.period
        and r.company_key = v.company_key
        and r.product_code = v.product_code
        and r.seq = v.seq

),

pairs as (

    select * from pairs_ref
    union all
    select * from pairs_left

),

matched as (

    select
        v.partner_id, r.partner_code, v.period,
        coalesce(v.company_key, r.company_key) as company_key,
        v.product_code,
        v.order_line_id, v.order_ref as vendor_order_ref, r.line_no as report_line_no,
        r.order_ref as report_order_ref,
        v.end_customer_name as vendor_customer_name, r.end_customer_name as report_customer_name,
        v.quantity as vendor_quantity, v.unit_price as vendor_unit_price, v.line_amount as vendor_amount,
        r.quantity as report_quantity, r.unit_price as report_unit_price, r.line_amount as report_amount,
        v.approved_special_price, v.special_price_request_id, v.registration_id,
        v.expired_special_price, v.special_price_valid_until,
        r.upload_file, r.upload_load_id, r.upload_file_hash
    from pairs p
    inner join vendor_in_scope v on v.order_line_id = p.order_line_id
    inner join report r on r.partner_code = p.partner_code and r.period = p.period and r.line_no = p.line_no

),

vendor_only as (

    select
        v.partner_id, cast(null as {{ dbt.type_string() }}) as partner_code, v.period, v.company_key, v.product_code,
        v.order_line_id, v.order_ref as vendor_order_ref,
        cast(null as {{ dbt.type_bigint() }}) as report_line_no,
        cast(null as {{ dbt.type_string() }}) as report_order_ref,
        v.end_customer_name as vendor_customer_name,
        cast(null as {{ dbt.type_string() }}) as report_customer_name,
        v.quantity as vendor_quantity, v.unit_price as vendor_unit_price, v.line_amount as vendor_amount,
        cast(null as {{ type_decimal(18, 3) }}) as report_quantity,
        cast(null as {{ type_decimal() }}) as report_unit_price,
        cast(null as {{ type_decimal() }}) as report_amount,
        v.approved_special_price, v.special_price_request_id, v.registration_id,
        v.expired_special_price, v.special_price_valid_until,
        cast(null as {{ dbt.type_string() }}) as upload_file,
        cast(null as {{ dbt.type_string() }}) as upload_load_id,
        cast(null as {{ dbt.type_string() }}) as upload_file_hash
    from vendor_in_scope v
    where v.order_line_id not in (select order_line_id from pairs)

),

report_only as (

    select
        r.partner_id, r.partner_code, r.period, r.company_key, r.product_code,
        cast(null as {{ dbt.type_bigint() }}) as order_line_id,
        cast(null as {{ dbt.type_string() }}) as vendor_order_ref,
        r.line_no as report_line_no, r.order_ref as report_order_ref,
        cast(null as {{ dbt.type_string() }}) as vendor_customer_name,
        r.end_customer_name as report_customer_name,
        cast(null as {{ type_decimal(18, 3) }}) as vendor_quantity,
        cast(null as {{ type_decimal() }}) as vendor_unit_price,
        cast(null as {{ type_decimal() }}) as vendor_amount,
        r.quantity as report_quantity, r.unit_price as report_unit_price, r.line_amount as report_amount,
        cast(null as {{ type_decimal() }}) as approved_special_price,
        cast(null as {{ dbt.type_string() }}) as special_price_request_id,
        cast(null as {{ dbt.type_string() }}) as registration_id,
        cast(null as {{ type_decimal() }}) as expired_special_price,
        cast(null as {{ type_date() }}) as special_price_valid_until,
        r.upload_file, r.upload_load_id, r.upload_file_hash
    from report r
    left join pairs p
        on p.partner_code = r.partner_code and p.period = r.period and p.line_no = r.line_no
    where p.order_line_id is null

),

all_lines as (

    select * from matched
    union all
    select * from vendor_only
    union all
    select * from report_only

),

classified as (

    select
        *,
        case
            when report_line_no is null then 'missing_in_partner_report'
            when order_line_id is null then 'missing_in_vendor_records'
            when report_quantity <> vendor_quantity then 'quantity_differs'
            when report_unit_price = vendor_unit_price then 'matched'
            when approved_special_price is not null and report_unit_price = approved_special_price
                then 'matched_special_price'
            when report_unit_price < vendor_unit_price then 'price_violation'
            else 'price_differs'
        end as line_class
    from all_lines

),

final as (

    select
        -- ids
        {{ dbt.concat(["cast(partner_id as " ~ dbt.type_string() ~ ")", "'|'", "period", "'|'",
            "coalesce(cast(order_line_id as " ~ dbt.type_string() ~ "), '-')", "'|'",
            "coalesce(cast(report_line_no as " ~ dbt.type_string() ~ "), '-')"]) }} as line_key,
        partner_id,
        period,
        company_key,
        product_code,
        order_line_id,
        vendor_order_ref,
        report_line_no,
        report_order_ref,
        registration_id,
        special_price_request_id,

        -- classification
        line_class,

        -- attributes
        vendor_customer_name,
        report_customer_name,

        -- amounts (CNY; differences are partner minus vendor)
        vendor_quantity,
        report_quantity,
        coalesce(report_quantity, 0) - coalesce(vendor_quantity, 0)                 as quantity_difference,
        vendor_unit_price,
        report_unit_price,
        approved_special_price,
        expired_special_price,
        special_price_valid_until,
        case when expired_special_price is not null then true else false end        as special_price_expired,
        report_unit_price - vendor_unit_price                                       as unit_price_difference,
        vendor_amount,
        report_amount,
        round(coalesce(report_amount, 0) - coalesce(vendor_amount, 0), 2)           as amount_difference,

        -- lineage: the upload the partner side came from
        upload_file,
        upload_load_id,
        upload_file_hash

    from classified

)

select * from final
