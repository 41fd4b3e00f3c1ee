"""What a typed-in value may be, derived from the column it goes into: the one home of entry limits.

Every save goes through ``operational.records`` which reads each value with ``read_value``; a
workflow that has to compute with a value before saving (a line amount, an installment's sum)
reads it with the same function and checks what it computed with ``check_value``, so a derived
value is held to its column too. Why these limits:

- **Numbers** must fit ``Numeric(p, s)`` (the raw layer types them ``DECIMAL(p, s)``; one that does
  not stops every later extraction) and at most ``SAFE_DIGITS`` digits in all, what SQLite's REAL
  holds exactly, so a saved amount reads back to the fen on either back end.
- **Dates** lie between ``FIRST_DATE`` and ``LAST_DATE``: 1900 or 2999 is a typo, and ages,
  aging buckets and calendars downstream would misread it. Pairs of dates in one row keep
  their order (``DATE_ORDER``).
- **Text** fits ``String(n)`` or ``TEXT_MAX`` characters for unbounded text, and has no control
  characters (NUL, ESC …) or bidirectional overrides (U+202E makes a name read backwards);
  line breaks and tabs are kept.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
SAFE_DIGITS = 15  # significant digits a float64 (SQLite's REAL) keeps exactly
TEXT_MAX = 4000  # characters of a column without a declared length
NUMBER_TEXT_MAX = 40  # a typed number longer than this is not a number anyone means
INTEGER_BITS = {sa.SmallInteger: 15, sa.BigInteger: 63, sa.Integer: 31}
# C0/C1 controls except tab, line feed and carriage return; bidi embeddings, overrides and
# isolates; lone surrogates (cannot be stored as UTF-8).
FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# later date column -> earlier column of the same row it may not precede (per table)
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "deal_registrations": (
        ("expected_close_date", "submitted_at"),
        ("protected_until", "approved_at"),
    ),
    "special_price_requests": (("valid_until", "requested_at"),),
    "tickets": (("closed_at", "resolved_at"),),
}

# text columns holding a month as YYYY-MM: held to the same date range
MONTH_TEXT: dict[str, tuple[str, ...]] = {"commission_adjustments": ("period",)}
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

NOT_A_NUMBER = "应为数字 Must be a number"
NOT_A_WHOLE_NUMBER = "应为整数 Must be a whole number"


def date_range_message() -> str:
    return f"日期须在 {FIRST_DATE} 到 {LAST_DATE} 之间 The date must be between {FIRST_DATE} and {LAST_DATE}"


def number_limit(kind: sa.Numeric) -> Decimal:
    """Smallest magnitude a ``Numeric(p, s)`` column refuses (the digits left of the point)."""
    scale = kind.scale or 0
    digits = min(kind.precision or 18, SAFE_DIGITS)
    return Decimal(10) ** (digits - scale)


def _decimal(value: Any, message: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(message)
    text = str(value).replace(",", "").strip()
    if len(text) > NUMBER_TEXT_MAX:
        raise ValueError(message)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(message) from None
    if not number.is_finite():
        raise ValueError(message)
    return number


def read_number(kind: sa.Numeric, value: Any) -> Decimal:
    """A typed-in number that fits the column: its scale and its magnitude."""
    number = _decimal(value, NOT_A_NUMBER)
    return check_number(kind, number)


def check_number(kind: sa.Numeric, number: Decimal) -> Decimal:
    """``number`` (typed or computed) within the column's digits; ValueError says the limit."""
    scale = kind.scale or 0
    limit = number_limit(kind)
    if abs(number) >= limit:
        top = limit - Decimal(1).scaleb(-scale)
        raise ValueError(
            f"数值超出范围，绝对值最大 {top:,} The value is out of range: at most {top:,} either sign"
        )
    if number != number.quantize(Decimal(1).scaleb(-scale)):
        raise ValueError(f"最多 {scale} 位小数 At most {scale} decimal places")
    return number


