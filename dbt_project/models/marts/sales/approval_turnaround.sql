-- Approvals entered on the store's screens (discount approvals of quotes above the threshold,
-- and the other approval kinds), with their turnaround: hours from the request (created_at) to
-- the decision (decided_at); a pending request shows the hours waited until the snapshot's
-- as-of. CRM quotes carry who approved them (approvedBy) but no request or decision time, so
-- their turnaround cannot be measured and they are not here. The owner is the owner of the record
-- decided on (the rep), so a manager sees their team's approvals.

with

approvals as (

    select * from {{ ref('stg_ops__approvals') }}
    where created_at <= {{ as_of_at() }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

final as (

    select
        approvals.approval_id,
        approvals.object_type,
        approvals.object_id,
        approvals.owner_id,
        users.user_name                                                      as owner_name,
        users.department_id,
        departments.department_name,
        approvals.approver_role,
        -- the state at the as-of: a decision after it is still pending here
        case when approvals.decided_at <= {{ as_of_at() }} then approvals.status else 'pending' end as status,
        approvals.created_at                                                 as requested_at,
        cast({{ dbt.date_trunc('month', 'approvals.created_at') }} as {{ type_date() }}) as requested_month,
        case when approvals.decided_at <= {{ as_of_at() }} then approvals.decided_at end as decided_at,
        case when approvals.decided_at is not null and approvals.decided_at <= {{ as_of_at() }}
             then false else true end                                        as is_pending,
        case when approvals.decided_at is not null and approvals.decided_at <= {{ as_of_at() }}
             then round({{ divide(dbt.datediff('approvals.created_at', 'approvals.decided_at', 'second'), '3600.0') }}, 2)
        end                                                                  as turnaround_hours,
        case when approvals.decided_at is null or approvals.decided_at > {{ as_of_at() }}
             then round({{ divide(dbt.datediff('approvals.created_at', as_of_at(), 'second'), '3600.0') }}, 2)
        end                                                                  as waiting_hours
    from approvals
    left join users on approvals.owner_id = users.user_id
    left join departments on users.department_id = departments.department_id

)

select * from final
