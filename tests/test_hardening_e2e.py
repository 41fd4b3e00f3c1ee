"""Issue 14 end to end: one hostile company delivery plus a bad store record, one real run.

The finance zone of tests/own_data_zones.py (ar_aging.md A1, A2) is delivered together with what
a careless or hostile source produces, each kind once, and an order line written around the entry
screens into the operational store. ``crmlake init`` / ``run`` / ``status`` run as a user types
them. The run must publish; every bad row is quarantined with file, row, field and reason (none
lost: rows read = loaded + quarantined for every file); links and unmatched files are listed as
ignored and never read; the key conflict is listed; the hand-computed aging figures still hold;
``crmlake run`` and ``crmlake status`` show the warnings. Before issue 14 the bad store record alone
stopped publishing for good.
"""

from __future__ import annotations

import json
import os
import stat
from decimal import Decimal as D
from pathlib import Path

import duckdb
import own_data_zones as zones
import pytest
import sqlalchemy as sa
from crmlake_cli import crmlake

pytestmark = pytest.mark.slow

SECRET = "TOP-SECRET-HOST-FILE-CONTENT"
LONG_NAME = "长" * 349_529
ORDER_ID, HUGE_LINE, GOOD_LINE = 9_000_000_000_000_901, 9_000_000_000_000_911, 9_000_000_000_000_912
OPPORTUNITY_ID = 9_000_000_000_000_921
COMMON = "source_system, version, created_at, updated_at, deleted_at"


def _hostile_delivery(extracts: Path, outside: Path) -> None:
    """The finance zone plus one of each kind of bad input (names say which)."""
    zones.finance_zone(extracts)
    zones.crm_pages(extracts, "receipts", "paymentRecord", [
        {"id": 891, "receiptNo": "HK891-negative", "accountId": zones.ACCOUNT_K, "receiptDate": "2026-06-11",
         "amount": -500.00, "receiptType": "receipt", "paymentMethod": "银行转账"},
        {"id": 892, "receiptNo": "HK892-huge", "accountId": zones.ACCOUNT_K, "receiptDate": "2026-06-11",
         "amount": 1e20, "receiptType": "receipt", "paymentMethod": "银行转账"},
    ], batch="delta_20261102", stamp="2026-07-03 18:00:00")
    zones.crm_pages(extracts, "accounts", "account", [
        {"id": 7091, "accountName": LONG_NAME, "level": "C"},
        {"id": 7092, "accountName": "控制\x00字符\x1b[31m公司\u202egnp.exe", "level": "C"},
        # same key and updatedAt as the first delivery of 7002, other content: a key conflict
        {"id": zones.ACCOUNT_K, "accountName": "客户K科技有限公司（重复版本）", "level": "A"},
    ], batch="delta_20261103", stamp="2025-11-01 09:00:00")
    outside.write_text(SECRET, encoding="utf-8")
    link = extracts / "crm" / "accounts" / "delta_20261104" / "page_0001.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    (extracts / "crm" / "accounts" / "readme_from_vendor.txt").write_text("not a page", encoding="utf-8")


def _bad_store_record(home: Path) -> None:
    """An order line of 1.2e19 written with raw SQL (SQLite keeps it as a float)."""
    stamp = "'2026-03-02 09:30:00.000000'"

    def common(row_id: int) -> str:
        return f"{row_id}, 'ops', 1, {stamp}, {stamp}, NULL"

    engine = sa.create_engine(f"sqlite:///{home / 'operational.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO orders (id, {COMMON}, order_no, account_id, status, total_amount, order_date) "
            f"VALUES ({common(ORDER_ID)}, 'SO-E2E', {zones.ACCOUNT_A}, 'confirmed', 100.00, '2026-03-01')")
        # a valid entry: at 初步接洽 an opportunity needs no amount nor close date (before: it
        # failed the blocking not_null test of stg_crm__opportunities.amount)
        conn.exec_driver_sql(
            f"INSERT INTO opportunities (id, {COMMON}, account_id, opportunity_name, stage, status) "
            f"VALUES ({common(OPPORTUNITY_ID)}, {zones.ACCOUNT_A}, '新商机', '初步接洽', 'open')")
        for line, amount in ((HUGE_LINE, "1.2e19"), (GOOD_LINE, "360000.00")):
            conn.exec_driver_sql(
                f"INSERT INTO order_lines (id, {COMMON}, order_id, product_id, unit, tolerance_type, quantity, "
                f"discount_rate, unit_price, line_amount) "
                f"VALUES ({common(line)}, {ORDER_ID}, 3, '台', 'none', 1, 0, 1, {amount})")
    engine.dispose()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, dbt_manifest):
    root = tmp_path_factory.mktemp("hostile")
    home, extracts = root / "home", root / "extracts"
    _hostile_delivery(extracts, root / "secret_on_the_host.json")
    init = crmlake(home, "init", CRMLAKE_ADMIN_PASSWORD="a-real-password-for-tests")
    assert init.returncode == 0, init.stderr[-2000:]
    _bad_store_record(home)
    run = crmlake(home, "run", CRMLAKE_LANDING_DIR=str(extracts))
    status = crmlake(home, "status", "--json", CRMLAKE_LANDING_DIR=str(extracts))
    status_text = crmlake(home, "status", CRMLAKE_LANDING_DIR=str(extracts))
    return home, run, json.loads(status.stdout or "{}"), status_text.stdout


