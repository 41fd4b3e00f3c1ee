"""Landing files read and typed on several threads load exactly what one thread loads: the same
raw and quarantine rows, the same ledger, the same per-file results in delivery order, also for
re-deliveries; and a failure in the middle loses nothing (the next load completes the entity)."""

from __future__ import annotations

import ingest_fixtures as fx
import polars as pl
import pytest

from kernel.contracts import entity
from pipelines.ingest import check_invariants, load_entity, loader, read_ledger

ACCOUNTS = entity("crm.accounts")
RUN_COLUMNS = ["_load_id", "_loaded_at"]  # differ between any two loads


def _page(n: int) -> str:
    return f"crm/accounts/full_20261031/page_{n:04d}.json"


def _deliver_first(settings) -> None:
    for n in range(1, 13):
        records = [fx.account(10 * n + i) for i in range(3)]
        if n == 4:
            records[1]["createdAt"] = "not a time"  # one bad row: quarantined
        fx.write(settings, _page(n), fx.json_page(records))
    fx.write(settings, _page(13), b'{"code": 200, "data": {"records": [')  # cut page: rejected


def _deliver_second(settings) -> None:
    fx.write(settings, _page(2), fx.json_page([fx.account(20, accountName="更正有限公司")]))  # supersedes
    fx.write(settings, _page(14), fx.json_page([fx.account(140)]))


def _state(settings) -> tuple:
    raw = fx.read_raw(ACCOUNTS, settings).drop(RUN_COLUMNS)
    quarantine = fx.read_quarantine(ACCOUNTS, settings).drop(RUN_COLUMNS)
    ledger = read_ledger(ACCOUNTS, settings).drop("load_id", "loaded_at").sort("source_file")
    # a supersession note names the earlier load's id
    ledger = ledger.with_columns(pl.col("message").str.replace(r"of load \S+", "of load <id>"))
    return raw, quarantine, ledger


def _results(report) -> list[tuple]:
    return [(f.source_file, f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files]


def _load(tmp_path, name: str, threads: int, monkeypatch) -> tuple[list, list, tuple]:
    monkeypatch.setenv("CRMLAKE_INGEST_THREADS", str(threads))
    settings = fx.settings_for(tmp_path / name)
    _deliver_first(settings)
    first = load_entity(ACCOUNTS, settings)
    _deliver_second(settings)
    second = load_entity(ACCOUNTS, settings)
    assert check_invariants(ACCOUNTS, settings) == []
    return _results(first), _results(second), _state(settings)


def test_several_threads_load_what_one_thread_loads(tmp_path, monkeypatch):
    one = _load(tmp_path, "one", 1, monkeypatch)
    four = _load(tmp_path, "four", 4, monkeypatch)
    assert one[0] == four[0] and one[1] == four[1]
    for a, b in zip(one[2], four[2], strict=True):
        assert a.equals(b)
    statuses = {f: s for f, s, *_ in one[1]}
    assert statuses[_page(2)] == "superseded" and statuses[_page(14)] == "loaded"
    assert statuses[_page(5)] == "unchanged" and dict((f, s) for f, s, *_ in one[0])[_page(13)] == "rejected"
    raw, quarantine, _ = one[2]
    assert raw.height == 11 * 3 - 1 + 1 + 1  # 12 pages of 3 rows, page 2 now 1 row, 1 quarantined, page 14
    assert quarantine.filter(pl.col("_row_number") > 0)["field"].to_list() == ["createdAt"]


def test_a_failure_midway_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAKE_INGEST_THREADS", "3")
    settings = fx.settings_for(tmp_path)
    _deliver_first(settings)
    real = loader._prepare

    def fail_on_page_6(ctx, con, files):
        if any(landing.rel == _page(6) for landing, _, _ in files):
            raise RuntimeError("disk full")
        return real(ctx, con, files)

    monkeypatch.setattr(loader, "_prepare", fail_on_page_6)
    with pytest.raises(RuntimeError, match="disk full"):
        load_entity(ACCOUNTS, settings)
    recorded = set(read_ledger(ACCOUNTS, settings)["source_file"])
    assert recorded == {_page(n) for n in range(1, 6)}  # the files before the failure, in order

    monkeypatch.setattr(loader, "_prepare", real)
    again = load_entity(ACCOUNTS, settings)
    assert check_invariants(ACCOUNTS, settings) == []
    assert {f.source_file for f in again.files if f.status == "unchanged"} == recorded
    assert fx.read_raw(ACCOUNTS, settings).height == 12 * 3 - 1
