"""Pure engines: German stemmer, Erlang C against published values, SLA business clock, billing."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.callcenter import billing, erlang, sla, text
from buergerbuero.capacity import rules

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


def calendar(holidays=None, closures=()):
    """Mon–Fri 8–12, Thursday also 14–18 (like a Bürgerbüro with a service afternoon)."""
    return rules.OfficeCalendar(
        timezone="Europe/Berlin",
        rules=(
            rules.OpeningRule(rules.Recurrence(frozenset(range(5)), T(8), T(12))),
            rules.OpeningRule(rules.Recurrence(frozenset({3}), T(14), T(18)), label="Serviceabend"),
        ),
        closures=tuple(closures),
        holidays=holidays or {},
    )


def at(day, hour, minute=0):
    return dt.datetime.combine(day, T(hour, minute), tzinfo=BERLIN)


MONDAY = dt.date(2026, 3, 2)


def test_sla_runs_only_in_business_hours():
    cal = calendar()
    # Created Monday 11:00 with 2 service hours: 1 h Monday, 1 h Tuesday morning.
    due = sla.due_at(cal, at(MONDAY, 11), 120, until_day=MONDAY + dt.timedelta(days=30))
    assert due == at(MONDAY + dt.timedelta(days=1), 9)
    # Created Friday evening, 24 service hours: Mon–Wed 12 h, Thu 8 h, Fri 4 h → Friday 12:00 next week.
    friday = MONDAY + dt.timedelta(days=4)
    due = sla.due_at(cal, at(friday, 19), 24 * 60, until_day=friday + dt.timedelta(days=30))
    assert due == at(friday + dt.timedelta(days=7), 12)


def test_sla_skips_holidays_and_closures():
    tuesday = MONDAY + dt.timedelta(days=1)
    cal = calendar(
        holidays={tuesday: "Feiertag"},
        closures=[rules.Closure(tuesday + dt.timedelta(days=1), tuesday + dt.timedelta(days=1), "x")],
    )
    due = sla.due_at(cal, at(MONDAY, 11), 120, until_day=MONDAY + dt.timedelta(days=30))
    assert due == at(MONDAY + dt.timedelta(days=3), 9)  # Thursday


def test_sla_clock_stands_still_while_waiting_for_the_citizen():
    cal = calendar()
    pause = (at(MONDAY, 9), at(MONDAY + dt.timedelta(days=1), 10))  # Monday 9:00 → Tuesday 10:00
    due = sla.due_at(cal, at(MONDAY, 8), 120, until_day=MONDAY + dt.timedelta(days=30), pauses=[pause])
    assert due == at(MONDAY + dt.timedelta(days=1), 11)
    used = sla.used_minutes(cal, at(MONDAY, 8), at(MONDAY + dt.timedelta(days=1), 11), pauses=[pause])
    assert used == 120


def test_sla_reports_a_calendar_that_is_too_short():
    with pytest.raises(sla.CalendarTooShort):
        sla.due_at(calendar(), at(MONDAY, 8), 100 * 60, until_day=MONDAY + dt.timedelta(days=2))


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
