"""Issue 14, odd values at the door: control characters, endless strings, oversized numbers and
negative money are quarantined with field and reason, never loaded verbatim; rows are never lost.

Each test failed on the code before the fix (see the report of issue 14):
control characters and a 349,529-character name loaded, an oversized amount was quarantined as
"more than 2 decimal places", a negative bank receipt loaded with only a quality-suite warning.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import polars as pl
import pytest
from ingest_fixtures import account, json_page

from kernel.contracts import entity
from pipelines.ingest.casting import STRING_MAX_LENGTH, typed_value
from pipelines.ingest.loader import evaluate_file


def _cast(qualified: str, field: str, values: list[str]):
    spec = entity(qualified).field(field)
    value, error = typed_value(spec, "v")
    assert error is not None, f"{qualified}.{field} can never fail"
    out = pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(
        value.alias("value"), error.alias("error")
    )
    return out["value"].to_list(), out["error"].to_list()


@pytest.mark.parametrize(
    ("text", "code"),
    [("上海\x00测试有限公司", "U+0000"), ("\x1b[31m红色公司", "U+001B"), ("abc\u202eexe.txt", "U+202E")],
)
def test_control_characters_in_text_are_quarantined_with_their_code(text, code):
    _, errors = _cast("crm.accounts", "accountName", [text])
    assert errors[0] is not None, f"{text!r} loaded verbatim"
    assert errors[0].startswith("accountName:") and "control character" in errors[0]
    assert code in errors[0]


def test_tab_and_line_breaks_in_free_text_are_kept():
    values, errors = _cast("crm.activities", "content", ["拜访\t客户\r\n第二行\n第三行"])
    assert errors == [None] and values == ["拜访\t客户\r\n第二行\n第三行"]


def test_an_endless_account_name_is_quarantined_with_the_limit():
    values, errors = _cast("crm.accounts", "accountName", ["名" * 349_529, "名" * STRING_MAX_LENGTH])
    assert errors[0] is not None, "a 349,529-character name loaded verbatim"
    assert "349529 characters" in errors[0] and f"at most {STRING_MAX_LENGTH}" in errors[0]
    assert len(errors[0]) < 300  # the reason does not carry the value itself
    assert errors[1] is None and len(values[1]) == STRING_MAX_LENGTH


def test_a_field_may_allow_longer_text_in_the_contract():
    limit = entity("callcenter.transcripts").field("text").max_length
    assert limit and limit > STRING_MAX_LENGTH
    _, errors = _cast("callcenter.transcripts", "text", ["话" * (STRING_MAX_LENGTH + 1)])
    assert errors == [None]


@pytest.mark.parametrize(
    ("qualified", "field", "value", "type_"),
    [
        ("crm.receipts", "amount", "12345678901234567890.00", "decimal(18,2)"),
        ("crm.receipts", "amount", "1200000000000000000", "decimal(18,2)"),
        ("erp.shipments", "quantity", "1234567890123456.5", "decimal(18,3)"),
        ("partners.rebate_policies", "rate", "999999999999999.1", "decimal(18,4)"),
    ],
)
def test_oversized_numbers_are_quarantined_as_too_large(qualified, field, value, type_):
    values, errors = _cast(qualified, field, [value])
    assert values == [None]
    assert errors[0] == f"{field}: '{value}' is too large for {type_}", errors[0]


def test_an_oversized_integer_is_too_large_for_int64():
    _, errors = _cast("crm.accounts", "id", ["99999999999999999999"])
    assert errors[0] == "id: '99999999999999999999' is too large for int64 (bigint)", errors[0]


def test_more_decimals_than_the_scale_keep_their_reason():
    _, errors = _cast("crm.receipts", "amount", ["1.234"])
    assert errors[0] == "amount: '1.234' has more than 2 decimal places"


@pytest.mark.parametrize(
    ("qualified", "field"),
    [("erp.bank_receipts", "amount"), ("crm.payment_installments", "amount"), ("crm.orders", "totalAmount")],
)
def test_negative_money_where_the_contract_says_min_0_is_quarantined(qualified, field):
    values, errors = _cast(qualified, field, ["-5.00", "0.00", "5.00"])
    assert errors[0] is not None, f"{qualified}.{field} -5.00 loaded (only a quality warning)"
    assert errors[0].startswith(f"{field}: -5.00 is below 0"), errors[0]
    assert errors[1:] == [None, None] and values[1:] == [Decimal("0.00"), Decimal("5.00")]


def test_a_negative_crm_receipt_is_quarantined_and_a_negative_refund_loads(tmp_path):
    """Before: a receipt of -500.00 loaded (finance reviewed it later, status said nothing).
    A refund may be written with either sign (the contract says so): it still loads."""
    records = [
        {"id": i, "entityType": "paymentRecord", "createdAt": 1760000000000,
         "updatedAt": 1760000000000, "receiptNo": f"HK{i}", "accountId": 1,
         "receiptDate": "2026-06-11", "amount": amount, "receiptType": kind}
        for i, (amount, kind) in enumerate(
            [(-500.00, "receipt"), (-1500.00, "refund"), (1500.00, "refund"), (10.00, "receipt")],
            start=1,
        )
    ]
    rel = "crm/receipts/delta_20261102/page_0001.json"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_bytes(json_page(records))
    with duckdb.connect() as con:
        outcome = evaluate_file(entity("crm.receipts"), path, rel, con)
    assert outcome.rows_read == 4 == outcome.rows_loaded + outcome.rows_quarantined
    assert outcome.raw["id"].to_list() == [2, 3, 4]
    (reason,) = outcome.quarantine["reason"].to_list()
    assert reason.startswith("amount: -500.00 is below 0 for receiptType receipt"), reason


def test_a_negative_quantity_still_loads_and_only_warns():
    """A return can carry a negative quantity: quantities and rates keep their warning."""
    _, errors = _cast("erp.shipments", "quantity", ["-1.000"])
    assert errors == [None]


def test_a_crm_page_with_hostile_values_loses_no_row(tmp_path):
    """Rows read = loaded + quarantined; each bad row names its field and reason."""
    records = [
        account(1),
        account(2, accountName="坏\x00名字"),
        account(3, accountName="长" * 349_529),
        account(4, address="\u202eevil"),
        account(5),
    ]
    path = tmp_path / "crm/accounts/full_20261001/page_0001.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(json_page(records))
    with duckdb.connect() as con:
        outcome = evaluate_file(
            entity("crm.accounts"), path, "crm/accounts/full_20261001/page_0001.json", con
        )
    assert outcome.rows_read == 5 == outcome.rows_loaded + outcome.rows_quarantined
    assert outcome.raw["id"].to_list() == [1, 5]
    bad = outcome.quarantine.sort("_row_number")
    assert bad["_row_number"].to_list() == [2, 3, 4]
    assert bad["field"].to_list() == ["accountName", "accountName", "address"]
    assert "control character U+0000" in bad["reason"][0]
    assert "349529 characters" in bad["reason"][1]
    assert "U+202E" in bad["reason"][2]


# ----------------------------------------------------------------------------- warnings seen
def _snapshot(tmp_path, *statements: str):
    """A hand-made published snapshot holding the given meta tables."""
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.published_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.published_database)) as con:
        con.execute("create schema meta")
        for sql in statements:
            con.execute(sql)
    (settings.published_dir / "manifest.json").write_text(
        '{"published_at": "2026-12-01T08:00:00Z", "run_id": "r1", "tables": {}}', encoding="utf-8"
    )
    return settings


def test_status_lists_ignored_landing_files(tmp_path):
    from kernel.publish_status import collect_status, format_status

    settings = _snapshot(
        tmp_path,
        "create table meta.ignored_files (path varchar, reason varchar)",
        "insert into meta.ignored_files values ('notes.txt', 'matches no entity'), "
        "('callcenter/stray_link.csv', 'symbolic link, not followed')",
    )
    status = collect_status(settings)
    assert status["ignored_files"] == [
        {"path": "callcenter/stray_link.csv", "reason": "symbolic link, not followed"},
        {"path": "notes.txt", "reason": "matches no entity"},
    ]
    assert any("2 landing file(s) ignored" in w for w in status["warnings"])
    text = format_status(status)
    assert "notes.txt: ignored: matches no entity" in text
    assert "callcenter/stray_link.csv: ignored: symbolic link, not followed" in text


def test_status_never_sends_a_file_name_s_control_characters_to_the_terminal(tmp_path):
    from kernel.publish_status import collect_status, format_status

    settings = _snapshot(
        tmp_path,
        "create table meta.ignored_files (path varchar, reason varchar)",
        "insert into meta.ignored_files values ('crm/\x1b[2Jevil\u202etxt.exe', 'matches no entity')",
    )
    text = format_status(collect_status(settings))
    assert "\x1b" not in text and "\u202e" not in text
    assert "crm/\\x1b[2Jevil\\u202etxt.exe: ignored: matches no entity" in text


def test_status_without_the_ignored_files_table_is_quiet(tmp_path):
    from kernel.publish_status import collect_status

    status = collect_status(_snapshot(tmp_path))
    assert status["ignored_files"] == [] and status["warnings"] == []


def test_quarantined_rows_are_a_status_warning(tmp_path):
    from kernel.publish_status import collect_status, format_status

    settings = _snapshot(
        tmp_path,
        "create table meta.quarantine_summary as select 'erp' as system, 'bank_receipts' as entity, "
        "'erp/bank_receipts/bank_receipts_2026-03.csv' as source_file, 'amount' as field, "
        "3::bigint as rows, 'amount: -5.00 is below 0' as example_reason",
    )
    status = collect_status(settings)
    assert any("3 row(s) quarantined" in w and "erp.bank_receipts 3" in w for w in status["warnings"])
    assert "WARNING" in format_status(status)


def _evaluation(check: str, passed: bool, severity, metadata=None, description=None):
    import dagster as dg

    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["raw", "erp", "bank_receipts"]) if check == "raw_suite"
        else dg.AssetKey(["staging", "stg_erp__invoices"]),
        check_name=check,
        passed=passed,
        severity=severity,
        metadata=metadata or {},
        description=description,
    )


class _FakeRun:
    def __init__(self, evaluations):
        self._evaluations = evaluations

    def get_asset_check_evaluations(self):
        return self._evaluations


def test_check_warnings_of_a_run_are_collected_and_shown_by_status(tmp_path):
    """Before: a passing raw suite's warnings and a dbt test at warn were shown nowhere."""
    import dagster as dg

    from kernel.publish_status import collect_status, format_status, write_last_run
    from pipelines.runner import check_warnings

    run = _FakeRun([
        _evaluation("raw_suite", True, dg.AssetCheckSeverity.ERROR,
                    {"warnings": ["erp.bank_receipts: claim_status has 2 values outside [已认领, 未认领]"]}),
        _evaluation("relationships_invoice_order", False, dg.AssetCheckSeverity.WARN,
                    {"dagster_dbt/failed_row_count": 4}),
        _evaluation("unique_invoice_no", True, dg.AssetCheckSeverity.ERROR),
    ])
    warnings = check_warnings(run)
    assert warnings == [
        "raw/erp/bank_receipts:raw_suite: erp.bank_receipts: claim_status has 2 values outside "
        "[已认领, 未认领]",
        "staging/stg_erp__invoices:relationships_invoice_order warned: 4 row(s) failed",
    ]
    settings = _snapshot(tmp_path)
    write_last_run(settings, "r1", True, 10.0, [], warnings)
    status = collect_status(settings)
    assert any("2 check warning(s) in run r1" in w for w in status["warnings"])
    text = format_status(status)
    assert "claim_status has 2 values outside" in text and "relationships_invoice_order warned" in text


