"""The CRM through its API publishes the same marts as the CRM's file drop, deletes included (issue 18).

One small demo company, two lakehouses. (a) The file drop: `crmlake demo`, its landing zone as
delivered. (b) The API: the same CRM served by the simulator on 127.0.0.1 (`tools/crm_simulator`,
what `crmlake demo --serve-crm` serves), pulled with `crmlake extract crm` into a fresh landing zone
(the ERP, call-center and partner files copied as they are: they arrive as files either way), then
`crmlake run`. Then an opportunity is deleted in the CRM: (b) finds it with
`crmlake extract crm --deletes` (id reconciliation, a delete-marker page) and a second
`crmlake run` applies it incrementally; (a) receives the same delete in its export (a marker page
in a `deletes_` batch) and runs once. Every mart table of the two published snapshots must hold the
same rows (the comparator of the Spark and incremental equivalence tests), and the deleted
opportunity must be in neither, after (b) had published it.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from crmlake_cli import crmlake_ok, user_env
from spark_fixtures import assert_same_marts

from kernel.config import load_business_settings
from kernel.settings import get_settings
from tools.crm_simulator import CrmSimulator, CrmStore

pytestmark = pytest.mark.slow  # three whole runs

SCALE = os.environ.get("CRMLAKE_SAME_MARTS_SCALE", "0.05")
DELETED_AT = int(datetime(2026, 11, 2, 1, 0, tzinfo=UTC).timestamp() * 1000)


def _opportunities(published: Path) -> set[int]:
    with duckdb.connect(str(published), read_only=True) as con:
        return {i for (i,) in con.execute("select opportunity_id from sales.opportunities").fetchall()}


@pytest.fixture(scope="module")
def two_doors(tmp_path_factory):
    """(file-drop settings, API settings, the deleted opportunity, what each step said)."""
    said: dict[str, str] = {}
    drop_env = user_env(tmp_path_factory.mktemp("file_drop"))
    crmlake_ok(drop_env, "demo", "--scale", SCALE, "--seed", "7")
    drop = get_settings(drop_env)

    api_env = user_env(tmp_path_factory.mktemp("api"), CRMLAKE_CONFIG_DIR=str(drop.config_dir),
                   CRMLAKE_OPERATIONAL_URL=drop.operational_url)
    api = get_settings(api_env)
    for system in ("erp", "callcenter", "partners"):
        shutil.copytree(drop.landing_dir / system, api.landing_dir / system)

    store = CrmStore.from_landing(drop.landing_dir, load_business_settings(drop.config_dir).crm_api)
    with CrmSimulator(store) as sim:
        env = {**api_env, **sim.env()}
        said["first pull"] = crmlake_ok(env, "extract", "crm")
        said["first run"] = crmlake_ok(env, "run")
        published = _opportunities(api.published_database)
        victim = min(published)
        assert store.delete("crm.opportunities", victim)
        said["second pull"] = crmlake_ok(env, "extract", "crm", "--deletes", "--entity", "crm.opportunities")
        said["second run"] = crmlake_ok(env, "run")

    page = drop.landing_dir / "crm/opportunities/deletes_20261102/page_0001.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"totalSize": 1, "pageNo": 1, "pageSize": 500, "hasMore": False, "records": [
        {"id": victim, "updatedAt": DELETED_AT, "_deleted": True}]}), encoding="utf-8")
    said["drop run"] = crmlake_ok(drop_env, "run")
    return drop, api, victim, published, said


def test_the_delete_was_pulled_once_and_applied_incrementally(two_doors):
    _, api, victim, published, said = two_doors
    assert victim in published
    assert "crm.opportunities:" in said["second pull"] and "1 deleted in the CRM" in said["second pull"], said["second pull"]
    markers = list((api.landing_dir / "crm/opportunities").glob("deletes_*/page_*.json"))
    assert [r["id"] for m in markers for r in json.loads(m.read_text(encoding="utf-8"))["records"]] == [victim]
    assert "crmlake run: what changed and everything it feeds (landing files of" in said["second run"], said["second run"]


def test_api_and_file_drop_publish_the_same_marts(two_doors, dbt_manifest):
    drop, api, victim, _, _ = two_doors
    assert_same_marts(drop.published_database, api.published_database, dbt_manifest)
    for settings in (drop, api):
        assert victim not in _opportunities(settings.published_database)
