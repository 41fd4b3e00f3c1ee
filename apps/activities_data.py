"""Loaders of the activities page (拜访与跟进): visits per rep and week, untouched accounts,
stalled open deals by amount band, on the published snapshot (apps.data_access.query).

The rules (what is a visit, when a deal is stalled, which band) live once, in the dbt marts
sales.activities_weekly, sales.account_activity and sales.opportunity_idle_days; these only
select and sum. Row rule on owner_id (row_rules.owners): a rep sees their own rows, a manager their
department tree, finance and admin everything; accounts in the pool (no owner) only the latter.
"""

from __future__ import annotations

import pandas as pd

from apps import row_rules
from apps.data_access import missing_tables, query
from apps.row_rules import Viewer

TABLES = ("activities_weekly", "account_activity", "opportunity_idle_days")


def missing() -> list[str]:
    """The activity marts the snapshot lacks (an older snapshot): the page says 'not computed'."""
    missing_marts = missing_tables(f"sales.{t}" for t in TABLES)
    return [name.removeprefix("sales.") for name in missing_marts]


def settings_days() -> pd.Series:
    """N of 'stalled' and 'untouched' and the as-of date the marts counted to."""
    return query(
        """select (select max(stalled_deal_days) from sales.opportunity_idle_days) as stalled_deal_days,
                  (select max(inactive_account_days) from sales.account_activity) as inactive_account_days,
                  (select max(as_of_date) from sales.account_activity) as as_of_date""").iloc[0]


SHOWN_WEEKS = 13  # the page's chart and per-rep table: the last quarter of weeks


def weekly(viewer: Viewer, weeks: int = SHOWN_WEEKS) -> pd.DataFrame:
    """Visits and follow-ups per rep and week for the last ``weeks`` weeks with activity in the
    viewer's scope, oldest week first (the page shows no more; two years of weeks were 45 ms of
    the admin's page at S=10)."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""with scoped as (
                select week_start, owner_id, owner_name, department_name, activities, visits, follow_ups,
                       accounts_touched, opportunities_touched, duration_minutes
                from sales.activities_weekly where {where}
            ), shown as (
                select distinct week_start from scoped order by week_start desc limit {int(weeks)}
            )
            select * from scoped where week_start in (select week_start from shown)
            order by week_start, owner_name""",
        tuple(params))


def stalled_by_band(viewer: Viewer) -> pd.DataFrame:
    """Open and stalled deals and their amounts per amount band, lowest band first."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select coalesce(amount_band, '(无金额)') as amount_band, coalesce(min(amount_band_order), 999) as band_order,
                   count(*) as open_deals,
                   count(case when is_stalled then 1 end) as stalled_deals,
                   coalesce(sum(amount), 0) as open_amount,
                   coalesce(sum(case when is_stalled then amount end), 0) as stalled_amount
            from sales.opportunity_idle_days where {where}
            group by 1 order by 2""",
        tuple(params))


def stalled_deals(viewer: Viewer, band: str | None = None, limit: int = 500) -> pd.DataFrame:
    """The viewer's stalled deals, longest idle first (one band, or all)."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select opportunity_id, opportunity_name, account_name, owner_name, department_name, stage, amount,
                   amount_band, idle_days, last_touch_at, last_stage_change_at, last_activity_at, company_key
            from sales.opportunity_idle_days
            where is_stalled and (? is null or coalesce(amount_band, '(无金额)') = ?) and {where}
            order by idle_days desc, amount desc nulls last, opportunity_id limit {int(limit)}""",
        (band, band, *params))


def untouched_accounts(viewer: Viewer, limit: int = 500) -> pd.DataFrame:
    """The viewer's accounts without activity for N days (or never touched), longest first."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select account_id, account_name, owner_name, department_name, days_without_activity,
                   last_activity_at, is_never_touched, activities, company_key
            from sales.account_activity where is_inactive and {where}
            order by days_without_activity desc, account_id limit {int(limit)}""",
        tuple(params))


def account_counts(viewer: Viewer) -> pd.Series:
    where, params = row_rules.owners(viewer)
    return query(
        f"""select count(*) as accounts, count(case when is_inactive then 1 end) as inactive,
                   count(case when is_inactive and is_never_touched then 1 end) as never_touched
            from sales.account_activity where {where}""",
        tuple(params)).iloc[0]
