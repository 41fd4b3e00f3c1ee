"""Great Expectations suites for the raw layer: one suite per contract entity, built from the contract.

``raw_suite(spec)`` turns an :class:`~kernel.contracts.EntitySpec` into a
``gx.ExpectationSuite`` named ``raw_<system>__<entity>``. Nothing is written by hand per table:
a field added to ``kernel/contracts/sources.yml`` is checked on the next run.

Blocking vs warn
----------------
Every expectation carries ``meta={"blocking": bool, "why": "..."}`` (and the matching GX
``severity``: ``critical`` or ``warning``). A blocking failure stops the raw table from feeding
staging; a warning is reported on the asset check and the data flows on.

Blocking, because a failure means the table is structurally wrong and every model downstream
would be wrong in a way nobody can see in a dashboard:

* every contract column (and path-field column) exists: staging selects them by name;
* required fields, business-key columns and path fields are not null: staging dedupes by key
  and orders versions, so a null key silently drops or merges records;
* lineage columns are not null and ``(_source_file, _row_number)`` is unique: it is the only
  true primary key of raw (business keys repeat, raw keeps every version), and a duplicate means
  a file was loaded twice, which double-counts every amount;
* the row count equals what the ledger says was loaded (read - quarantined): rows that vanish or
  appear between the loader and the table are a loss nobody would otherwise notice;
* epoch-millisecond columns are *mostly* (at least half) plausible: when most values fall
  outside 2015..2035 the unit is wrong (seconds or microseconds), not the data, and every date
  downstream would be off by decades.

Warn, because real sources carry a few odd values that are facts about the business, not
broken loads (the demo data has some on purpose, and so does any real customer's CRM):

* numeric ``min``/``max`` (a negative quantity on a return, a discount above 100 %); money
  below its ``min`` never gets here, the loader quarantines it (pipelines/ingest/casting.py);
* enumerations (``values``): a new stage or status typed in the source before the contract
  knows it; staging maps unknown values, and the warning tells us to extend the contract;
* individual implausible epoch-ms values (a placeholder 1970-01-01 or 2099-12-31 date).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec

if TYPE_CHECKING:  # GX takes seconds to import: only import it when a suite is really built.
    import great_expectations as gx

# Plausible window for epoch_ms fields: [2015-01-01, 2035-01-01) UTC in milliseconds.
EPOCH_MS_MIN = 1_420_070_400_000
EPOCH_MS_MAX = 2_051_222_400_000
# Fraction of epoch_ms values that must be plausible before we call it a unit error (blocking).
EPOCH_MS_MOSTLY_BLOCKING = 0.5

NUMERIC_TYPES = ("int64", "decimal", "float64")

# Row-count reconciliation value, supplied per run as a GX suite (expectation) parameter.
EXPECTED_ROWS_PARAMETER = "expected_rows"

# The raw table's own primary key: one landing file row is one raw row.
LINEAGE_KEY = ("_source_file", "_row_number")


def gx_module() -> Any:
    """Import Great Expectations with analytics off (GX phones home by default)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import great_expectations as gx

    return gx


def suite_name(spec: EntitySpec) -> str:
    """``raw_crm__accounts`` for ``crm.accounts``."""
    return f"raw_{spec.raw_table}"


def raw_columns(spec: EntitySpec) -> tuple[str, ...]:
    """Columns every raw table of ``spec`` must have: contract fields, path fields, lineage."""
    cols = list(spec.field_names)
    cols += [c for c in spec.path_field_names if c not in cols]
    cols += [c for c in LINEAGE_COLUMNS if c not in cols]
    return tuple(cols)


def not_null_columns(spec: EntitySpec) -> tuple[str, ...]:
    """Business columns that must never be null in raw: required fields, key, path fields."""
    cols = [f.name for f in spec.fields if f.required]
    cols += [c for c in (*spec.key, *spec.path_field_names) if c not in cols]
    return tuple(cols)


@dataclass(frozen=True)
class RawExpectation:
    """One expectation of a raw suite, engine-neutral: :func:`raw_suite` makes it a GX expectation,
    :mod:`quality.sql_engine` evaluates it in DuckDB. ``type`` and ``kwargs`` are GX's own."""

    type: str
    kwargs: dict[str, Any]
    blocking: bool
    why: str
    # a delete marker carries only key and version (the contract's ``delete_marker``): rows whose
    # marker column is true are not checked (gx_frame makes the marker column a plain bool)
    unless_marker: str | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return {"blocking": self.blocking, "why": self.why}


def _unless_delete_marker(spec: EntitySpec, col: str) -> str | None:
    if not spec.delete_marker or col in spec.marker_fields or col in spec.path_field_names:
        return None
    return spec.delete_marker


