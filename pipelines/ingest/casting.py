"""Type the all-string landing columns into the contract's Parquet types, row errors aside.

Every field type has one polars expression that yields the typed value or null, so a value
that was present but came out null failed typing: that row goes to quarantine with a reason
such as "amount: 'N/A' is not a decimal". Range and enum checks are *not* done here (the
quality suites do them on the loaded data); a row is only refused when its values cannot be
represented at all (too large for its type, more decimals than its scale), or a required
value is missing, or it breaks one of the entity's row checks (a range that must hold, such as
a percent tolerance within 0..100), or it is text nobody can have meant (a control character, a
string longer than its limit), or money falls below the contract's ``min`` (a decimal of scale
2 with a ``min``: a negative bank receipt is a broken export, not a business fact).
"""

from __future__ import annotations

import polars as pl

from kernel.contracts import EntitySpec, FieldSpec, RowCheck

DECIMAL_PRECISION = 18
DECIMAL_SCALE = 2  # the contract's default: money; rates and quantities declare their own scale
DECIMAL = pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
TIME_UNIT = "us"  # Spark reads TIMESTAMP_MICROS; nanoseconds it does not

POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.Utf8(),
    "int64": pl.Int64(),
    "decimal": DECIMAL,
    "float64": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "epoch_ms": pl.Int64(),
    "timestamp": pl.Datetime(TIME_UNIT),
    "timestamp_utc": pl.Datetime(TIME_UNIT),
}

_WHAT = {
    "int64": "an integer",
    "decimal": "a decimal",
    "float64": "a number",
    "bool": "a boolean (true/false/1/0/是/否/Y/N)",
    "date": "a date (YYYY-MM-DD)",
    "epoch_ms": "an epoch-milliseconds integer",
    "timestamp": "a timestamp (YYYY-MM-DD HH:MM:SS)",
    "timestamp_utc": "an ISO-8601 timestamp with Z or an offset",
}

_TRUE = ("true", "1", "是", "y", "yes", "t", "真")
_FALSE = ("false", "0", "否", "n", "no", "f", "假")
_BOOLS = {v: True for v in _TRUE} | {v: False for v in _FALSE}

# Text longer than this is a broken export or an attack, not a name: a field whose values are
# longer by nature (a transcript message) declares its own ``max_length`` in the contract.
STRING_MAX_LENGTH = 1000

# Control characters a text field may not hold: C0 and C1 controls and DEL (tab, LF and CR are
# fine in free text), and the bidirectional embeddings, overrides and isolates that make a
# name display differently from what it is (U+202E turns "abc\u202etxt.exe" into "abcexe.txt").
_CONTROL_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))
_CONTROL = "[" + "".join(f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in _CONTROL_RANGES) + "]"
_CONTROL_NAMES = {
    chr(c): f"U+{c:04X}" for lo, hi in _CONTROL_RANGES for c in range(lo, hi + 1)
}

_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_INTEGER = r"^[+-]?\d{1,19}(\.0*)?$"


def _decimal_patterns(scale: int) -> tuple[str, str]:
    """(exact, float-noise) patterns of a decimal with at most ``scale`` decimals."""
    int_digits = DECIMAL_PRECISION - scale
    # at most `scale` significant decimals (trailing zeros are fine: "12.500")
    exact = rf"^[+-]?(\d{{1,{int_digits}}}(\.\d{{0,{scale}}}0*)?|\.\d{{1,{scale}}}0*)$"
    # binary floating-point noise from spreadsheets/JSON writers: 36.900000000000006, 12.2999999999
    noise = rf"^[+-]?\d{{1,{int_digits}}}\.\d{{{scale}}}(0{{6,}}|9{{6,}})\d*$"
    return exact, noise


_DECIMAL_ANY = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_INTEGER_ANY = r"^[+-]?\d+(\.0*)?$"
_MIDNIGHT = r"[ T]00:00(:00(\.0+)?)?$"


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.strip_chars() == "").then(None).otherwise(expr)


def _without_thousands(s: pl.Expr) -> pl.Expr:
    return (
        pl.when(s.str.contains(_THOUSANDS))
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s)
    )


def _to_int(s: pl.Expr) -> pl.Expr:
    t = _without_thousands(s)
    digits = t.str.replace(r"\.0*$", "").str.strip_prefix("+")
    return pl.when(t.str.contains(_INTEGER)).then(digits.cast(pl.Int64, strict=False))


