"""What a partner statement settles at (渠道结算), the one home of the rule; pure, no database.

The goods side: every line is settled at its *agreed amount*: the vendor's amount, unless the
line's latest dispute was accepted, then the adjusted amount the vendor side accepted (a line
missing in the vendor's records has no vendor amount: 0 unless accepted). A line's difference
(partner minus vendor) is *open* while the line is undisputed or its latest dispute unanswered;
an answered dispute (accepted or rejected) closes it. A statement may be confirmed once no
difference is open and no dispute waits.

The payout side: rebate, market fund and promotion subsidy lines the vendor owes the partner
(``partner.statement_payout_lines``). ``net_amount`` = goods total - payout total: what the
partner still pays after the payouts are set off (negative: the vendor pays the partner).
Amounts are rounded half up to the fen at the end only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)
CENT = Decimal("0.01")
PAYOUT_TYPES = ("rebate", "market_fund", "promotion_subsidy")


def _dec(value: Any) -> Decimal:
    if value is None:
        return ZERO
    try:
        if value != value:  # NaN from a data frame's empty cell
            return ZERO
    except TypeError:
        pass
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Answer:
    """The latest dispute of a line and the vendor side's answer (None: not answered yet)."""

    decision: str | None
    adjusted_amount: Decimal | None = None


@dataclass(frozen=True)
class Settlement:
    goods_total: Decimal
    open_difference: Decimal
    open_disputes: int
    payout_by_type: dict[str, Decimal] = field(default_factory=dict)

    @property
    def payout_total(self) -> Decimal:
        return sum(self.payout_by_type.values(), ZERO)

    @property
    def net_amount(self) -> Decimal:
        return self.goods_total - self.payout_total

    @property
    def confirmable(self) -> bool:
        return self.open_disputes == 0 and abs(self.open_difference) < CENT


def agreed_amount(vendor_amount: Any, answer: Answer | None) -> Decimal:
    if answer is not None and answer.decision == "accept":
        return _dec(answer.adjusted_amount)
    return _dec(vendor_amount)


def settle(lines: Iterable[Mapping[str, Any]], answers: Mapping[str, Answer],
           payouts: Iterable[Mapping[str, Any]] = ()) -> Settlement:
    """``lines``: the statement's reconciliation lines (``line_key``, ``vendor_amount``,
    ``report_amount``); ``answers``: per disputed line key its latest dispute's answer;
    ``payouts``: the statement's payout lines (``payout_type``, ``amount``)."""
    goods = difference = ZERO
    waiting = 0
    for line in lines:
        answer = answers.get(line["line_key"])
        goods += agreed_amount(line.get("vendor_amount"), answer)
        if answer is None:
            difference += _dec(line.get("report_amount")) - _dec(line.get("vendor_amount"))
        elif answer.decision is None:
            waiting += 1
    by_type = {t: ZERO for t in PAYOUT_TYPES}
    for payout in payouts:
        kind = payout["payout_type"]
        if kind not in by_type:
            raise ValueError(f"unknown payout type {kind!r}; known: {', '.join(PAYOUT_TYPES)}")
        by_type[kind] += _dec(payout.get("amount"))
    money = {k: v.quantize(CENT, rounding=ROUND_HALF_UP) for k, v in by_type.items()}
    return Settlement(goods.quantize(CENT, rounding=ROUND_HALF_UP), difference.quantize(CENT, rounding=ROUND_HALF_UP),
                      waiting, money)
