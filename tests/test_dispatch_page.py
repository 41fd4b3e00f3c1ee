"""派单池 page (AppTest): the manager sees the pooled order (1 in the pool) and can assign; an
engineer (CRM user 401 = E2 of 现场服务组) grabs it with one click, and the steps list shows
pooled then grabbed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from store_workflow_fixtures import build_reference_db
from streamlit.testing.v1 import AppTest

from kernel.config.dispatch import Dispatch
from operational.db import dispose_all, session_scope
from operational.models.dispatch import FieldWorkOrder
from operational.reference import Reference
from operational.workflows import dispatch as dp

PAGE = str(Path(__file__).resolve().parents[1] / "apps" / "views" / "entry" / "dispatch.py")
MANAGER = viewer("service_manager", username="mgr", crm_user_id=403, user_id=8)
ENGINEER = viewer("service_agent", username="eng", crm_user_id=401, user_id=6)


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    (tmp_path / "published").mkdir()
    path = build_reference_db(tmp_path / "published" / "crmlake.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("create table intermediate.int_field_engineer_profiles as select * from (values "
                    "('E2', '孙工', '现场服务组', 401, '杭州', '维修')) "
                    "t(engineer_id, engineer_name, team, crm_user_id, home_city, service_type)")
    ref = Reference.from_duckdb(path)
    with session_scope(url) as s:
        oid = dp.create_work_order(s, MANAGER, account_id=5001, service_type="维修", team="现场服务组",
                                   dispatch=Dispatch(), reference=ref).id
    yield url, oid
    dispose_all()


def test_manager_sees_pool_and_engineer_grabs(store):
    url, oid = store
    at = as_viewer(AppTest.from_file(PAGE, default_timeout=60), MANAGER).run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["1"]
    eng = as_viewer(AppTest.from_file(PAGE, default_timeout=60), ENGINEER).run()
    assert not eng.exception
    eng.button(key=[b.key for b in eng.button if "wo_grab_button" in (b.key or "")][0]).click().run()
    assert not eng.exception
    with session_scope(url, readonly=True) as s:
        order = s.get(FieldWorkOrder, oid)
        assert (order.status, order.engineer_id, order.assigned_how) == ("accepted", "E2", "grab")
    assert any("grabbed" in str(d.value) for d in eng.dataframe)