def _to_decimal(s: pl.Expr, scale: int = DECIMAL_SCALE) -> pl.Expr:
    dtype = pl.Decimal(DECIMAL_PRECISION, scale)
    exact_pattern, noise_pattern = _decimal_patterns(scale)
    t = _without_thousands(s).str.strip_prefix("+")
    exact = t.cast(dtype, strict=False)  # validated below, so truncation only drops zeros
    units = (t.cast(pl.Float64, strict=False) * 10**scale).round(0).cast(pl.Int64)
    magnitude = units.abs()
    rounded = pl.concat_str(
        pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (magnitude // 10**scale).cast(pl.Utf8),
        pl.lit("."),
        (magnitude % 10**scale).cast(pl.Utf8).str.zfill(scale),
    ).cast(dtype, strict=False)
    return (
        pl.when(t.str.contains(exact_pattern))
        .then(exact)
        .when(t.str.contains(noise_pattern))
        .then(rounded)
    )


def _to_float(s: pl.Expr) -> pl.Expr:
    value = _without_thousands(s).cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def _to_bool(s: pl.Expr) -> pl.Expr:
    return s.str.to_lowercase().replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)


def _to_date(s: pl.Expr) -> pl.Expr:
    t = s.str.replace_all("/", "-", literal=True).str.replace(_MIDNIGHT, "")
    return t.str.to_date("%Y-%m-%d", strict=False)


def _to_timestamp(s: pl.Expr) -> pl.Expr:
    t = s.str.replace_all("/", "-", literal=True).str.replace("T", " ", literal=True)
    return pl.coalesce(
        t.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit=TIME_UNIT),
        t.str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit=TIME_UNIT),
    )


def _to_timestamp_utc(s: pl.Expr) -> pl.Expr:
    t = s.str.replace(" ", "T", literal=True).str.replace(r"[zZ]$", "+00:00")
    parsed = t.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit=TIME_UNIT)
    return parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)


_CONVERTERS = {
    "int64": _to_int,
    "epoch_ms": _to_int,
    "decimal": _to_decimal,
    "float64": _to_float,
    "bool": _to_bool,
    "date": _to_date,
    "timestamp": _to_timestamp,
    "timestamp_utc": _to_timestamp_utc,
}


def polars_type(f: FieldSpec) -> pl.DataType:
    if f.type == "decimal":
        return pl.Decimal(DECIMAL_PRECISION, f.scale)
    return POLARS_TYPES[f.type]


def value_expr(f: FieldSpec, column: str | None) -> pl.Expr:
    """The typed value of field ``f`` read from string ``column`` (null when blank or invalid).

    Empty strings become null; a missing column gives a typed null.
    """
    dtype = polars_type(f)
    if column is None:
        return pl.lit(None, dtype)
    raw = pl.col(column)
    if f.type == "string":
        return _blank_to_null(raw)
    cleaned = _blank_to_null(raw.str.strip_chars())
    if f.type == "decimal":
        return _to_decimal(cleaned, f.scale).cast(dtype)
    return _CONVERTERS[f.type](cleaned).cast(dtype)


def error_expr(f: FieldSpec, column: str | None, value: pl.Expr) -> pl.Expr | None:
    """Why the row fails field ``f`` (null when it is fine); ``value`` is its typed value.

    None when the field can never fail (only a field whose column is missing and optional).
    """
    if column is None:
        return pl.lit(f"{f.name}: required value missing") if f.required else None
    raw = pl.col(column)
    reasons = [_text_error(f, raw)]
    if f.type != "string":
        s = _blank_to_null(raw.str.strip_chars())
        reasons.append(pl.when(s.is_not_null() & value.is_null()).then(_type_error(f, s)))
    if f.type == "decimal" and f.scale == DECIMAL_SCALE and f.min is not None:
        reasons.append(_money_floor_error(f, value))
    if f.required:
        reasons.append(
            pl.when(raw.is_null() | (raw.str.strip_chars() == "")).then(
                pl.lit(f"{f.name}: required value missing")
            )
        )
    return pl.coalesce(reasons)


