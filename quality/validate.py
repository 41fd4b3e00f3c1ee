"""Validate one raw table (a pandas frame) against its suite: the API the Dagster asset checks call.

    result = validate_raw(spec, df, expected_rows=ledger_rows_loaded, ledger=ledger_frame)
    if not result.success: ...            # a blocking expectation failed
    metadata = result.to_metadata()       # plain JSON values for a Dagster AssetCheckResult

GX runs on pandas here, not on DuckDB: GX 1.x's SQL path on DuckDB returns no usable results.
One ephemeral GX context serves the whole process; suites, dataframe assets and validation
definitions are assembled in code the first time an entity is validated and reused afterwards.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec
from quality.raw_suites import (
    EPOCH_MS_MAX,
    EPOCH_MS_MIN,
    EXPECTED_ROWS_PARAMETER,
    NUMERIC_TYPES,
    gx_module,
    is_blocking,
    raw_columns,
    raw_expectations,
    raw_suite,
    suite_name,
)
from quality.sql_engine import Outcome, evaluate

# Enough to show what is wrong without computing (or shipping to Dagster) long lists.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
EXAMPLES_SHOWN = 3
LEDGER_COLUMNS = ("source_file", "rows_read", "rows_loaded", "rows_quarantined")
LEDGER_FILES_SHOWN = 10


@dataclass
class QualityResult:
    """Outcome of validating one raw table. ``success`` is False only on blocking failures."""

    suite_name: str
    success: bool
    blocking_failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    statistics: dict[str, int] = field(default_factory=dict)
    entity: str = ""
    row_count: int = 0
    expected_rows: int | None = None
    seconds: float = 0.0

    def to_metadata(self) -> dict[str, Any]:
        """Plain JSON-able values (str, int, float, bool, lists) for Dagster metadata."""
        meta = asdict(self)
        meta["seconds"] = round(self.seconds, 3)
        meta["blocking_failure_count"] = len(self.blocking_failures)
        meta["warning_count"] = len(self.warnings)
        return meta


# ----------------------------------------------------------------------------- GX context
_LOCK = threading.RLock()
_CONTEXT: Any = None
_DATASOURCE_NAME = "crmlake_raw"
_VALIDATIONS: dict[tuple[EntitySpec, bool], Any] = {}


def gx_context() -> Any:
    """The process-wide ephemeral GX context (created on first use; no files on disk)."""
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            gx = gx_module()
            from great_expectations.data_context.types.base import ProgressBarsConfig

            ctx = gx.get_context(mode="ephemeral")
            # tqdm bars per expectation would flood Dagster's captured stderr.
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
            ctx.data_sources.add_pandas(name=_DATASOURCE_NAME)
            _CONTEXT = ctx
        return _CONTEXT


def _validation_definition(spec: EntitySpec, reconcile: bool) -> Any:
    """The cached ValidationDefinition (suite + whole-dataframe batch) of one entity."""
    key = (spec, reconcile)
    with _LOCK:
        if key in _VALIDATIONS:
            return _VALIDATIONS[key]
        gx = gx_module()
        ctx = gx_context()
        name = suite_name(spec) if reconcile else f"{suite_name(spec)}__unreconciled"
        if any(n == name for n in (vd.name for vd in _VALIDATIONS.values())):
            name = f"{name}__{len(_VALIDATIONS)}"  # same entity name, different spec (tests)
        suite = raw_suite(spec, reconcile=reconcile)
        suite.name = name
        suite = ctx.suites.add(suite)
        asset = ctx.data_sources.get(_DATASOURCE_NAME).add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe("whole_dataframe")
        vd = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        _VALIDATIONS[key] = vd
        return vd


# ----------------------------------------------------------------------------- frames
def gx_frame(spec: EntitySpec, df: pd.DataFrame) -> pd.DataFrame:
    """Only the columns the suite reads, with dtypes GX's pandas engine compares correctly.

    Range-checked columns (decimals as ``Decimal`` objects or ``decimal128[pyarrow]``, nullable
    or Arrow integers, epoch ms) become float64: one vectorised comparison instead of Python
    objects, and NaN for nulls. Other columns keep their dtype (only nulls and set membership
    are checked on them). The index is reset so GX's row positions mean something.
    """
    ranged = _ranged_columns(spec)
    out: dict[str, pd.Series] = {}
    for col in raw_columns(spec):
        if col not in df.columns:
            continue
        s = df[col]
        if isinstance(s, pd.DataFrame):  # duplicated column name: the first one is the column
            s = s.iloc[:, 0]
        if col in ranged:
            s = _to_float(s)
        out[col] = s.reset_index(drop=True)
    if spec.delete_marker:  # the required-column checks skip marker rows (raw_suites)
        if spec.delete_marker in df.columns:
            flags = df[spec.delete_marker].fillna(False).astype(bool).reset_index(drop=True)
        else:
            flags = pd.Series(False, index=pd.RangeIndex(len(df)), dtype=bool)
        out[spec.delete_marker] = flags
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _ranged_columns(spec: EntitySpec) -> set[str]:
    """Columns the suite compares with a range: compared as doubles by both engines."""
    return {
        f.name
        for f in spec.fields
        if f.type == "epoch_ms" or (f.type in NUMERIC_TYPES and (f.min is not None or f.max is not None))
    }


def _to_float(s: pd.Series) -> pd.Series:
    if s.dtype == "float64":
        return s
    try:
        return s.astype("float64")
    except (TypeError, ValueError):
        # A typed raw column never lands here; a frame built by hand might (strings).
        return pd.to_numeric(s, errors="coerce").astype("float64")


# ----------------------------------------------------------------------------- validation
def validate_raw(
    spec: EntitySpec,
    df: pd.DataFrame,
    *,
    expected_rows: int | None,
    ledger: pd.DataFrame | None = None,
) -> QualityResult:
    """Validate the raw table ``df`` of ``spec`` against ``raw_<system>__<entity>``.

    ``expected_rows`` is the row count raw must have (the ledger's rows_loaded total). When it
    is None and a ``ledger`` is given, the ledger's ``rows_loaded`` total is used; with neither,
    the count is not reconciled and a warning says so. The ledger (one row per landing file:
    ``source_file, rows_read, rows_loaded, rows_quarantined``) is also checked file by file:
    ``rows_read == rows_loaded + rows_quarantined`` (blocking). A polars ledger is accepted.
    """
    started = time.perf_counter()
    blocking, warnings, evaluated, successful, expected_rows = _ledger_part(spec, ledger, expected_rows)
    frame = gx_frame(spec, df)
    outcomes = _gx_outcomes(spec, frame, expected_rows)
    missing = set(raw_columns(spec)) - set(frame.columns)
    return _result(spec, outcomes, missing, len(frame), expected_rows, blocking, warnings,
                   evaluated, successful, started)


def validate_raw_sql(
    spec: EntitySpec,
    con: Any,
    source: str,
    *,
    expected_rows: int | None,
    ledger: pd.DataFrame | None = None,
) -> QualityResult:
    """:func:`validate_raw` on the rows of a DuckDB table expression (``read_parquet(...)`` of
    the raw files), evaluated in DuckDB (:mod:`quality.sql_engine`): the same suite, verdicts and
    wording, without reading the table into pandas or importing GX."""
    started = time.perf_counter()
    blocking, warnings, evaluated, successful, expected_rows = _ledger_part(spec, ledger, expected_rows)
    outcomes, n_rows, columns = sql_outcomes(spec, con, source, expected_rows)
    missing = set(raw_columns(spec)) - columns
    return _result(spec, outcomes, missing, n_rows, expected_rows, blocking, warnings,
                   evaluated, successful, started)


def sql_outcomes(spec: EntitySpec, con: Any, source: str, expected_rows: int | None):
    """The suite evaluated in DuckDB on ``source``: (outcomes in suite order, row count, columns)."""
    return evaluate(
        con, source, raw_expectations(spec, reconcile=expected_rows is not None),
        ranged=_ranged_columns(spec), int_columns={f.name for f in spec.fields if f.type == "int64"},
        expected_rows=expected_rows,
    )


def _ledger_part(spec: EntitySpec, ledger: Any, expected_rows: int | None):
    """The ledger's own reconciliation, and the expected row count it gives when none was passed."""
    entity = spec.qualified_name
    blocking: list[str] = []
    warnings: list[str] = []
    evaluated = successful = 0
    if ledger is not None:
        if not isinstance(ledger, pd.DataFrame) and hasattr(ledger, "to_pandas"):
            ledger = ledger.to_pandas()
        ledger_failures, ledger_loaded = _check_ledger(entity, ledger)
        evaluated += 1
        successful += not ledger_failures
        blocking += ledger_failures
        if expected_rows is None and ledger_loaded is not None:
            expected_rows = ledger_loaded
    if expected_rows is None:
        warnings.append(
            f"{entity}: row count not reconciled (pass expected_rows or the ledger to check it)"
        )
    return blocking, warnings, evaluated, successful, expected_rows


def _gx_outcomes(spec: EntitySpec, frame: pd.DataFrame, expected_rows: int | None) -> list[Outcome]:
    """The suite run by GX's pandas engine on a gx_frame, as engine-neutral outcomes."""
    reconcile = expected_rows is not None
    vd = _validation_definition(spec, reconcile)
    params = {EXPECTED_ROWS_PARAMETER: int(expected_rows)} if reconcile else None
    with _LOCK:  # an ephemeral context is not meant to be shared by threads mid-run
        result = vd.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=params,
            result_format=RESULT_FORMAT,
        )
    order = {_identity(exp.type, exp.kwargs, exp.meta): i
             for i, exp in enumerate(raw_expectations(spec, reconcile=reconcile))}
    outcomes = []
    for r in result.results:
        config = r.expectation_config
        exc = r.exception_info or {}
        raised = exc.get("raised_exception") and str(exc.get("exception_message", ""))
        outcomes.append(Outcome(success=bool(r.success), type=config.type, kwargs=dict(config.kwargs),
                                meta=dict(config.meta or {}), result=dict(r.result or {}),
                                exception=raised or None))
    # GX reports in its own order; the suite's order words a result the same way every time
    return sorted(outcomes, key=lambda o: order.get(_identity(o.type, o.kwargs, o.meta), len(order)))


