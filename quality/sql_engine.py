"""The raw suites evaluated in DuckDB: the same expectations, GX's verdicts, one pass over Parquet.

GX's pandas engine read a whole raw table into memory and walked its expectation graph per
expectation: a third of an S=10 full run's raw checks went to 48 suites of ~1.9 M rows, and a
day's delta paid ~0.5 s per suite on a few hundred rows. Here every count of a suite is one
aggregate query over the raw Parquet files, and the few unexpected examples a failure shows
come from one small query each. What GX would say is the contract of this module:
``tests/test_quality_sql_engine.py`` runs both engines on the same hostile tables and requires
the same success, counts, percentages and examples, expectation by expectation.

The semantics kept from GX's pandas path (and ``quality.validate.gx_frame``'s typing):

* column-map expectations skip missing values; a float NaN is a missing value (pandas);
* range-checked columns compare as doubles (text that is no number is missing);
* ``mostly``: the share of non-missing values that pass, at least ``mostly`` (none: vacuous);
* ``unexpected_percent``: unexpected values per 100 non-missing ones;
* compound uniqueness: every row of a repeated combination is unexpected; rows where every
  column is missing are skipped;
* examples: the first unexpected values in table order (file, then row in the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quality.raw_suites import EXPECTED_ROWS_PARAMETER, RawExpectation

EXAMPLES_KEPT = 5  # GX's partial_unexpected_count in quality.validate.RESULT_FORMAT


@dataclass
class Outcome:
    """One expectation's verdict, whichever engine gave it (GX's result fields, plain values)."""

    success: bool
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    result: dict[str, Any] = field(default_factory=dict)
    exception: str | None = None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Relation:
    """The rows a suite reads: ``source`` is a DuckDB table expression (e.g. ``read_parquet(...)``)."""

    def __init__(self, con: Any, source: str, columns: dict[str, str], ranged: set[str], int_columns: set[str]):
        self.con, self.source, self.columns = con, source, columns
        self.ranged, self.int_columns = ranged, int_columns

    def value(self, column: str) -> str:
        """The column as the suite compares it (gx_frame): doubles for ranged columns, NaN missing."""
        col = quote(column)
        if column in self.ranged:
            return f"nullif(try_cast({col} as double), 'nan'::double)"
        if self.columns[column].upper() in ("DOUBLE", "FLOAT", "REAL"):
            return f"nullif({col}, 'nan'::double)"
        return col

    def marker_clause(self, marker: str | None) -> str:
        if not marker:
            return "true"
        if marker not in self.columns:
            return "true"  # no marker column: no row is a marker
        return f"not coalesce(try_cast({quote(marker)} as boolean), false)"


def evaluate(
    con: Any,
    source: str,
    expectations: list[RawExpectation],
    *,
    ranged: set[str],
    int_columns: set[str],
    expected_rows: int | None,
) -> tuple[list[Outcome], int, set[str]]:
    """Every expectation on the rows of ``source``: (outcomes in suite order, row count, columns)."""
    described = con.execute(f"describe select * from {source}").fetchall()
    columns = {name: str(kind) for name, kind, *_ in described}
    rel = _Relation(con, source, columns, ranged, int_columns)

    aggregates = [_aggregates(rel, exp) for exp in expectations]  # per expectation: (alias, SQL)
    selects = ["count(*)", *(sql for per_exp in aggregates for _, sql in per_exp)]
    values = iter(con.execute(f"select {', '.join(selects)} from {source}").fetchone())
    n_rows = int(next(values))
    outcomes = []
    for exp, per_exp in zip(expectations, aggregates, strict=True):
        counts = {alias: next(values) for alias, _ in per_exp}  # in select order
        outcomes.append(_outcome(rel, exp, counts, n_rows, expected_rows))
    return outcomes, n_rows, set(columns)


def _missing(rel: _Relation, exp: RawExpectation) -> list[str]:
    wanted = [exp.kwargs["column"]] if "column" in exp.kwargs else list(exp.kwargs.get("column_list") or [])
    return [c for c in wanted if c not in rel.columns]


def _bad_values(rel: _Relation, exp: RawExpectation) -> str | None:
    """The SQL condition of an unexpected value of a column-map expectation (non-missing values)."""
    kw = exp.kwargs
    x = rel.value(kw["column"])
    if exp.type == "expect_column_values_to_be_between":
        parts = []
        if kw.get("min_value") is not None:
            parts.append(f"{x} {'<=' if kw.get('strict_min') else '<'} {float(kw['min_value'])!r}")
        if kw.get("max_value") is not None:
            parts.append(f"{x} {'>=' if kw.get('strict_max') else '>'} {float(kw['max_value'])!r}")
        return " or ".join(parts) or "false"
    if exp.type == "expect_column_values_to_be_in_set":
        values = list(kw.get("value_set") or [])
        if not values:
            return "true"
        if kw["column"] in rel.ranged:
            listed = ", ".join(repr(float(v)) for v in values)
            return f"not list_contains([{listed}], {x})"
        if kw["column"] in rel.int_columns:
            listed = ", ".join(str(int(v)) for v in values)
            return f"not list_contains([{listed}]::bigint[], try_cast({x} as bigint))"
        listed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
        return f"not list_contains([{listed}]::varchar[], cast({x} as varchar))"
    return None


def _aggregates(rel: _Relation, exp: RawExpectation) -> list[tuple[str, str]]:
    if _missing(rel, exp):
        return []
    kind = exp.type
    if kind == "expect_column_values_to_not_be_null":
        x = rel.value(exp.kwargs["column"])
        where = rel.marker_clause(exp.unless_marker)
        return [("checked", f"count(*) filter (where {where})"),
                ("unexpected", f"count(*) filter (where ({where}) and {x} is null)")]
    if kind in ("expect_column_values_to_be_between", "expect_column_values_to_be_in_set"):
        x = rel.value(exp.kwargs["column"])
        return [("nonmissing", f"count({x})"),
                ("unexpected", f"count(*) filter (where {x} is not null and ({_bad_values(rel, exp)}))")]
    return []


def _outcome(rel: _Relation, exp: RawExpectation, counts: dict[str, Any], n_rows: int,
             expected_rows: int | None) -> Outcome:
    kwargs = dict(exp.kwargs)
    if kwargs.get("value") == {"$PARAMETER": EXPECTED_ROWS_PARAMETER}:
        kwargs["value"] = expected_rows
    base = {"type": exp.type, "kwargs": kwargs, "meta": exp.meta}
    kind = exp.type
    if kind == "expect_table_columns_to_match_set":
        absent = sorted(set(kwargs["column_set"]) - set(rel.columns))
        result = {"observed_value": sorted(rel.columns)}
        if absent:
            result["details"] = {"mismatched": {"missing": absent}}
        return Outcome(success=not absent, result=result, **base)
    if kind == "expect_table_row_count_to_equal":
        return Outcome(success=n_rows == kwargs["value"], result={"observed_value": n_rows}, **base)
    if missing := _missing(rel, exp):
        return Outcome(success=False, exception=f'Error: The column "{missing[0]}" in BatchData does not exist.',
                       **base)
    if kind == "expect_compound_columns_to_be_unique":
        return _unique_outcome(rel, exp, n_rows, base)
    unexpected = int(counts["unexpected"])
    if kind == "expect_column_values_to_not_be_null":
        checked = int(counts["checked"])
        result = {"element_count": checked, "unexpected_count": unexpected,
                  "unexpected_percent": 100.0 * unexpected / checked if checked else None}
        return Outcome(success=unexpected == 0, result=result, **base)
    nonmissing = int(counts["nonmissing"])
    share_ok = (nonmissing - unexpected) / nonmissing if nonmissing else 1.0
    mostly = kwargs.get("mostly")
    success = unexpected == 0 if mostly is None else share_ok >= mostly
    result = {
        "element_count": n_rows,
        "missing_count": n_rows - nonmissing,
        "unexpected_count": unexpected,
        "unexpected_percent": 100.0 * unexpected / nonmissing if nonmissing else None,
        "partial_unexpected_list": _examples(rel, exp) if unexpected else [],
    }
    return Outcome(success=success, result=result, **base)


def _examples(rel: _Relation, exp: RawExpectation) -> list[Any]:
    x = rel.value(exp.kwargs["column"])
    rows = rel.con.execute(
        f"select {x} from {rel.source} where {x} is not null and ({_bad_values(rel, exp)}) "
        f"order by file_index, file_row_number limit {EXAMPLES_KEPT}"
    ).fetchall()
    return [value for (value,) in rows]


def _unique_outcome(rel: _Relation, exp: RawExpectation, n_rows: int, base: dict[str, Any]) -> Outcome:
    cols = list(exp.kwargs["column_list"])
    listed = ", ".join(quote(c) for c in cols)
    some_present = " or ".join(f"{quote(c)} is not null" for c in cols)
    repeated = (f"select {listed} from {rel.source} where {some_present} "
                f"group by all having count(*) > 1")
    (unexpected,) = rel.con.execute(
        f"select coalesce(sum(n), 0) from (select count(*) as n from {rel.source} where {some_present} "
        f"group by {listed} having count(*) > 1)"
    ).fetchone()
    unexpected = int(unexpected)
    examples: list[Any] = []
    if unexpected:
        joined = " and ".join(f"t.{quote(c)} is not distinct from r.{quote(c)}" for c in cols)
        rows = rel.con.execute(
            f"select {', '.join(f't.{quote(c)}' for c in cols)} from {rel.source} as t "
            f"where exists (select 1 from ({repeated}) as r where {joined}) "
            f"order by t.file_index, t.file_row_number limit {EXAMPLES_KEPT}"
        ).fetchall()
        examples = [dict(zip(cols, r, strict=True)) for r in rows]
    result = {"element_count": n_rows, "unexpected_count": unexpected,
              "unexpected_percent": 100.0 * unexpected / n_rows if n_rows else None,
              "partial_unexpected_list": examples}
    return Outcome(success=unexpected == 0, result=result, **base)
