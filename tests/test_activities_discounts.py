"""Activities, stalled deals and quote discounts on a hand-computed history
(tests/activities_fixtures.py; as-of 2026-07-20 14:00, so the as-of DATE is 2026-07-20;
stalled_deal_days N = 5, inactive_account_days = 10, default bands).

Stalled deals (idle days = as-of date - date of the last stage change / deal activity / creation):
  opp 2 last stage change 07-15 11:00            -> 5 days = N   -> stalled (band 5万-20万, 150,000)
  opp 3 stage change 07-12, visit on it 07-16    -> 4 days = N-1 -> not stalled (8 without the visit)
  opp 1 change 07-20 -> 0; opp 5 created 07-16 -> 4; opp 7 change 07-17 -> 3 (its WeChat on 07-25
  is after the as-of and ignored). Opp 3's 200,000 sits in 20万-100万 (a band's lower edge is in it).
Untouched accounts (N = 10): 客户戊 (5) visited 07-10 -> 10 days, untouched; 客户乙 (2) called 07-11
  -> 9, not; 客户丙 (3) never, created 06-01 -> 49, untouched; 客户丁 (4) never, created 07-15 -> 5,
  not; 客户甲 (1) last touched 07-16 by the visit to its opportunity 3 (no account on the activity).
Visits per rep and week (Monday): rep 11 week 07-06: 1 visit; week 07-13: 1 visit + 1 call
  (2 activities, 1 account, 65 minutes); rep 12 week 07-06: 1 call; week 07-13: 1 meeting (follow-up).
Discount depth of quote 8001 (two lines): 2 x list 10,000 at 9,000 = 18,000 and 1 x list 5,000 at
  4,000: list 25,000, net 22,000, depth 3,000 / 25,000 = 12 % (the lines' own 10 % and 20 % average
  15 %: the depth is weighted by list value). Band 10-15 %.
Win rate by final-quote band (closed deals only): 10-15 %: opp 4 won (8001, 12 %, 07-02 -> 07-18,
  16 days), opp 8 won (8004, 12 %, 10 days), opp 9 lost (8005, 14 %, list price from the product,
  10 days) -> 2 / 3 won, 36 / 3 = 12 days. >=20 %: opp 6 lost at its final quote 8003 (20 %, its
  earlier 3 % quote 8002 does not count), 16 days -> 0 / 1. Open opp 3 (5 %) and draft-only opp 1
  are not closed.
Depth by month (July, non-draft, up to the as-of): rep 12 line A: 20,000 + 10,000 + 10,000 + 10,000
  list, 18,000 + 9,700 + 8,000 + 9,500 = 45,200 net -> 9.6 %; department 77 in all: list 75,000, net
  66,600 -> 11.2 %. The draft 8007 (50 %) and 8008 (dated 07-25) are left out.
Approval turnaround: 07-18 10:00 -> 07-19 16:00 = 30 h; 07-04 09:00 -> 11:30 = 2.5 h; mean 16.25 h.
  A request of 07-20 08:00 still pending waited 6 h; one decided 07-21 is pending at the as-of (2 h).
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from activities_fixtures import build_activity_models
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_activity_models(tmp_path_factory.mktemp("activities"))


@pytest.fixture(scope="module")
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def one(con, sql, *params):
    return con.execute(sql, params).fetchone()


def test_a_deal_idle_exactly_n_days_is_stalled_and_n_minus_1_is_not(con):
    rows = dict(con.execute("select opportunity_id, idle_days from sales.opportunity_idle_days").fetchall())
    assert rows == {1: 0, 2: 5, 3: 4, 5: 4, 7: 3}
    stalled = con.execute("select opportunity_id, amount_band, amount from sales.opportunity_idle_days "
                          "where is_stalled").fetchall()
    assert stalled == [(2, "5万-20万", Decimal("150000.00"))]


def test_an_activity_on_the_deal_is_a_touch_and_later_ones_are_ignored(con):
    assert one(con, "select last_stage_change_at, last_activity_at from sales.opportunity_idle_days "
                    "where opportunity_id = 3") == (dt.datetime(2026, 7, 12, 16), dt.datetime(2026, 7, 16, 9))
    assert one(con, "select last_activity_at from sales.opportunity_idle_days where opportunity_id = 7") == (None,)
    assert one(con, "select amount_band from sales.opportunity_idle_days where opportunity_id = 3") == ("20万-100万",)


def test_untouched_accounts_count_from_the_last_activity_or_creation(con):
    rows = con.execute("select account_id, days_without_activity, is_never_touched, is_inactive "
                       "from sales.account_activity order by account_id").fetchall()
    assert rows == [(1, 4, False, False), (2, 9, False, False), (3, 49, True, True),
                    (4, 5, True, False), (5, 10, False, True)]


def test_visits_and_follow_ups_per_rep_per_week(con):
    rows = con.execute("select week_start, owner_id, activities, visits, follow_ups, meetings, accounts_touched, "
                       "duration_minutes from sales.activities_weekly order by week_start, owner_id").fetchall()
    assert rows == [
        (dt.date(2026, 7, 6), 11, 1, 1, 0, 0, 1, 90),
        (dt.date(2026, 7, 6), 12, 1, 0, 1, 0, 1, 10),
        (dt.date(2026, 7, 13), 11, 2, 1, 1, 0, 1, 65),
        (dt.date(2026, 7, 13), 12, 1, 0, 1, 1, 1, 45),
    ]


def test_discount_depth_of_a_two_line_quote_is_weighted_by_list_value(con):
    assert one(con, "select list_amount, net_amount, discount_depth, discount_band, is_final_quote "
                    "from sales.quote_discounts where quote_id = 8001") == (
        Decimal("25000.00"), Decimal("22000.00"), 0.12, "10-15%", True)
    # no list price on the line: the product's; exactly 5 % sits in 5-10 %
    assert one(con, "select list_amount, discount_depth from sales.quote_discounts where quote_id = 8005") == (
        Decimal("10000.00"), 0.14)
    assert one(con, "select discount_band from sales.quote_discounts where quote_id = 8006") == ("5-10%",)
    assert one(con, "select is_final_quote from sales.quote_discounts where quote_id = 8002") == (False,)
    assert one(con, "select count(*) from sales.quote_discounts where quote_id = 8008") == (0,)


def test_win_rate_and_cycle_time_per_discount_band(con):
    rows = con.execute(
        "select discount_band, sum(closed_deals), sum(won_deals), sum(won_deals) / sum(closed_deals), "
        "sum(cycle_days_total) / sum(closed_deals) from sales.discount_band_outcomes "
        "group by discount_band order by discount_band").fetchall()
    assert rows == [("10-15%", 3, 2, pytest.approx(2 / 3), 12.0), ("≥20%", 1, 0, 0.0, 16.0)]
    assert one(con, "select win_rate, avg_cycle_days from sales.discount_band_outcomes "
                    "where owner_id = 11 and discount_band = '10-15%'") == (0.5, 10.0)


def test_discount_depth_by_month_rep_product_line_and_department(con):
    assert one(con, "select list_amount, net_amount, discount_depth, quotes from sales.quote_discount_monthly "
                    "where owner_id = 12 and product_line = 'A'") == (
        Decimal("50000.00"), Decimal("45200.00"), 0.096, 4)
    assert one(con, "select sum(list_amount), sum(net_amount), 1 - sum(net_amount) / sum(list_amount) "
                    "from sales.quote_discount_monthly where department_id = 77 and quote_month = date '2026-07-01'") == (
        Decimal("75000.00"), Decimal("66600.00"), pytest.approx(0.112))


def test_approval_turnaround_hours(con):
    rows = con.execute("select approval_id, status, is_pending, turnaround_hours, waiting_hours "
                       "from sales.approval_turnaround order by approval_id").fetchall()
    assert rows == [(9001, "approved", False, 30.0, None), (9002, "approved", False, 2.5, None),
                    (9003, "pending", True, None, 6.0), (9004, "pending", True, None, 2.0)]
    assert one(con, "select avg(turnaround_hours) from sales.approval_turnaround") == (16.25,)


# -- the pages, on the fixture warehouse published as the snapshot -------------------------------

@pytest.fixture(scope="module")
def published_dir(warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("published")
    shutil.copy(warehouse, folder / "crmlake.duckdb")
    return folder


def page(monkeypatch, published_dir, name: str, who) -> AppTest:
    monkeypatch.setenv("CRMLAKE_PUBLISHED_DIR", str(published_dir))
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(APPS / "views" / "sales" / name), default_timeout=60), who)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_activities_page_admin_sees_every_stalled_deal_a_rep_only_their_own(monkeypatch, published_dir):
    at = page(monkeypatch, published_dir, "activities.py", viewer("admin"))
    assert metric(at, "停滞商机") == "1 / 5" and metric(at, "停滞金额") == "¥150,000.00"
    assert metric(at, "≥10 天未跟进") == "2 / 5" and metric(at, "从未跟进") == "1"
    rep = page(monkeypatch, published_dir, "activities.py", viewer("sales_rep", crm_user_id=11))
    # rep 11 owns open deals 1, 2, 5 and 7 (2 stalled; 12's deal 3 is not theirs) and accounts 1, 4, 5 (5 untouched)
    assert metric(rep, "停滞商机") == "1 / 4" and metric(rep, "≥10 天未跟进") == "1 / 3"
    assert metric(rep, "本周拜访") == "1" and metric(rep, "本周跟进") == "1"


def test_discounts_page_depth_and_win_rate(monkeypatch, published_dir):
    at = page(monkeypatch, published_dir, "discounts.py", viewer("admin"))
    assert metric(at, "整体折扣深度") == "11.2%" and metric(at, "目录价金额") == "¥75,000.00"
    assert metric(at, "已审批") == "2" and metric(at, "平均时效") == "16.25"
    rep = page(monkeypatch, published_dir, "discounts.py", viewer("sales_rep", crm_user_id=11))
    assert metric(rep, "整体折扣深度") == "13.0%"  # 1 - (8,600 + 8,800) / 20,000


def test_the_weekly_read_returns_only_the_weeks_the_page_shows(monkeypatch, published_dir):
    # the fixture has two weeks (2026-07-06, 2026-07-13); the page shows the last SHOWN_WEEKS
    monkeypatch.setenv("CRMLAKE_PUBLISHED_DIR", str(published_dir))
    from apps import activities_data

    admin = viewer("admin")
    both = activities_data.weekly(admin)
    assert sorted(set(both["week_start"].dt.date)) == [dt.date(2026, 7, 6), dt.date(2026, 7, 13)]
    last = activities_data.weekly(admin, weeks=1)
    assert sorted(zip(last["week_start"].dt.date, last["owner_id"], strict=True)) == [(dt.date(2026, 7, 13), 11), (dt.date(2026, 7, 13), 12)]
    rep = activities_data.weekly(viewer("sales_rep", crm_user_id=11), weeks=1)
    assert list(zip(rep["week_start"].dt.date, rep["owner_id"], strict=True)) == [(dt.date(2026, 7, 13), 11)]
