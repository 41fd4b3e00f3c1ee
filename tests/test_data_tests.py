"""dbt data tests run in one connection: dbt's verdicts, the step each test belongs to, check results."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.dbt.data_tests import (
    DataTest,
    check_results,
    data_tests,
    failure_summary,
    has_compiled_tests,
    run_tests,
    step_data_tests,
)


def _test(name, sql, *, severity="error", warn_if="!= 0", error_if="!= 0", parents=(), check=True, model="t"):
    return DataTest(
        unique_id=f"test.crmlake.{name}", name=name, sql=sql, severity=severity,
        fail_calc="count(*)", warn_if=warn_if, error_if=error_if, limit=None,
        model_parents=frozenset(parents),
        check_key=dg.AssetCheckKey(dg.AssetKey(["staging", model]), "dbt_tests") if check else None,
    )


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select * from (values (1, 'a'), (2, null), (3, null)) v(id, code)")
    return path


def test_verdicts_follow_dbts_test_materialization(warehouse):
    nulls = "select * from t where code is null"  # 2 rows
    outcomes = run_tests(warehouse, [
        _test("passes", "select * from t where id is null"),
        _test("fails", nulls),
        _test("warns_only", nulls, severity="warn"),
        # error_if '> 5': 2 failures are a warning, not an error (dbt's thresholds)
        _test("under_error_threshold", nulls, error_if="> 5"),
        _test("under_both_thresholds", nulls, warn_if="> 2", error_if="> 5"),
        _test("broken_sql", "select * from no_such_table"),
    ])
    by_name = {o.test.name: (o.status, o.failures) for o in outcomes}
    assert by_name == {
        "passes": ("pass", 0),
        "fails": ("fail", 2),
        "warns_only": ("warn", 2),
        "under_error_threshold": ("warn", 2),
        "under_both_thresholds": ("pass", 2),
        "broken_sql": ("error", None),
    }
    assert [o.test.name for o in outcomes if o.stops_the_run] == ["fails", "broken_sql"]
    summary = failure_summary(outcomes)
    assert "fails: 2 failing row(s) (test.crmlake.fails)" in summary
    assert "broken_sql" in summary and "no_such_table" in summary


def test_a_models_tests_report_as_its_one_check(warehouse):
    outcomes = run_tests(warehouse, [
        _test("fails", "select * from t where code is null"),
        _test("warns", "select * from t where code is null", severity="warn"),
        _test("passes", "select * from t where id > 99"),
        _test("singular", "select * from t where id > 99", check=False),
    ])
    [result] = list(check_results(outcomes))  # a test that is no asset check yields nothing
    assert (result.check_name, result.passed, result.severity) == ("dbt_tests", False, dg.AssetCheckSeverity.ERROR)
    assert result.description == "fails: 2 failing row(s)"
    metadata = {k: v.value for k, v in result.metadata.items()}
    assert metadata["tests"] == 3 and metadata["failed"] == 1 and metadata["warned"] == 1
    assert metadata["warnings"] == ["warns: 2 failing row(s) (severity warn)"]
    assert metadata["dagster_dbt/failed_row_count"] == 4

    [only_warned] = list(check_results(outcomes[1:3]))
    assert (only_warned.passed, only_warned.severity, only_warned.description) == (False, dg.AssetCheckSeverity.WARN, None)
    [clean] = list(check_results(outcomes[2:3]))
    assert clean.passed


def test_a_step_runs_the_tests_of_its_checks_once_all_their_parents_are_built():
    a, b, c = "model.crmlake.a", "model.crmlake.b", "model.crmlake.c"
    on_a = _test("on_a", "select 1", parents=[a])
    a_to_b = _test("a_to_b", "select 1", parents=[a, b])
    a_to_c = _test("a_to_c", "select 1", parents=[a, c])
    singular_b = _test("singular_b", "select 1", parents=[b], check=False)
    unselected = _test("unselected", "select 1", parents=[a], model="not_in_this_step")
    tests = [on_a, a_to_b, a_to_c, singular_b, unselected]
    expected = {t.check_key for t in (on_a, a_to_b, a_to_c)}

    def names(step_models, run_models):
        chosen = step_data_tests(tests, step_models=step_models, run_models=run_models, expected_checks=expected)
        return sorted(t.name for t in chosen)

    # a whole run, a built in this step, b and c in another one: only a's own test runs here
    assert names({a}, None) == ["on_a"]
    assert names({a, b}, None) == ["a_to_b", "on_a", "singular_b"]
    # an incremental run that rebuilds a only: c's table stands, so the relationship is checked
    assert names({a}, {a}) == ["a_to_b", "a_to_c", "on_a"]
    # c is rebuilt by the run, in another step: a_to_c waits for it
    assert names({a}, {a, c}) == ["a_to_b", "on_a"]


def test_tests_are_read_from_a_compiled_manifest():
    manifest = {"nodes": {
        "model.crmlake.a": {"resource_type": "model"},
        "test.crmlake.not_null_a_id": {
            "resource_type": "test", "name": "not_null_a_id", "compiled_code": "select 1 where false",
            "config": {"severity": "ERROR", "fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0"},
            "depends_on": {"nodes": ["model.crmlake.a", "source.crmlake.crm.accounts"]},
        },
    }}
    [test] = data_tests(manifest, lambda uid: None)
    assert test.severity == "error" and test.model_parents == {"model.crmlake.a"}
    assert has_compiled_tests(manifest)
    manifest["nodes"]["test.crmlake.not_null_a_id"]["compiled_code"] = None  # dbt parse only
    assert not has_compiled_tests(manifest)


def test_the_tests_connection_takes_the_profiles_duckdb_settings():
    """Time zone and memory limit as dbt's profile gives them to the models' sessions."""
    from pipelines.duckdb_session import profile_settings

    assert profile_settings({}) == {"TimeZone": "Asia/Shanghai", "memory_limit": "4GB"}
    assert profile_settings({"CRMLAKE_DUCKDB_MEMORY_LIMIT": "2GB"})["memory_limit"] == "2GB"


def test_a_setting_that_could_break_out_of_its_quotes_is_refused():
    from pipelines.duckdb_session import profile_settings

    with pytest.raises(ValueError, match="not a plain value"):
        profile_settings({"CRMLAKE_DUCKDB_MEMORY_LIMIT": "4GB'; drop table t; --"})