_FAKE_RUN = """
import sys
import dagster as dg
import pipelines.dbt.project as project
import pipelines.runner as runner

class Run:
    run_id, success, all_events = "r-fake", False, []
    def get_asset_check_evaluations(self):
        return [
            dg.AssetCheckEvaluation(asset_key=dg.AssetKey(["raw", "erp", "bank_receipts"]),
                check_name="raw_suite", passed=True, severity=dg.AssetCheckSeverity.ERROR,
                metadata={"warnings": ["erp.bank_receipts: claim_status has 2 values outside [已认领, 未认领]"]}),
            dg.AssetCheckEvaluation(asset_key=dg.AssetKey(["raw", "crm", "accounts"]),
                check_name="raw_suite", passed=False, severity=dg.AssetCheckSeverity.ERROR,
                description="crm.accounts: required column id has 1 null value(s) in 3 rows"),
        ]

project.ensure_manifest = lambda: None
runner.materialize = lambda *args, **kwargs: Run()
from tools.cli import main
sys.exit(main(["run"]))
"""


def test_a_failed_run_prints_the_check_warnings_too(tmp_path):
    """`crmlake run` after a failed run: the reasons, then what the checks warned about (before:
    only errors; a passing check's warnings were printed nowhere)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMLAKE_", "DAGSTER_HOME"))}
    env["CRMLAKE_HOME"] = str(tmp_path)
    run = subprocess.run([sys.executable, "-c", _FAKE_RUN], env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "check raw/crm/accounts:raw_suite failed crm.accounts: required column id" in run.stdout
    assert "Check warnings 检查警告 (1):" in run.stdout
    assert "raw/erp/bank_receipts:raw_suite: erp.bank_receipts: claim_status has 2 values" in run.stdout
    last_run = (tmp_path / "lakehouse" / "last_run.json").read_text(encoding="utf-8")
    assert "claim_status has 2 values" in last_run
