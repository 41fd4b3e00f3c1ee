"""The QA asset keeps its four tables when what it reads is unchanged (issue 16: a day's delivery
brings call records without transcripts; QA joins calls to conversations only, so those records
change no QA row, and the 5 s QA step of an S=10 delta is skipped).

The proof that the key covers what QA reads: a call record no message refers to leaves the key
and the recomputed tables as they were; a changed or duplicated call that a message refers to
changes the key and is computed again."""

from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl
import pytest
from test_service_qa import GOOD, RULES, _conv

from kernel.settings import get_settings
from pipelines.resources import LakehouseResource
from pipelines.service import qa_tables
from pipelines.service.assets import QA_TABLES, qa_scores

CALLS = "staging.stg_callcenter__call_records"


def _staging(con: duckdb.DuckDBPyConnection) -> None:
    messages = pl.concat([_conv(f"Q{i}", GOOD, call_id=f"C{i}") for i in range(3)]).to_arrow()  # noqa: F841
    calls = pl.DataFrame({"call_id": ["C0", "C1", "C2"], "queue": ["技术支持"] * 3,  # noqa: F841
                          "talk_seconds": [100, 100, 400]}).to_arrow()
    con.execute("create schema if not exists staging")
    con.execute("create or replace table staging.stg_callcenter__transcripts as select * from messages")
    con.execute(f"create or replace table {CALLS} as select * from calls")
    con.execute("create or replace table staging.stg_callcenter__agents as "
                "select * from (values ('A1', '王芳', '一组')) v(agent_id, agent_name, team)")


def _qa(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    qa_tables.write_scores(con, RULES, lambda _: None)
    return {t: con.execute(f"select * from service.{t} order by all").fetchall()
            for t in ("qa_rule_hits", "qa_conversation_scores")}


def test_the_key_covers_exactly_the_call_records_qa_reads():
    con = duckdb.connect()
    _staging(con)
    key, tables = qa_tables.calls_read(con), _qa(con)
    assert tables["qa_conversation_scores"]  # the fixture scores three conversations
    con.execute(f"insert into {CALLS} values ('C9', '投诉', 999), (null, '投诉', 5)")  # no message refers to them
    assert qa_tables.calls_read(con) == key and _qa(con) == tables
    con.execute(f"update {CALLS} set talk_seconds = 101 where call_id = 'C0'")
    assert qa_tables.calls_read(con) != key
    con.execute(f"update {CALLS} set talk_seconds = 100 where call_id = 'C0'")
    assert qa_tables.calls_read(con) == key
    con.execute(f"insert into {CALLS} select * from {CALLS} where call_id = 'C1'")  # a duplicate joins twice
    assert qa_tables.calls_read(con) != key


@pytest.fixture
def settings(tmp_path):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home")})
    settings.lakehouse_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        _staging(con)
    return settings


def _materialize(settings) -> tuple[bool, dict[str, list]]:
    result = dg.materialize([qa_scores], resources={"lakehouse": LakehouseResource.from_settings(settings)})
    reused = {m.metadata["reused"].value for m in result.get_asset_materialization_events()
              for m in [m.step_materialization_data.materialization]}
    assert len(reused) == 1
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = {t: con.execute(f"select * from service.{t} order by all").fetchall() for t in QA_TABLES}
    return reused.pop(), tables


def test_the_asset_keeps_its_tables_until_what_it_reads_changes(settings):
    reused, tables = _materialize(settings)
    assert reused is False and tables["qa_conversation_scores"]
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"insert into {CALLS} values ('C9', '投诉', 999)")  # a call without a transcript
    assert _materialize(settings) == (True, tables)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"update {CALLS} set talk_seconds = 100 where call_id = 'C2'")
        con.execute("update staging.stg_callcenter__agents set team = '二组'")
    reused, changed = _materialize(settings)
    assert reused is False and changed != tables