def _identity(kind: str, kwargs: dict[str, Any], meta: dict[str, Any]) -> tuple:
    """What an expectation is, whether GX echoes its kwargs (bounds as floats) or not."""
    bounds = tuple(None if kwargs.get(k) is None else float(kwargs[k]) for k in ("min_value", "max_value"))
    columns = tuple(kwargs.get("column_list") or ())
    return (kind, kwargs.get("column"), columns, bounds, kwargs.get("mostly"), is_blocking(meta))


def _result(spec: EntitySpec, outcomes: list[Outcome], missing: set[str], n_rows: int,
            expected_rows: int | None, blocking: list[str], warnings: list[str],
            evaluated: int, successful: int, started: float) -> QualityResult:
    """The suite's outcomes worded for people: blocking failures and warnings."""
    entity = spec.qualified_name
    failed = [o for o in outcomes if not o.success]
    evaluated += len(outcomes)
    successful += len(outcomes) - len(failed)
    # A column whose epoch unit is wrong (blocking) need not also warn value by value.
    unit_errors = {
        o.kwargs.get("column") for o in failed if o.kwargs.get("mostly") is not None and is_blocking(o.meta)
    }
    for o in failed:
        if not is_blocking(o.meta) and o.kwargs.get("column") in unit_errors:
            continue
        msg = _describe(entity, o, missing, n_rows)
        if msg is None:  # a consequence of a missing column, already reported as such
            continue
        (blocking if is_blocking(o.meta) else warnings).append(msg)

    return QualityResult(
        suite_name=suite_name(spec),
        success=not blocking,
        blocking_failures=blocking,
        warnings=warnings,
        statistics={
            "evaluated": evaluated,
            "successful": successful,
            "failed": evaluated - successful,
            "blocking_failures": len(blocking),
            "warnings": len(warnings),
        },
        entity=entity,
        row_count=n_rows,
        expected_rows=None if expected_rows is None else int(expected_rows),
        seconds=time.perf_counter() - started,
    )


