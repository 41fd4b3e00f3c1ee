"""The raw suites evaluated in DuckDB say what Great Expectations says (quality/sql_engine.py).

Each case writes a raw table to Parquet the way the pipeline reads it, then runs both engines:
GX's pandas engine on the frame DuckDB reads from those files (what the check did before), and
the DuckDB engine on the files. Every expectation must get the same verdict, counts, percentage
and examples, and the worded result (blocking failures, warnings, statistics) must be equal.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_quality import N, clean_frame, ledger_for

from kernel.contracts import entity
from quality.validate import (
    _gx_outcomes,
    _identity,
    gx_frame,
    sql_outcomes,
    validate_raw,
    validate_raw_sql,
)


def _write(tmp_path, frames: list[pd.DataFrame]) -> list[str]:
    paths = []
    for i, frame in enumerate(frames):
        path = tmp_path / f"part_{i:03d}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        paths.append(str(path))
    return paths


def _source(paths: list[str]) -> str:
    listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listed}], union_by_name=true)"


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _key(outcome) -> str:
    return repr(_identity(outcome.type, outcome.kwargs, outcome.meta))


def assert_engines_agree(tmp_path, spec, frames, *, expected_rows, ledger=None):
    """Both engines on the same files; returns the DuckDB engine's worded result."""
    paths = _write(tmp_path, frames)
    source = _source(paths)
    with duckdb.connect() as con:
        frame = con.execute(f"select * from {source}").df()
        sql_result = validate_raw_sql(spec, con, source, expected_rows=expected_rows, ledger=ledger)
        sql_side, n_rows, _ = sql_outcomes(spec, con, source, expected_rows)
    gx_result = validate_raw(spec, frame, expected_rows=expected_rows, ledger=ledger)
    gx_outcomes = _gx_outcomes(spec, gx_frame(spec, frame), expected_rows)

    assert n_rows == len(frame)
    # GX reports its results in its own order: pair them by what each expectation is
    sql_side, gx_side = sorted(sql_side, key=_key), sorted(gx_outcomes, key=_key)
    assert [_key(o) for o in sql_side] == [_key(o) for o in gx_side]
    for mine, theirs in zip(sql_side, gx_side, strict=True):
        where = f"{mine.type} {mine.kwargs.get('column') or mine.kwargs.get('column_list') or ''}"
        assert mine.success == theirs.success, where
        if mine.exception or theirs.exception:  # a missing column: reported as such, not worded
            continue
        for key in ("unexpected_count", "unexpected_percent", "observed_value"):
            if key in theirs.result and key != "observed_value" or (
                key == "observed_value" and mine.type == "expect_table_row_count_to_equal"
            ):
                assert _same(mine.result.get(key), theirs.result.get(key)), (where, key)
        if mine.type != "expect_column_values_to_not_be_null" and "partial_unexpected_list" in theirs.result:
            assert _same(list(mine.result["partial_unexpected_list"]),
                         list(theirs.result["partial_unexpected_list"])), where
    for field in ("success", "blocking_failures", "warnings", "statistics", "row_count", "expected_rows"):
        assert getattr(sql_result, field) == getattr(gx_result, field), field
    return sql_result


@pytest.mark.parametrize("name", ["crm.accounts", "erp.invoices", "callcenter.call_records", "crm.opportunities"])
def test_a_clean_table_passes_in_both(tmp_path, name):
    spec = entity(name)
    df = clean_frame(spec)
    result = assert_engines_agree(tmp_path, spec, [df.iloc[:3], df.iloc[3:]], expected_rows=N, ledger=ledger_for(df))
    assert result.success and result.warnings == []


def test_nulls_duplicates_and_a_wrong_count_block_in_both(tmp_path):
    spec = entity("crm.opportunities")
    df = clean_frame(spec)
    df.loc[1, "stage"] = None
    df.loc[2, "amount"] = None
    df.loc[5, ["_source_file", "_row_number"]] = df.loc[1, ["_source_file", "_row_number"]]  # across parts
    result = assert_engines_agree(tmp_path, spec, [df.iloc[:2], df.iloc[2:]], expected_rows=N + 1)
    assert not result.success
    assert len(result.blocking_failures) == 4


