"""Fee calculator for the ID card (Personalausweisgebührenverordnung), table-driven with effective dates.

Pure: no ORM. Sources (docs/online-services.md): PAuswGebV as amended with effect from 7 Feb 2026
(46 € / 27.60 € under 24), before 37 € / 22.80 €; +13 € outside the office's responsibility or hours;
+15 € Direktversand (from 1 May 2025, age ≥ 16); 6 € for the photo taken in the office (from 1 May 2025).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

YOUNG_BELOW_AGE = 24
DIRECT_DELIVERY_MIN_AGE = 16


@dataclass(frozen=True)
class Rate:
    key: str
    valid_from: dt.date
    valid_until: dt.date | None  # inclusive; None = open
    amount: Decimal
    label: str

    def applies(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


D = Decimal
RATES: tuple[Rate, ...] = (
    Rate("base_adult", dt.date(2021, 1, 1), dt.date(2026, 2, 6), D("37.00"), "Personalausweis (ab 24 Jahren)"),
    Rate("base_young", dt.date(2021, 1, 1), dt.date(2026, 2, 6), D("22.80"), "Personalausweis (unter 24 Jahren)"),
    Rate("base_adult", dt.date(2026, 2, 7), None, D("46.00"), "Personalausweis (ab 24 Jahren)"),
    Rate("base_young", dt.date(2026, 2, 7), None, D("27.60"), "Personalausweis (unter 24 Jahren)"),
    Rate("outside", dt.date(2021, 1, 1), None, D("13.00"), "Zuschlag: außerhalb der Zuständigkeit oder Dienstzeit"),
    Rate("direct_delivery", dt.date(2025, 5, 1), None, D("15.00"), "Direktversand nach Hause"),
    Rate("photo_in_office", dt.date(2025, 5, 1), None, D("6.00"), "Lichtbild im Bürgerbüro"),
)


class FeeError(ValueError):
    """The combination is not allowed (e.g. Direktversand under 16, a date before the table)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FeeLine:
    key: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Fee:
    lines: tuple[FeeLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), D("0.00"))


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on `day` (someone born on 29 Feb turns a year older on 1 Mar in common years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birthday(birth_date: dt.date, age: int) -> dt.date:
    """The day someone completes `age` years (consistent with `age_on`: 29 Feb counts on 1 Mar in common years)."""
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:
        return dt.date(birth_date.year + age, 3, 1)


def _rate(key: str, day: dt.date) -> Rate:
    for rate in RATES:
        if rate.key == key and rate.applies(day):
            return rate
    raise FeeError(f"no rate {key} on {day.isoformat()}", field="date")


def id_card_fee(
    *,
    birth_date: dt.date,
    application_date: dt.date,
    direct_delivery: bool = False,
    photo_in_office: bool = False,
    outside_responsibility: bool = False,
) -> Fee:
    if birth_date > application_date:
        raise FeeError("Das Geburtsdatum liegt in der Zukunft.", field="birth_date")
    age = age_on(birth_date, application_date)
    keys = ["base_young" if age < YOUNG_BELOW_AGE else "base_adult"]
    if outside_responsibility:
        keys.append("outside")
    if direct_delivery:
        if age < DIRECT_DELIVERY_MIN_AGE:
            raise FeeError("Direktversand ist erst ab 16 Jahren möglich.", field="delivery")
        keys.append("direct_delivery")
    if photo_in_office:
        keys.append("photo_in_office")
    rates = [_rate(key, application_date) for key in keys]
    return Fee(tuple(FeeLine(r.key, r.label, r.amount) for r in rates))
