"""Pure engines: German stemmer, Erlang C against published values, SLA business clock, billing."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.callcenter import billing, erlang, sla, text

# Stems PostgreSQL 15 gives (ts_lexize('german_stem', …)); the SQLite shadow index must agree.
PG_STEMS = {
    "führungszeugnisse": "fuhrungszeugnis",
    "beantragen": "beantrag",
    "personalausweises": "personalausweis",
    "wohnungsgeberbestätigung": "wohnungsgeberbestat",
    "aufeinanderfolgende": "aufeinanderfolg",
    "kenntnisse": "kenntnis",
    "beglaubigungen": "beglaub",
    "meldebescheinigung": "meldebeschein",
    "häufigkeit": "haufig",
    "ergebnissen": "ergebnis",
    "fundsachen": "fundsach",
    "reisepässe": "reisepass",
    "abmelden": "abmeld",
    "anmeldung": "anmeld",
    "schönheit": "schonheit",
    "verlängerung": "verlanger",
    "straße": "strass",
}


@pytest.mark.parametrize(("word", "expected"), PG_STEMS.items())
def test_stemmer_matches_postgresql_german(word, expected):
    assert text.stem(word) == expected


def test_terms_drop_postgresql_stop_words():
    assert text.terms("Wie kann ich einen Personalausweis beantragen?") == ["personalausweis", "beantragen"]


def test_trigram_similarity_tolerates_a_typo_but_not_another_word():
    assert text.similarity("persnalausweis", "personalausweis") > 0.6
    assert text.similarity("reisepass", "personalausweis") < 0.2


# Call Centre Helper, "Erlang C formula – made simple": 100 calls in 30 minutes, 180 s handle time
# (10 Erlangs), target 80 % in 20 s → 14 agents, probability of waiting 17.4 %, service level ≈ 88.8 %,
# ASA 7.8 s; with 30 % shrinkage 20 agents. Classic table values: C(11, 10) = 0.6821, C(12, 10) = 0.4494.
def test_erlang_c_published_example():
    s = erlang.agents_needed(calls=100, handle_seconds=180, target_level=0.8, target_seconds=20, shrinkage=0.3)
    assert s.load == pytest.approx(10.0)
    assert s.agents_on_phone == 14
    assert s.agents_rostered == 20
    assert s.wait_probability == pytest.approx(0.1741, abs=5e-4)
    assert s.service_level == pytest.approx(0.888, abs=3e-3)
    assert s.asa_seconds == pytest.approx(7.8, abs=0.1)


@pytest.mark.parametrize(("agents", "pw"), [(11, 0.6821), (12, 0.4494), (13, 0.2853), (15, 0.1020)])
def test_erlang_c_table_values(agents, pw):
    assert erlang.wait_probability(agents, 10.0) == pytest.approx(pw, abs=5e-4)


def test_erlang_c_closed_forms():
    assert erlang.wait_probability(2, 1.0) == pytest.approx(1 / 3)  # M/M/2, A = 1
    assert erlang.wait_probability(3, 2.0) == pytest.approx(4 / 9)  # M/M/3, A = 2
    assert erlang.wait_probability(1, 0.5) == pytest.approx(0.5)  # M/M/1: ρ
    assert erlang.wait_probability(10, 10.0) == 1.0  # overloaded
    assert erlang.average_speed_of_answer(10, 10.0, 180) == float("inf")


def test_erlang_staffing_rejects_bad_targets():
    with pytest.raises(ValueError):
        erlang.agents_needed(calls=10, handle_seconds=180, target_level=1.2)
    with pytest.raises(ValueError):
        erlang.agents_needed(calls=10, handle_seconds=180, shrinkage=1.0)
    assert erlang.agents_needed(calls=0, handle_seconds=180).agents_rostered == 0


BERLIN = ZoneInfo("Europe/Berlin")
T = dt.time


def hours(weekdays=range(5), start=T(8), end=T(18), holidays=None):
    """A contract's service hours (Mon–Fri 8–18 unless told otherwise), as the client city's holidays cut them."""
    return sla.ServiceHours("Europe/Berlin", frozenset(weekdays), start, end, holidays or {})


def at(day, hour, minute=0):
    return dt.datetime.combine(day, T(hour, minute), tzinfo=BERLIN)


MONDAY = dt.date(2026, 3, 2)
MONTH = MONDAY + dt.timedelta(days=30)


def test_sla_runs_only_in_service_hours():
    # Created Monday 17:00 with 3 service hours: 1 h Monday, 2 h Tuesday → Tuesday 10:00.
    assert sla.due_at(hours(), at(MONDAY, 17), 180, until_day=MONTH) == at(MONDAY + dt.timedelta(days=1), 10)
    # Created at night (before the service opens): the clock starts at 8:00 → 8:45 with 45 minutes.
    assert sla.due_at(hours(), at(MONDAY, 3), 45, until_day=MONTH) == at(MONDAY, 8, 45)
    # Mon–Sat 9–13 (4 h a day): created Friday 12:00 with 8 h → 1 h Fri, 4 h Sat, 3 h Mon → Monday 12:00.
    friday = MONDAY + dt.timedelta(days=4)
    six_days = hours(range(6), T(9), T(13))
    assert sla.due_at(six_days, at(friday, 12), 8 * 60, until_day=MONTH) == at(friday + dt.timedelta(days=3), 12)
    # 24 service hours on Mon–Fri 8–18 from Wednesday 14:00: 4 + 10 (Thu) + 10 (Fri) → Friday 18:00 exactly.
    wednesday = MONDAY + dt.timedelta(days=2)
    assert sla.due_at(hours(), at(wednesday, 14), 24 * 60, until_day=MONTH) == at(friday, 18)


def test_sla_skips_the_client_citys_holidays():
    tuesday = MONDAY + dt.timedelta(days=1)
    cal = hours(holidays={tuesday: "Feiertag", tuesday + dt.timedelta(days=1): "Feiertag"})
    # Monday 17:00 + 150 min: 1 h Monday, Tuesday and Wednesday are holidays → Thursday 9:30.
    assert sla.due_at(cal, at(MONDAY, 17), 150, until_day=MONTH) == at(MONDAY + dt.timedelta(days=3), 9, 30)


def test_sla_counts_real_minutes_across_the_dst_change():
    # Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 01:00–04:00 local holds 120 real minutes.
    sunday = dt.date(2026, 3, 29)
    night = hours(range(7), T(1), T(4))
    due = sla.due_at(night, at(sunday, 0, 30), 150, until_day=sunday + dt.timedelta(days=3))
    assert due == at(sunday + dt.timedelta(days=1), 1, 30)
    assert due == dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC)
    assert sla.used_minutes(night, at(sunday, 0), at(sunday, 5)) == 120


def test_sla_clock_stands_still_while_waiting_for_the_citizen():
    cal = hours(start=T(8), end=T(12))
    pause = (at(MONDAY, 9), at(MONDAY + dt.timedelta(days=1), 10))  # Monday 9:00 → Tuesday 10:00
    due = sla.due_at(cal, at(MONDAY, 8), 120, until_day=MONTH, pauses=[pause])
    assert due == at(MONDAY + dt.timedelta(days=1), 11)
    used = sla.used_minutes(cal, at(MONDAY, 8), at(MONDAY + dt.timedelta(days=1), 11), pauses=[pause])
    assert used == 120


def test_sla_reports_a_calendar_that_is_too_short():
    with pytest.raises(sla.CalendarTooShort):
        sla.due_at(hours(), at(MONDAY, 8), 100 * 60, until_day=MONDAY + dt.timedelta(days=2))


def test_statement_flat_fee_included_volume_and_overage():
    terms = billing.Terms(
        price_per_minute=Decimal("1.21"),
        monthly_flat_fee=Decimal("7916.67"),
        included_minutes=5000,
        price_per_call=Decimal("0.10"),
        included_calls=1000,
    )
    s = billing.statement(terms, calls=1200, minutes=5500)
    assert (s.billable_calls, s.billable_minutes) == (200, 500)
    assert s.minutes_amount == Decimal("605.00")
    assert s.calls_amount == Decimal("20.00")
    assert s.total == Decimal("8541.67")
    under = billing.statement(terms, calls=10, minutes=100)
    assert under.total == Decimal("7916.67")


def test_billed_minutes_per_started_minute():
    assert [billing.billed_minutes(s) for s in (1, 60, 61, 179, 0)] == [1, 1, 2, 3, 0]


def test_forecast_follows_the_trend():
    terms = billing.Terms(price_per_minute=Decimal("1.00"))
    fc = billing.forecast(terms, [(100, 1000), (110, 1100), (120, 1200)])
    assert fc.minutes_per_month_trend == pytest.approx(100)
    assert fc.months[0].minutes == 1300
    assert fc.annual_total == Decimal(sum(1300 + 100 * i for i in range(12)))
    flat = billing.forecast(terms, [(10, 50)])
    assert flat.annual_total == Decimal(600)


ANNUAL = billing.Terms(
    price_per_minute=Decimal("0.50"), monthly_flat_fee=Decimal("500"), included_minutes=1000, carry_over=True
)


def test_annual_allowance_carries_unused_minutes_within_the_contract_year():
    # Mar 600 (carry 400) · Apr 900 of 1,400 (carry 500) · May 1,800 of 1,500 → 300 × 0.50 = 150 € · Jun 1,400 of
    # 1,000 (the overrun in May used the carry up) → 400 × 0.50 = 200 €.
    months = billing.year_statements(ANNUAL, [(0, 600), (0, 900), (0, 1800), (0, 1400)])
    assert [s.carried_minutes for s in months] == [0, 400, 500, 0]
    assert [s.billable_minutes for s in months] == [0, 0, 300, 400]
    assert [s.total for s in months] == [Decimal("500.00"), Decimal("500.00"), Decimal("650.00"), Decimal("700.00")]
    # The same months with monthly allowances: May pays 800 minutes over.
    monthly = billing.Terms(**{**{f: getattr(ANNUAL, f) for f in ANNUAL.__slots__}, "carry_over": False})
    assert [s.billable_minutes for s in billing.year_statements(monthly, [(0, 600), (0, 900), (0, 1800)])] == [
        0,
        0,
        800,
    ]


def test_forecast_carries_over_and_starts_afresh_with_the_contract_year():
    terms = billing.Terms(price_per_minute=Decimal("1"), included_minutes=100, carry_over=True)
    # Trend: 150 minutes a month. The first forecast month is the 11th of its contract year with 30 minutes
    # carried in: 150 − 130 = 20 billable; the 12th: 50; then a new year without carry: 50 a month × 10.
    fc = billing.forecast(terms, [(0, 150), (0, 150)], carry_in=(0, 30), year_position=10)
    assert [s.billable_minutes for s in fc.months] == [20] + [50] * 11
    assert fc.annual_total == Decimal(20 + 50 * 11)
