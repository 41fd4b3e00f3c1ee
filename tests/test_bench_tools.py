"""The incremental bench's own counting: models a run built, and dbt's node floor really runs them."""

from __future__ import annotations

import duckdb

from tools.bench_incremental import _models_built
from tools.dbt_node_floor import dbt_node_floor, trivial_models


def test_models_built_counts_each_model_once_whatever_its_materialization():
    output = "\n".join([
        "12:00:01  1 of 3 START sql table model sales.forecast ...... [RUN]",
        "12:00:02  1 of 3 OK created sql table model sales.forecast ..... [OK in 0.12s]",
        "12:00:02  2 of 3 OK created sql incremental model staging.stg_crm__activities . [OK in 0.3s]",
        "12:00:03  3 of 3 OK created sql table model finance.ar_aging .... [OK in 0.4s]",
        "12:00:03  3 of 3 OK created sql table model finance.ar_aging .... [OK in 0.4s]",  # stdout and stderr
        "12:00:04  4 of 4 ERROR creating sql table model finance.dso_monthly .. [ERROR in 0.1s]",
    ])
    assert _models_built(output) == 3


def test_trivial_models_are_roots_and_selects_from_earlier_models():
    models = trivial_models(20)
    assert len(models) == 20
    assert [name for name, sql in models.items() if "ref(" not in sql] == ["m0000.sql", "m0001.sql"]
    assert models["m0019.sql"] == "select x from {{ ref('m0009') }}"


def test_the_node_floor_runs_every_model(tmp_path):
    floor = dbt_node_floor(tmp_path, 5, runs=1)
    assert floor["models"] == 5 and floor["seconds"] > 0 and floor["models_seconds"] is not None
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        counts = con.execute(
            "select table_name, estimated_size from duckdb_tables() order by table_name").fetchall()
        assert [name for name, _ in counts] == ["m0000", "m0001", "m0002", "m0003", "m0004"]
        assert {con.execute(f"select count(*) from {name}").fetchone()[0] for name, _ in counts} == {1000}