def test_values_outside_the_contract_warn_with_the_same_examples(tmp_path):
    spec = entity("crm.opportunities")
    df = pd.concat([clean_frame(spec)] * 3, ignore_index=True)
    df["_row_number"] = range(len(df))
    df.loc[[0, 3, 7, 8, 9, 11, 15], "stage"] = ["丢单", "O'Brien", "丢单", "x", "y", "z", "w"]
    df.loc[[2, 5], "winRate"] = [101, -3]
    df.loc[[1, 6], "amount"] = [Decimal("-5.25"), Decimal("-0.01")]
    df.loc[[4], "updatedAt"] = 0
    df.loc[[10], "createdAt"] = 2_051_222_400_000  # the strict upper bound itself
    result = assert_engines_agree(tmp_path, spec, [df.iloc[:8], df.iloc[8:]], expected_rows=len(df))
    assert result.success and len(result.warnings) == 5


def test_a_unit_error_blocks_and_its_value_warnings_are_folded_in_both(tmp_path):
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df["createdAt"] = df["createdAt"] // 1000
    df.loc[0, "createdAt"] = 1_700_000_000_000
    result = assert_engines_agree(tmp_path, spec, [df], expected_rows=N)
    assert not result.success and any("createdAt" in m for m in result.blocking_failures)


def test_delete_markers_are_not_held_to_required_columns_in_both(tmp_path):
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df["_deleted"] = [False, True, False, True, False, False]
    required = [f.name for f in spec.fields if f.required and f.name not in spec.marker_fields]
    df.loc[[1, 3], required] = None
    df.loc[5, required[0]] = None  # not a marker: still a blocking null
    result = assert_engines_agree(tmp_path, spec, [df], expected_rows=N)
    assert result.blocking_failures == [f"crm.accounts: required column {required[0]} has 1 null value(s) in 6 rows"]


def test_missing_columns_and_an_empty_table_in_both(tmp_path):
    spec = entity("callcenter.call_records")
    df = clean_frame(spec).drop(columns=["direction", "_file_hash"])
    result = assert_engines_agree(tmp_path, spec, [df], expected_rows=N)
    assert not result.success and len(result.blocking_failures) == 1
    empty = clean_frame(spec).iloc[:0]
    (tmp_path / "empty").mkdir()
    assert assert_engines_agree(tmp_path / "empty", spec, [empty], expected_rows=0).success


def test_nan_and_text_in_a_ranged_column_count_as_missing_in_both(tmp_path):
    spec = entity("callcenter.call_records")
    df = clean_frame(spec)
    df["hold_seconds"] = [float("nan"), -1.0, 3.0, float("nan"), -2.0, 0.0]
    assert_engines_agree(tmp_path, spec, [df], expected_rows=None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    talk=st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=1, max_size=12),
    direction=st.lists(st.sampled_from([None, "inbound", "outbound", "呼入", "x'y"]), min_size=12, max_size=12),
    repeat_at=st.lists(st.integers(0, 11), max_size=3),
    split=st.integers(0, 12),
)
def test_any_table_gets_the_same_verdicts(tmp_path_factory, talk, direction, repeat_at, split):
    spec = entity("callcenter.call_records")
    n = len(talk)
    df = clean_frame(spec, n)
    df["talk_seconds"] = pd.array(talk, dtype="Int64")
    df["direction"] = direction[:n]
    for i in repeat_at:
        if i < n:
            df.loc[i, "_row_number"] = 0
            df.loc[i, "_source_file"] = df.loc[0, "_source_file"]
    split = min(split, n)
    parts = [p for p in (df.iloc[:split], df.iloc[split:]) if len(p)]
    assert_engines_agree(tmp_path_factory.mktemp("case"), spec, parts, expected_rows=n)