def _integer(kind: sa.Integer, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(NOT_A_WHOLE_NUMBER)
    number = _decimal(value, NOT_A_WHOLE_NUMBER)
    bits = next((b for t, b in INTEGER_BITS.items() if isinstance(kind, t)), 31)
    if abs(number) >= 2**bits:
        raise ValueError(f"数值超出范围 The value is out of range (at most {2**bits - 1:,})")
    if number != number.to_integral_value():
        raise ValueError(NOT_A_WHOLE_NUMBER)
    return int(number)


def check_day(day: dt.date) -> None:
    if not FIRST_DATE <= (day.date() if isinstance(day, dt.datetime) else day) <= LAST_DATE:
        raise ValueError(date_range_message())


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                "日期时间格式应为 YYYY-MM-DD HH:MM Expected YYYY-MM-DD HH:MM"
            ) from None
    check_day(moment)
    return moment


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD Expected a date YYYY-MM-DD") from None
    check_day(day)
    return day


def check_text(text: str, length: int | None) -> str:
    """Text within the column's length (or ``TEXT_MAX``) and without control characters."""
    limit = length or TEXT_MAX
    if len(text) > limit:
        raise ValueError(f"最多 {limit} 个字符 At most {limit} characters (got {len(text):,})")
    bad = FORBIDDEN.search(text)
    if bad:
        raise ValueError(
            f"含不可见控制字符 U+{ord(bad.group()):04X} Contains the control character U+{ord(bad.group()):04X}"
        )
    return text


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y", "是"}:
        return True
    if text in {"false", "0", "no", "n", "否"}:
        return False
    raise ValueError("应为是/否 Must be yes or no")


def read_value(column: sa.Column, value: Any) -> Any:
    """A typed-in value as the column's Python type; ValueError with a message for the screen."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an empty form field is "no value" for every type
    kind = column.type
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return read_number(kind, value)
    if isinstance(kind, sa.Boolean):
        return _boolean(value)
    if isinstance(kind, sa.Integer):
        return _integer(kind, value)
    if isinstance(kind, sa.DateTime):
        return _datetime(value)
    if isinstance(kind, sa.Date):
        return _date(value)
    if isinstance(kind, sa.String | sa.Text):
        return check_text(str(value).strip(), getattr(kind, "length", None)) or None
    return value


def field_error(column: sa.Column, value: Any) -> tuple[Any, str | None]:
    """(typed value, None) or (None, message): for workflows collecting messages per line."""
    try:
        return read_value(column, value), None
    except ValueError as exc:
        return None, str(exc)


def check_value(column: sa.Column, value: Any) -> str | None:
    """The message for a value a workflow computed (a line amount, a total), or None if it fits."""
    if value is None:
        return None
    kind = column.type
    try:
        if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
            check_number(kind, Decimal(value))
        else:
            read_value(column, value)
    except (ValueError, ArithmeticError) as exc:
        return str(exc) if isinstance(exc, ValueError) else NOT_A_NUMBER
    return None


def _as_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def not_before(later: Any, earlier: Any, zh: str, en: str) -> str | None:
    """Message when the day of ``later`` precedes the day of ``earlier`` (either may be missing)."""
    late, early = _as_day(later), _as_day(earlier)
    if late is None or early is None or late >= early:
        return None
    return f"不能早于{zh} {early} Must not be before {en} {early}"


def row_errors(table: str, row: dict[str, Any]) -> dict[str, str]:
    """Field -> message for each pair of ``DATE_ORDER`` the row breaks and each month of
    ``MONTH_TEXT`` outside the date range."""
    errors: dict[str, str] = {}
    for later, earlier in DATE_ORDER.get(table, ()):
        message = not_before(row.get(later), row.get(earlier), earlier, earlier)
        if message:
            errors[later] = message
    for field in MONTH_TEXT.get(table, ()):
        month = MONTH.match(str(row.get(field) or ""))
        if month and not FIRST_DATE.year <= int(month.group(1)) <= LAST_DATE.year:
            errors[field] = date_range_message()
    return errors