def _text_error(f: FieldSpec, raw: pl.Expr) -> pl.Expr:
    """Too long, or a control character: loading either verbatim would pass it to every reader."""
    limit = f.max_length or STRING_MAX_LENGTH
    length = raw.str.len_chars()
    control = raw.str.extract(f"({_CONTROL})", 1)  # one pass: the first one, or null
    code = control.replace_strict(_CONTROL_NAMES, default="?", return_dtype=pl.Utf8)
    return (
        pl.when(length > limit)
        .then(
            pl.format(
                "{}: {} characters, at most {} allowed", pl.lit(f.name), length, pl.lit(limit)
            )
        )
        .when(control.is_not_null())
        .then(
            pl.format(
                "{}: control character {} is not allowed (text may hold tab and line breaks only)",
                pl.lit(f.name),
                code,
            )
        )
    )


def _type_error(f: FieldSpec, s: pl.Expr) -> pl.Expr:
    """The reason a present, non-blank value of a non-string field did not type."""
    shown = s.str.slice(0, 80)
    plain = _without_thousands(s)
    if f.type == "decimal":
        # more digits before the point than decimal(18, scale) holds (leading zeros aside)
        too_large = rf"^[+-]?0*[1-9]\d{{{DECIMAL_PRECISION - f.scale},}}(\.\d*)?$"
        return (
            pl.when(plain.str.contains(too_large))
            .then(
                pl.format(
                    "{}: '{}' is too large for decimal({},{})",
                    pl.lit(f.name),
                    shown,
                    pl.lit(DECIMAL_PRECISION),
                    pl.lit(f.scale),
                )
            )
            .when(plain.str.contains(_DECIMAL_ANY))
            .then(
                pl.format(
                    "{}: '{}' has more than {} decimal places", pl.lit(f.name), shown, pl.lit(f.scale)
                )
            )
            .otherwise(pl.format("{}: '{}' is not a decimal", pl.lit(f.name), shown))
        )
    not_type = pl.format("{}: '{}' is not {}", pl.lit(f.name), shown, pl.lit(_WHAT[f.type]))
    if f.type in ("int64", "epoch_ms"):
        too_large = pl.format("{}: '{}' is too large for int64 (bigint)", pl.lit(f.name), shown)
        return pl.when(plain.str.contains(_INTEGER_ANY)).then(too_large).otherwise(not_type)
    return not_type


def _money_floor_error(f: FieldSpec, value: pl.Expr) -> pl.Expr:
    """Money below the contract's ``min`` (a negative bank receipt): quarantined, not a warning."""
    return pl.when(value < f.min).then(
        pl.format(
            "{}: {} is below {} (money, the contract's minimum)",
            pl.lit(f.name),
            value.cast(pl.Utf8),
            pl.lit(f"{f.min:g}"),
        )
    )


def row_check_expr(check: RowCheck, typed: dict[str, pl.Expr]) -> pl.Expr:
    """Why the row fails ``check`` (null when it holds); ``typed``: field name -> typed value.

    Only a value that typed and whose conditions hold is judged: an untyped value already has
    its own reason, and a row check never makes a missing value an error.
    """
    value = typed[check.field]
    below = pl.lit(False) if check.min is None else value < check.min
    above = pl.lit(False) if check.max is None else value > check.max
    applies = pl.all_horizontal([typed[k] == v for k, v in check.when] or [pl.lit(True)])
    cond = " and ".join(f"{k} {v}" for k, v in check.when)
    suffix = (f" for {cond}" if cond else "") + (f" ({check.why})" if check.why else "")
    bound = (
        pl.when(below)
        .then(pl.lit(f"below {check.min:g}" if check.min is not None else ""))
        .otherwise(pl.lit(f"above {check.max:g}" if check.max is not None else ""))
    )
    reason = pl.format(
        "{}: {} is {}{}", pl.lit(check.field), value.cast(pl.Utf8), bound, pl.lit(suffix)
    )
    outside = below | above
    return pl.when(value.is_not_null() & applies & outside).then(reason)


def typed_value(f: FieldSpec, column: str | None) -> tuple[pl.Expr, pl.Expr | None]:
    """(typed value, reason-if-invalid) of field ``f`` read from string ``column``."""
    value = value_expr(f, column)
    return value, error_expr(f, column, value)


def field_schema(spec: EntitySpec) -> dict[str, pl.DataType]:
    """Schema (name -> type) of the contract fields, in contract order."""
    return {f.name: polars_type(f) for f in spec.fields}
