"""A Python asset keeps its tables when its input tables, code and settings are those of its last
success (pipelines/reuse.py, issue 16): same rows in any order reuse; one changed value, a missing
output, a failed computation or --full-refresh compute again."""

from __future__ import annotations

import duckdb
import pytest

from kernel.settings import get_settings
from pipelines import reuse


@pytest.fixture
def lakehouse(tmp_path):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home")})
    settings.lakehouse_dir.mkdir(parents=True)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema sales")
    con.execute("create table sales.deals as select * from (values (1, 'won', 10.5), (2, 'open', 3.0)) v(id, stage, amount)")
    yield settings, con
    con.close()


def _run(settings, con, calls):
    def compute():
        calls.append(1)
        con.execute("create or replace table sales.scores as select id, amount * 2 as score from sales.deals")
        return {"scored": con.execute("select count(*) from sales.scores").fetchone()[0]}

    return reuse.run_or_reuse(con, settings, "sales.scores", inputs=["sales.deals"], outputs=["sales.scores"],
                              compute=compute)


def test_same_rows_reuse_and_any_change_computes(lakehouse) -> None:
    settings, con = lakehouse
    calls = []
    assert _run(settings, con, calls) == ({"scored": 2}, False)
    assert _run(settings, con, calls) == ({"scored": 2}, True) and len(calls) == 1
    # the same rows rebuilt in another order: still the same inputs
    con.execute("create or replace table sales.deals as select * from sales.deals order by id desc")
    assert _run(settings, con, calls)[1] is True
    con.execute("update sales.deals set amount = 10.6 where id = 1")
    assert _run(settings, con, calls)[1] is False and len(calls) == 2
    con.execute("insert into sales.deals select * from sales.deals where id = 2")  # a duplicate counts
    assert _run(settings, con, calls) == ({"scored": 3}, False)
    con.execute("drop table sales.scores")
    assert _run(settings, con, calls)[1] is False and len(calls) == 4
    reuse.forget_all(settings)
    assert _run(settings, con, calls)[1] is False and len(calls) == 5


def test_a_failed_computation_is_never_reused(lakehouse) -> None:
    settings, con = lakehouse
    assert _run(settings, con, [])[1] is False

    def half_done():
        con.execute("delete from sales.scores where id = 1")
        raise RuntimeError("killed")

    con.execute("update sales.deals set stage = 'lost' where id = 2")
    with pytest.raises(RuntimeError):
        reuse.run_or_reuse(con, settings, "sales.scores", inputs=["sales.deals"], outputs=["sales.scores"],
                           compute=half_done)
    con.execute("update sales.deals set stage = 'open' where id = 2")  # back to the remembered rows
    calls = []
    assert _run(settings, con, calls)[1] is False and calls == [1]


def test_a_missing_input_never_reuses(lakehouse) -> None:
    settings, con = lakehouse
    assert reuse.inputs_key(con, settings, ["sales.nothing"]) is None
    assert reuse.inputs_key(con, settings, ["sales.deals"]) != reuse.inputs_key(con, settings, ["sales.deals"], "x")
