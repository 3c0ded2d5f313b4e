"""The ID-card fee table at every age and date boundary."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buergerbuero.applications.fees import FeeError, age_on, id_card_fee

D = Decimal
CHANGE = dt.date(2026, 2, 7)


@pytest.mark.parametrize(
    ("day", "birth", "expected"),
    [
        (CHANGE - dt.timedelta(days=1), dt.date(2000, 1, 1), D("37.00")),
        (CHANGE, dt.date(2000, 1, 1), D("46.00")),
        (CHANGE - dt.timedelta(days=1), dt.date(2010, 1, 1), D("22.80")),
        (CHANGE, dt.date(2010, 1, 1), D("27.60")),
        # 24th birthday: the day before is "under 24", the birthday itself is the adult fee
        (dt.date(2026, 6, 15), dt.date(2002, 6, 16), D("27.60")),
        (dt.date(2026, 6, 15), dt.date(2002, 6, 15), D("46.00")),
        (dt.date(2025, 6, 15), dt.date(2001, 6, 16), D("22.80")),
        (dt.date(2025, 6, 15), dt.date(2001, 6, 15), D("37.00")),
        # born on 29 Feb: 24 only on 1 Mar in a common year
        (dt.date(2028, 2, 28), dt.date(2004, 2, 29), D("27.60")),
        (dt.date(2027, 2, 28), dt.date(2003, 2, 28), D("46.00")),
        (dt.date(2027, 2, 28), dt.date(2003, 3, 1), D("27.60")),
    ],
)
def test_base_fee_at_the_boundaries(day, birth, expected):
    assert id_card_fee(birth_date=birth, application_date=day).total == expected


def test_age_on_leap_day():
    assert age_on(dt.date(2004, 2, 29), dt.date(2028, 2, 28)) == 23
    assert age_on(dt.date(2004, 2, 29), dt.date(2028, 2, 29)) == 24
    assert age_on(dt.date(2004, 2, 29), dt.date(2027, 3, 1)) == 23
    assert age_on(dt.date(2004, 2, 29), dt.date(2029, 3, 1)) == 25


def test_surcharges_add_up():
    fee = id_card_fee(
        birth_date=dt.date(1964, 8, 12),
        application_date=CHANGE,
        direct_delivery=True,
        photo_in_office=True,
        outside_responsibility=True,
    )
    assert fee.total == D("46.00") + D("15.00") + D("6.00") + D("13.00")
    assert [line.key for line in fee.lines] == ["base_adult", "outside", "direct_delivery", "photo_in_office"]


@pytest.mark.parametrize(("birth", "allowed"), [(dt.date(2010, 2, 7), True), (dt.date(2010, 2, 8), False)])
def test_direct_delivery_from_the_16th_birthday(birth, allowed):
    if allowed:
        assert id_card_fee(birth_date=birth, application_date=CHANGE, direct_delivery=True).total == D("42.60")
    else:
        with pytest.raises(FeeError) as err:
            id_card_fee(birth_date=birth, application_date=CHANGE, direct_delivery=True)
        assert err.value.field == "delivery"


@pytest.mark.parametrize(("day", "exists"), [(dt.date(2025, 4, 30), False), (dt.date(2025, 5, 1), True)])
def test_direct_delivery_and_office_photo_only_since_may_2025(day, exists):
    for option in ("direct_delivery", "photo_in_office"):
        if exists:
            assert id_card_fee(birth_date=dt.date(1980, 1, 1), application_date=day, **{option: True}).total > D(37)
        else:
            with pytest.raises(FeeError):
                id_card_fee(birth_date=dt.date(1980, 1, 1), application_date=day, **{option: True})


def test_birth_in_future_is_refused():
    with pytest.raises(FeeError):
        id_card_fee(birth_date=dt.date(2030, 1, 1), application_date=CHANGE)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31)),
    day=st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_base_fee_is_one_of_the_table_values(birth, day):
    if birth > day:
        return
    fee = id_card_fee(birth_date=birth, application_date=day).total
    young = age_on(birth, day) < 24
    new = day >= CHANGE
    assert (
        fee
        == {(True, True): D("27.60"), (False, True): D("46.00"), (True, False): D("22.80"), (False, False): D("37.00")}[
            (young, new)
        ]
    )