def _check_ledger(entity: str, ledger: pd.DataFrame) -> tuple[list[str], int | None]:
    """Per-file reconciliation of the ledger, and its rows_loaded total."""
    absent = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if absent:
        return (
            [
                f"{entity}: ledger lacks column(s) {', '.join(absent)}; the loader's ledger must "
                f"have {', '.join(LEDGER_COLUMNS)} (one row per landing file)"
            ],
            None,
        )
    counts = ledger[list(LEDGER_COLUMNS[1:])].apply(pd.to_numeric, errors="coerce").fillna(0)
    diff = counts["rows_read"] - counts["rows_loaded"] - counts["rows_quarantined"]
    bad = ledger.loc[diff != 0, "source_file"]
    failures = []
    for idx, source_file in bad.head(LEDGER_FILES_SHOWN).items():
        r, lo, q = (int(counts.at[idx, c]) for c in LEDGER_COLUMNS[1:])
        failures.append(
            f"{entity}: ledger file {source_file}: read {r} rows but loaded {lo} + "
            f"quarantined {q} = {lo + q} ({r - lo - q:+d} rows unaccounted for)"
        )
    if len(bad) > LEDGER_FILES_SHOWN:
        failures.append(
            f"{entity}: ledger: {len(bad) - LEDGER_FILES_SHOWN} more files where rows_read != "
            "rows_loaded + rows_quarantined"
        )
    return failures, int(counts["rows_loaded"].sum())


