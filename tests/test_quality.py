"""Raw-layer Great Expectations suites and the validate_raw API (quality/)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec, entity, load_contract
from quality import QualityResult, raw_suite, validate_raw
from quality.raw_suites import EPOCH_MS_MIN, raw_columns

ENTITIES = ["crm.accounts", "erp.invoices", "callcenter.call_records"]
N = 6


def _value(f, i: int):
    """A value of field ``f`` that satisfies the contract."""
    if f.values:
        return f.values[i % len(f.values)]
    lo = f.min if f.min is not None else 1
    match f.type:
        case "string":
            return f"{f.name}-{i}"
        case "int64":
            return int(lo) + i if f.max is None else int(lo)
        case "decimal":
            return Decimal(str(lo)) + (Decimal("10.50") if f.max is None else 0)
        case "float64":
            return float(lo)
        case "bool":
            return i % 2 == 0
        case "date":
            return dt.date(2024, 1, 1) + dt.timedelta(days=i)
        case "epoch_ms":
            return 1_700_000_000_000 + i * 60_000
        case "timestamp":
            return pd.Timestamp("2024-01-01 09:00:00") + pd.Timedelta(minutes=i)
        case "timestamp_utc":
            return pd.Timestamp("2024-01-01 01:00:00", tz="UTC")
    raise AssertionError(f.type)


def clean_frame(spec: EntitySpec, n: int = N) -> pd.DataFrame:
    """A raw table as the loader writes it: contract + lineage columns and one extra column."""
    data = {f.name: [_value(f, i) for i in range(n)] for f in spec.fields}
    data["_source_file"] = [f"{spec.system}/{spec.name}/file_{i % 2}" for i in range(n)]
    data["_row_number"] = list(range(n))
    data["_load_id"] = ["load-1"] * n
    data["_loaded_at"] = [pd.Timestamp("2024-02-01 00:00:00")] * n
    data["_file_hash"] = ["cafe"] * n
    data["_unmapped_remark"] = ["extra column the loader kept"] * n
    return pd.DataFrame(data)


def ledger_for(df: pd.DataFrame, quarantined: int = 0) -> pd.DataFrame:
    per_file = df.groupby("_source_file").size()
    return pd.DataFrame(
        {
            "source_file": per_file.index,
            "status": "loaded",
            "rows_read": per_file.to_numpy() + quarantined,
            "rows_loaded": per_file.to_numpy(),
            "rows_quarantined": quarantined,
        }
    )


@pytest.mark.parametrize("name", ENTITIES)
def test_clean_frame_passes(name):
    spec = entity(name)
    df = clean_frame(spec)
    result = validate_raw(spec, df, expected_rows=len(df))
    assert isinstance(result, QualityResult)
    assert result.success, result.blocking_failures
    assert result.blocking_failures == [] and result.warnings == []
    assert result.suite_name == f"raw_{spec.system}__{spec.name}"
    assert result.statistics["evaluated"] == result.statistics["successful"] > 5


def test_arrow_backed_frame_passes_and_ranges_still_work():
    """Frames read with pyarrow dtypes (decimal128, int64[pyarrow]) are validated alike."""
    spec = entity("callcenter.call_records")
    df = clean_frame(spec)
    arrow = pa.Table.from_pandas(df, preserve_index=False).to_pandas(types_mapper=pd.ArrowDtype)
    assert validate_raw(spec, arrow, expected_rows=N).success
    arrow.loc[2, "talk_seconds"] = -5
    result = validate_raw(spec, arrow, expected_rows=N)
    assert result.success
    assert result.warnings == [
        "callcenter.call_records: talk_seconds has 1 values outside [0, ∞) (e.g. -5)"
    ]


def test_required_null_is_blocking_and_names_the_column():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df.loc[3, "accountName"] = None
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success
    assert len(result.blocking_failures) == 1
    assert "accountName" in result.blocking_failures[0]
    assert "1 null" in result.blocking_failures[0]


def test_null_in_decimal_required_column_is_blocking():
    spec = entity("erp.invoices")
    df = clean_frame(spec)
    df["amount_incl_tax"] = df["amount_incl_tax"].astype(object)
    df.loc[0, "amount_incl_tax"] = None
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success
    assert any("amount_incl_tax" in m for m in result.blocking_failures)


def test_duplicate_lineage_key_is_blocking():
    spec = entity("erp.invoices")
    df = clean_frame(spec)
    df.loc[1, ["_source_file", "_row_number"]] = df.loc[0, ["_source_file", "_row_number"]]
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success
    [msg] = result.blocking_failures
    assert "(_source_file, _row_number) is not unique" in msg and "2 rows" in msg


def test_duplicate_business_key_is_fine_in_raw():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df["id"] = 42  # every version of one record: staging dedupes, raw keeps them all
    assert validate_raw(spec, df, expected_rows=N).success


def test_row_count_different_from_expected_is_blocking():
    spec = entity("callcenter.call_records")
    df = clean_frame(spec)
    result = validate_raw(spec, df, expected_rows=N + 2)
    assert not result.success
    [msg] = result.blocking_failures
    assert f"raw has {N} rows" in msg and f"{N + 2} were loaded" in msg


def test_ledger_gives_expected_rows_and_a_consistent_ledger_passes():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    result = validate_raw(spec, df, expected_rows=None, ledger=ledger_for(df, quarantined=2))
    assert result.success, result.blocking_failures
    assert result.expected_rows == N and result.warnings == []
    short = validate_raw(spec, df.iloc[1:], expected_rows=None, ledger=ledger_for(df))
    assert not short.success and "raw has 5 rows" in short.blocking_failures[0]


def test_ledger_file_not_reconciled_is_blocking_and_names_the_file():
    spec = entity("erp.invoices")
    df = clean_frame(spec)
    ledger = ledger_for(df, quarantined=1)
    ledger.loc[1, "rows_read"] = 9
    result = validate_raw(spec, df, expected_rows=N, ledger=ledger)
    assert not result.success
    [msg] = result.blocking_failures
    bad_file = ledger.loc[1, "source_file"]
    assert bad_file in msg and "read 9 rows but loaded 3 + quarantined 1" in msg


def test_ledger_without_counts_is_blocking():
    spec = entity("erp.invoices")
    df = clean_frame(spec)
    ledger = ledger_for(df).drop(columns="rows_quarantined")
    result = validate_raw(spec, df, expected_rows=N, ledger=ledger)
    assert not result.success and "rows_quarantined" in result.blocking_failures[0]


def test_out_of_set_enum_is_a_warning_only():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df.loc[[1, 2, 4], "level"] = ["E", "E", "Z"]
    result = validate_raw(spec, df, expected_rows=N)
    assert result.success and result.blocking_failures == []
    assert result.warnings == [
        "crm.accounts: level has 3 values outside [A, B, C, D] (e.g. 'E', 'Z')"
    ]
    assert result.statistics["warnings"] == 1


def test_missing_contract_column_is_blocking_without_follow_up_noise():
    spec = entity("callcenter.call_records")
    df = clean_frame(spec).drop(columns=["direction", "hangup_by"])
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success
    [msg] = result.blocking_failures  # not also "direction has nulls" / "could not be evaluated"
    assert "missing column(s) direction, hangup_by" in msg
    assert result.warnings == []


def test_missing_lineage_column_is_blocking():
    spec = entity("crm.accounts")
    df = clean_frame(spec).drop(columns="_file_hash")
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success and "_file_hash" in result.blocking_failures[0]


def test_epoch_ms_oddities_warn_but_a_unit_error_blocks():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df.loc[0, "updatedAt"] = 0  # a placeholder 1970 date: odd, not broken
    result = validate_raw(spec, df, expected_rows=N)
    assert result.success
    assert result.warnings == [
        "crm.accounts: updatedAt has 1 values outside 2015-01-01..2035-01-01 as epoch ms "
        "(e.g. 0 = 1970-01-01)"
    ]
    df["createdAt"] = df["createdAt"] // 1000  # seconds, not milliseconds
    result = validate_raw(spec, df, expected_rows=N)
    assert not result.success
    assert any("createdAt: 100% of values" in m for m in result.blocking_failures)
    assert EPOCH_MS_MIN == int(pd.Timestamp("2015-01-01", tz="UTC").timestamp() * 1000)


def test_without_expected_rows_the_count_is_not_reconciled_but_reported():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    result = validate_raw(spec, df, expected_rows=None)
    assert result.success
    assert result.warnings == [
        "crm.accounts: row count not reconciled (pass expected_rows or the ledger to check it)"
    ]


def test_metadata_is_plain_json():
    spec = entity("crm.accounts")
    df = clean_frame(spec)
    df.loc[0, "level"] = "E"
    df.loc[1, "accountName"] = None
    meta = validate_raw(spec, df, expected_rows=N).to_metadata()
    assert json.loads(json.dumps(meta)) == meta
    assert meta["success"] is False and meta["suite_name"] == "raw_crm__accounts"
    assert meta["blocking_failure_count"] == 1 and meta["warning_count"] == 1


def test_every_contract_entity_has_a_suite_with_blocking_expectations():
    for spec in load_contract().values():
        suite = raw_suite(spec)
        assert suite.name == f"raw_{spec.system}__{spec.name}"
        metas = [e.meta for e in suite.expectations]
        assert all(set(m) == {"blocking", "why"} and m["why"] for m in metas)
        blocking = [e for e in suite.expectations if e.meta["blocking"]]
        assert blocking, spec.qualified_name
        kinds = {e.expectation_type for e in blocking}
        assert {
            "expect_table_columns_to_match_set",
            "expect_compound_columns_to_be_unique",
            "expect_table_row_count_to_equal",
        } <= kinds
        [columns] = [
            e
            for e in suite.expectations
            if e.expectation_type == "expect_table_columns_to_match_set"
        ]
        assert set(columns.column_set) == set(raw_columns(spec))
        assert set(LINEAGE_COLUMNS) <= set(columns.column_set)
        # value ranges and enumerations warn, never block
        for e in suite.expectations:
            if e.expectation_type == "expect_column_values_to_be_in_set":
                assert e.meta["blocking"] is False


def test_path_fields_are_columns_and_not_null():
    spec = entity("partners.sales_reports")
    suite = raw_suite(spec)
    not_null = {
        e.column
        for e in suite.expectations
        if e.expectation_type == "expect_column_values_to_not_be_null"
    }
    assert {"partner_code", "report_month"} <= not_null
