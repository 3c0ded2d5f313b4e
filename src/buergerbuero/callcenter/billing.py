"""Monthly statement and annual cost forecast of a call-center contract (pure, no ORM).

Amount = flat fee + price per call × calls beyond the included calls + price per minute × minutes beyond
the included minutes. Minutes are billed per started minute of each call.

Annual allowances (`Terms.carry_over`): the included calls and minutes are still granted month by month,
but what a month leaves unused carries over to the following months of the same contract year (twelve
months from the contract's first month) and is lost when the next contract year begins. A month's
allowance is its own plus the carry-over; the carry-over into the next month is what is left of that
(never negative: an overrun is billed, not borrowed from later months). The forecast fits a straight
line through the months so far and prices each of the next twelve months with the same terms — the early
warning Baden-Baden lacked when its cost grew from a planned 25 k€ to ~125 k€ a year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Terms:
    price_per_call: Decimal = Decimal(0)
    price_per_minute: Decimal = Decimal(0)
    monthly_flat_fee: Decimal = Decimal(0)
    included_calls: int = 0
    included_minutes: int = 0
    carry_over: bool = False  # unused included volume carries over within the contract year


@dataclass(frozen=True, slots=True)
class Statement:
    calls: int
    minutes: int
    flat_fee: Decimal
    billable_calls: int
    billable_minutes: int
    calls_amount: Decimal
    minutes_amount: Decimal
    total: Decimal
    carried_calls: int = 0  # unused included calls of earlier months of the contract year
    carried_minutes: int = 0

    def carry_out(self, terms: Terms) -> tuple[int, int]:
        """Included calls and minutes this month leaves for the next (0 without carry-over)."""
        if not terms.carry_over:
            return 0, 0
        return (
            max(0, terms.included_calls + self.carried_calls - self.calls),
            max(0, terms.included_minutes + self.carried_minutes - self.minutes),
        )


def billed_minutes(duration_seconds: int) -> int:
    """Per started minute."""
    return max(1, math.ceil(duration_seconds / 60)) if duration_seconds > 0 else 0


def statement(terms: Terms, *, calls: int, minutes: int, carried_calls: int = 0, carried_minutes: int = 0) -> Statement:
    if not terms.carry_over:
        carried_calls = carried_minutes = 0
    billable_calls = max(0, calls - terms.included_calls - carried_calls)
    billable_minutes = max(0, minutes - terms.included_minutes - carried_minutes)
    calls_amount = (terms.price_per_call * billable_calls).quantize(CENT, ROUND_HALF_UP)
    minutes_amount = (terms.price_per_minute * billable_minutes).quantize(CENT, ROUND_HALF_UP)
    flat = terms.monthly_flat_fee.quantize(CENT, ROUND_HALF_UP)
    return Statement(
        calls=calls,
        minutes=minutes,
        flat_fee=flat,
        billable_calls=billable_calls,
        billable_minutes=billable_minutes,
        calls_amount=calls_amount,
        minutes_amount=minutes_amount,
        total=flat + calls_amount + minutes_amount,
        carried_calls=carried_calls,
        carried_minutes=carried_minutes,
    )


def year_statements(terms: Terms, usage: list[tuple[int, int]]) -> list[Statement]:
    """Statements of consecutive months of one contract year, first month first: (calls, minutes) each."""
    out: list[Statement] = []
    carry = (0, 0)
    for calls, minutes in usage:
        s = statement(terms, calls=calls, minutes=minutes, carried_calls=carry[0], carried_minutes=carry[1])
        out.append(s)
        carry = s.carry_out(terms)
    return out


def _trend(values: list[float], ahead: int) -> list[float]:
    """Least-squares line through values (x = 0, 1, …) evaluated at the next `ahead` points, never < 0."""
    n = len(values)
    if n == 0:
        return [0.0] * ahead
    if n == 1:
        return [max(0.0, values[0])] * ahead
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sxx
    return [max(0.0, mean_y + slope * (x - mean_x)) for x in range(n, n + ahead)]


@dataclass(frozen=True, slots=True)
class Forecast:
    months: list[Statement]  # the next twelve months, priced
    annual_total: Decimal
    calls_per_month_trend: float  # slope: calls more (or fewer) each month
    minutes_per_month_trend: float


def forecast(
    terms: Terms,
    history: list[tuple[int, int]],
    ahead: int = 12,
    *,
    carry_in: tuple[int, int] = (0, 0),
    year_position: int = 0,
) -> Forecast:
    """Annual cost from the trend of (calls, minutes) per complete month, oldest first.

    With carry-over, `carry_in` is the unused included volume entering the first forecast month and
    `year_position` that month's place in its contract year (0 = first month: the carry starts afresh)."""
    calls = _trend([c for c, _m in history], ahead)
    minutes = _trend([m for _c, m in history], ahead)
    months = []
    carry = carry_in if year_position % 12 else (0, 0)
    for i, (c, m) in enumerate(zip(calls, minutes, strict=True)):
        if i and (year_position + i) % 12 == 0:
            carry = (0, 0)  # a new contract year: the carry-over is gone
        s = statement(terms, calls=round(c), minutes=round(m), carried_calls=carry[0], carried_minutes=carry[1])
        months.append(s)
        carry = s.carry_out(terms)
    slope_c = calls[1] - calls[0] if ahead > 1 and len(history) > 1 else 0.0
    slope_m = minutes[1] - minutes[0] if ahead > 1 and len(history) > 1 else 0.0
    return Forecast(months, sum((s.total for s in months), Decimal(0)), slope_c, slope_m)