def raw_expectations(spec: EntitySpec, *, reconcile: bool = True) -> list[RawExpectation]:
    """The expectations of one raw table, from the contract, in suite order.

    ``reconcile=True`` adds the row-count reconciliation, whose expected value is the suite
    parameter ``expected_rows`` (pass it as ``expectation_parameters`` when running). Without
    a ledger or expected count there is nothing to reconcile against: build with ``False``.
    """
    exps: list[RawExpectation] = []

    def add(kind: str, blocking: bool, why: str, unless_marker: str | None = None, **kwargs: Any) -> None:
        exps.append(RawExpectation(kind, kwargs, blocking, why, unless_marker))

    # -- structure
    add(
        "expect_table_columns_to_match_set",
        True,
        "staging selects every contract column by name; extra source columns are allowed",
        column_set=list(raw_columns(spec)),
        exact_match=False,
    )
    for col in not_null_columns(spec):
        in_key = col in spec.key or col in spec.path_field_names
        add(
            "expect_column_values_to_not_be_null",
            True,
            "business key: staging dedupes and versions records by it"
            if in_key
            else "required by the source contract; models downstream rely on it",
            unless_marker=_unless_delete_marker(spec, col),
            column=col,
        )

    # -- lineage: the raw table's own primary key and load bookkeeping
    for col in LINEAGE_COLUMNS:
        add(
            "expect_column_values_to_not_be_null",
            True,
            "lineage: every raw row must trace back to one landing file row and load",
            column=col,
        )
    add(
        "expect_compound_columns_to_be_unique",
        True,
        "one landing-file row is one raw row; a duplicate means a file was loaded twice",
        column_list=list(LINEAGE_KEY),
    )

    # -- reconciliation with the ledger
    if reconcile:
        add(
            "expect_table_row_count_to_equal",
            True,
            "rows in raw must equal rows the ledger says were loaded (read minus quarantined)",
            value={"$PARAMETER": EXPECTED_ROWS_PARAMETER},
        )

    # -- values: facts about the business, reported but not blocking
    for f in spec.fields:
        if f.type in NUMERIC_TYPES and (f.min is not None or f.max is not None):
            add(
                "expect_column_values_to_be_between",
                False,
                "contract range; odd values happen in real sources (returns, manual fixes)",
                column=f.name,
                min_value=f.min,
                max_value=f.max,
            )
        if f.values:
            value_set: list[Any] = list(f.values)
            if f.type == "int64":
                value_set = [int(v) for v in f.values]
            add(
                "expect_column_values_to_be_in_set",
                False,
                "contract enumeration; a new value usually means the contract needs extending",
                column=f.name,
                value_set=value_set,
            )
        if f.type == "epoch_ms":
            add(
                "expect_column_values_to_be_between",
                False,
                "epoch ms between 2015 and 2035; a few placeholders are tolerated",
                column=f.name,
                min_value=EPOCH_MS_MIN,
                max_value=EPOCH_MS_MAX,
                strict_max=True,
            )
            add(
                "expect_column_values_to_be_between",
                True,
                "most epoch values implausible means a unit error (s or us, not ms)",
                column=f.name,
                min_value=EPOCH_MS_MIN,
                max_value=EPOCH_MS_MAX,
                strict_max=True,
                mostly=EPOCH_MS_MOSTLY_BLOCKING,
            )
    return exps


def raw_suite(spec: EntitySpec, *, reconcile: bool = True) -> gx.ExpectationSuite:
    """The GX expectation suite of one raw table: :func:`raw_expectations` as GX expectations."""
    gx = gx_module()
    from great_expectations.expectations.row_conditions import Column

    def gx_expectation(exp: RawExpectation) -> Any:
        cls = getattr(gx.expectations, "".join(part.title() for part in exp.type.split("_")))
        condition = {}
        if exp.unless_marker:
            condition = {"row_condition": Column(exp.unless_marker) == False}  # noqa: E712 - a GX condition
        severity = "critical" if exp.blocking else "warning"
        return cls(meta=exp.meta, severity=severity, **exp.kwargs, **condition)

    return gx.ExpectationSuite(
        name=suite_name(spec),
        expectations=[gx_expectation(exp) for exp in raw_expectations(spec, reconcile=reconcile)],
        meta={"entity": spec.qualified_name, "layer": "raw"},
    )


def is_blocking(expectation_meta: dict[str, Any] | None) -> bool:
    """Blocking unless the expectation says otherwise: an unlabelled check fails safe."""
    return bool((expectation_meta or {}).get("blocking", True))