# ----------------------------------------------------------------------------- messages
def _describe(entity: str, o: Outcome, missing: set[str], n_rows: int) -> str | None:
    """One human-readable line for a failed expectation, or None if already covered."""
    kind = o.type
    kw = o.kwargs
    res = o.result or {}
    col = kw.get("column")
    cols = [col] if col else list(kw.get("column_list") or [])
    if missing and any(c in missing for c in cols):
        return None
    if o.exception:
        msg = o.exception.splitlines()[0][:200]
        target = f" on {', '.join(cols)}" if cols else ""
        return f"{entity}: {kind}{target} could not be evaluated: {msg}"

    count = res.get("unexpected_count")
    examples = _examples(res.get("partial_unexpected_list") or [])

    if kind == "expect_table_columns_to_match_set":
        absent = sorted(missing) or _mismatch(res, "missing")
        return (
            f"{entity}: missing column(s) {', '.join(absent)}; the raw table must have every "
            "contract column (fix the loader, or the contract in kernel/contracts/sources.yml)"
        )
    if kind == "expect_column_values_to_not_be_null":
        what = "lineage column" if col in LINEAGE_COLUMNS else "required column"
        return f"{entity}: {what} {col} has {count} null value(s) in {n_rows} rows"
    if kind == "expect_compound_columns_to_be_unique":
        return (
            f"{entity}: ({', '.join(cols)}) is not unique: {count} rows share their value"
            f"{examples and f' (e.g. {examples})'}; was a landing file loaded twice?"
        )
    if kind == "expect_table_row_count_to_equal":
        observed = res.get("observed_value")
        return (
            f"{entity}: raw has {observed} rows but the ledger says {kw.get('value')} were loaded "
            "(rows read minus quarantined)"
        )
    if kind == "expect_column_values_to_be_in_set":
        allowed = ", ".join(str(v) for v in kw.get("value_set") or [])
        return f"{entity}: {col} has {count} values outside [{allowed}] (e.g. {examples})"
    if kind == "expect_column_values_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        if (lo, hi) == (EPOCH_MS_MIN, EPOCH_MS_MAX):
            pct = res.get("unexpected_percent") or 0.0
            if kw.get("mostly") is not None:
                return (
                    f"{entity}: {col}: {pct:.0f}% of values are not epoch milliseconds between "
                    f"2015 and 2035 (e.g. {examples}); is the unit seconds or microseconds?"
                )
            return (
                f"{entity}: {col} has {count} values outside 2015-01-01..2035-01-01 as epoch ms "
                f"(e.g. {_epoch_examples(res.get('partial_unexpected_list') or [])})"
            )
        return f"{entity}: {col} has {count} values outside {_range(lo, hi)} (e.g. {examples})"
    return f"{entity}: {kind}{f' on {col}' if col else ''} failed: {_compact(res)}"


def _plain(v: Any) -> Any:
    """numpy scalars and integral floats as plain Python values for messages."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, TypeError):
            pass
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    if isinstance(v, dict):
        return tuple(_plain(x) for x in v.values())
    return v


def _examples(values: list[Any]) -> str:
    seen: list[Any] = []
    for v in values:
        v = _plain(v)
        if v not in seen:
            seen.append(v)
        if len(seen) == EXAMPLES_SHOWN:
            break
    return ", ".join(repr(v) for v in seen)


def _epoch_examples(values: list[Any]) -> str:
    shown = []
    for v in dict.fromkeys(_plain(v) for v in values):
        try:
            day = datetime.fromtimestamp(v / 1000, tz=UTC).date().isoformat()
            shown.append(f"{v!r} = {day}")
        except (OverflowError, OSError, ValueError, TypeError):
            shown.append(repr(v))
    return ", ".join(shown[:EXAMPLES_SHOWN])


def _range(lo: Any, hi: Any) -> str:
    lo, hi = _plain(lo), _plain(hi)
    if hi is None:
        return f"[{lo}, ∞)"
    if lo is None:
        return f"(-∞, {hi}]"
    return f"[{lo}, {hi}]"


def _mismatch(res: dict[str, Any], which: str) -> list[str]:
    details = (res.get("details") or {}).get("mismatched") or {}
    return sorted(details.get(which) or [])


def _compact(res: dict[str, Any]) -> str:
    keep = {k: res[k] for k in ("observed_value", "unexpected_count") if k in res}
    return str(keep or "no detail")
