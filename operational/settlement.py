"""Over/short tolerance (溢短装) of a bulk order line: is the line settled by what was delivered?

Pure logic, no database: the delivery workflow and the entry screen call it, and the tests hold
it against the finance dbt model `int_order_lines_delivery_status`, which applies the same rule
to the extracted CRM (same bounds, same statuses, same revenue).

Tolerance is in the line's own unit (`absolute`) or a percent of the ordered quantity
(`percent`); `none` means the line settles only at the ordered quantity or more.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TOLERANCE_TYPES = ("none", "absolute", "percent")
STATUSES = ("open", "settled", "settled_flagged")
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineStatus:
    """Where a line stands: `shortfall` still to deliver to reach the lower bound, `excess`
    delivered beyond the upper bound (flagged for review)."""

    status: str
    shortfall: Decimal
    excess: Decimal
    lower_bound: Decimal
    upper_bound: Decimal

    @property
    def is_settled(self) -> bool:
        return self.status != "open"


def _dec(value, name: str) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:  # decimal.InvalidOperation
        raise ValueError(f"{name}: {value!r} is not a number") from exc


def tolerance_errors(tol_type: str | None, tol_value) -> dict[str, str]:
    """Field errors of a tolerance as entered (empty when it is usable)."""
    errors: dict[str, str] = {}
    kind = tol_type or "none"
    if kind not in TOLERANCE_TYPES:
        errors["tolerance_type"] = f"must be one of {', '.join(TOLERANCE_TYPES)}, got {tol_type!r}"
        return errors
    if kind == "none":
        if tol_value not in (None, "", 0, ZERO):
            errors["tolerance_value"] = "must be empty when the tolerance type is none"
        return errors
    try:
        value = _dec(tol_value, "tolerance_value") if tol_value not in (None, "") else None
    except ValueError:
        value = None
        errors["tolerance_value"] = f"{tol_value!r} is not a number"
        return errors
    if value is None:
        errors["tolerance_value"] = f"required for a {kind} tolerance"
    elif value < 0:
        errors["tolerance_value"] = "must not be negative"
    elif kind == "percent" and value > 100:
        errors["tolerance_value"] = "a percent tolerance must be between 0 and 100"
    return errors


def tolerance_quantity(ordered_qty, tol_type: str | None, tol_value) -> Decimal:
    """The allowed deviation in the line's unit (same formula as the dbt model)."""
    errors = tolerance_errors(tol_type, tol_value)
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    kind = tol_type or "none"
    if kind == "absolute":
        return _dec(tol_value, "tolerance_value")
    if kind == "percent":
        return _dec(ordered_qty, "ordered_qty") * _dec(tol_value, "tolerance_value") / 100
    return ZERO


def line_status(ordered_qty, delivered_qty, tol_type: str | None = "none", tol_value=None) -> LineStatus:
    """Status of a line after `delivered_qty` in total has been delivered against it.

    settled: delivered >= ordered - tolerance; settled_flagged: settled but beyond
    ordered + tolerance; open: below the lower bound.
    """
    ordered = _dec(ordered_qty, "ordered_qty")
    delivered = _dec(delivered_qty, "delivered_qty")
    if ordered <= 0:
        raise ValueError(f"ordered_qty: must be positive, got {ordered}")
    if delivered < 0:
        raise ValueError(f"delivered_qty: must not be negative, got {delivered}")
    tolerance = tolerance_quantity(ordered, tol_type, tol_value)
    lower, upper = ordered - tolerance, ordered + tolerance
    if delivered > upper:
        status = "settled_flagged"
    elif delivered >= lower:
        status = "settled"
    else:
        status = "open"
    return LineStatus(
        status=status,
        shortfall=max(lower - delivered, ZERO),
        excess=max(delivered - upper, ZERO),
        lower_bound=lower,
        upper_bound=upper,
    )


def recognised_revenue(status: LineStatus, delivered_qty, unit_price) -> Decimal:
    """Revenue of a line: quantity actually delivered x unit price once settled, else 0.

    Rounded half up to the fen only here, at the final figure (the money convention).
    """
    if not status.is_settled:
        return Decimal("0.00")
    amount = _dec(delivered_qty, "delivered_qty") * _dec(unit_price, "unit_price")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