def _query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "published" / "crmlake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_run_publishes_despite_every_bad_input(hostile_run):
    home, run, _, _ = hostile_run
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    assert _query(home, "select count(*) from meta.publish_log")[0][0] == 1
    published = home / "published" / "crmlake.duckdb"
    assert stat.S_IMODE(published.stat().st_mode) == 0o444


def test_every_bad_row_is_quarantined_with_its_field_and_reason(hostile_run):
    home = hostile_run[0]
    rows = _query(home, """select split_part(replace(filename, '\\', '/'), '/', -2) as entity, _source_file,
                                  field, reason
                           from meta.quarantine order by all""")
    assert any("below 0" in r for e, _, f, r in rows if (e, f) == ("receipts", "amount"))
    assert any("too large" in r for e, _, f, r in rows if (e, f) == ("receipts", "amount"))
    reasons = [r for e, _, f, r in rows if (e, f) == ("accounts", "accountName")]
    assert any("349529 characters" in r for r in reasons)
    assert any("U+0000" in r for r in reasons)
    assert any(f == "line_amount" for e, _, f, _ in rows if e == "order_lines")
    assert sum(1 for e, *_ in rows if e in ("receipts", "accounts", "order_lines")) == 5


def test_no_row_is_lost(hostile_run):
    home = hostile_run[0]
    files = _query(home, "select source_file, rows_read, rows_loaded, rows_quarantined from meta.loads"
                   " where source_file is not null")  # the store extraction keeps its watermarks there too
    assert files
    for source_file, read, loaded, quarantined in files:
        assert read == loaded + quarantined, source_file
    # the quarantined receipts changed nothing: ar_aging.md A1 and A2 still hold
    aging = dict((i, open_) for i, open_ in _query(
        home, "select installment_id, open_amount from finance.ar_aging where as_of_date = date '2026-06-30'"))
    assert aging == {701: D("70000.00"), 702: D("50000.00"), 703: D("80000.00"), 704: D("20000.00"),
                     705: D("10000.00")}
    assert _query(home, "select customer_id, credit_balance from finance.customer_credit_balances") == [
        (zones.ACCOUNT_K, D("20000.00"))]
    assert _query(home, f"select amount from intermediate.int_opportunities_unioned where opportunity_id = {OPPORTUNITY_ID}"
                  ) == [(None,)]
    # the line that fits arrived; the one that does not is in the quarantine, not lost
    assert _query(home, "select order_line_id from staging.stg_ops__order_lines") == [(GOOD_LINE,)]


def test_links_and_unmatched_files_are_refused_listed_and_never_read(hostile_run):
    home, _, status, text = hostile_run
    ignored = dict(_query(home, "select path, reason from meta.ignored_files"))
    assert "symbolic link" in ignored["crm/accounts/delta_20261104/page_0001.json"]
    assert ignored["crm/accounts/readme_from_vendor.txt"] == "matches no entity"
    leaked = _query(home, f"select count(*) from meta.quarantine where raw_record like '%{SECRET}%'")
    assert leaked == [(0,)]
    assert "crm/accounts/readme_from_vendor.txt: ignored: matches no entity" in text


def test_the_key_conflict_is_listed_and_the_warnings_are_shown(hostile_run):
    home, run, status, text = hostile_run
    conflicts = _query(home, "select system, entity from meta.key_conflicts")
    assert ("crm", "accounts") in {(s, e) for s, e in conflicts}
    assert "key_conflicts" in text
    assert "quarantine" in (run.stdout + run.stderr).lower()
    assert status["warnings"]
    assert {"entity": "ops.order_lines", "rows": 1, "files": 1}.items() <= next(
        e for e in status["quarantine"]["by_entity"] if e["entity"] == "ops.order_lines").items()


def test_the_admin_sees_warnings_conflicts_and_ignored_files_on_the_pipeline_status_page(hostile_run, monkeypatch):
    from app_login import as_viewer, viewer
    from streamlit.testing.v1 import AppTest

    from kernel.settings import get_settings

    home = hostile_run[0]
    for key in [k for k in os.environ if k.startswith("CRMLAKE_")]:
        monkeypatch.delenv(key)
    for key, value in get_settings({"CRMLAKE_HOME": str(home)}).as_env().items():
        monkeypatch.setenv(key, value)
    apps = Path(__file__).resolve().parents[1] / "apps"
    monkeypatch.syspath_prepend(str(apps))
    import streamlit as st

    st.cache_data.clear()
    at = as_viewer(AppTest.from_file(str(apps / "views" / "pipeline_status.py"), default_timeout=120),
                   viewer("admin"))
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "业务键冲突" in warnings and "忽略的文件" in warnings and "隔离行" in warnings
    shown = [df.value for df in at.dataframe]
    assert any("path" in f and "crm/accounts/readme_from_vendor.txt" in set(f["path"]) for f in shown)
    assert any("rule" in f and "same_version" in set(f["rule"]) for f in shown)
    st.cache_data.clear()
