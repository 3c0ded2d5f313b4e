"""The nightly day close: visits of past days still open are closed as "end of day", honestly counted.

One Wednesday on the floor with two clerks; at closing time one ticket is still waiting, one called, one
being served and one parked. Every time below is set explicitly, so the expected numbers are worked out
by hand.
"""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from buergerbuero.background import jobs
from buergerbuero.core.errors import Conflict
from buergerbuero.queue import services
from buergerbuero.queue.models import CounterSession, Visit
from buergerbuero.queue.selectors import live, stats
from tests.queue.conftest import appointment, at


def walk_in(office, service, when):
    return services.draw_ticket(office=office, service=service, now=when, override_quota=True)


def first_leg(ticket):
    return ticket.visits.get(previous__isnull=True)


@pytest.fixture
def left_open(floor, id_card, registration, anna, ben, counters, day):
    """Wednesday `day`: T1 done, T2 no-show; at the end T3 waiting, T4 called, T5 being served, T6 parked."""
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 8))
    services.open_session(clerk=ben, counter=counters[1], now=at(day, 8))
    t1 = walk_in(floor, registration, at(day, 9, 0))
    v = services.call_visit(clerk=anna, visit=first_leg(t1), now=at(day, 9, 5))  # wait 5
    services.start(clerk=anna, visit=v, now=at(day, 9, 6))
    services.finish(clerk=anna, visit=v, services=[registration], now=at(day, 9, 21))  # handling 15
    t2 = walk_in(floor, registration, at(day, 9, 10))
    v = services.call_visit(clerk=ben, visit=first_leg(t2), now=at(day, 9, 30))  # wait 20
    services.no_show(clerk=ben, visit=v, now=at(day, 9, 35))
    t6 = walk_in(floor, registration, at(day, 9, 15))
    v = services.call_visit(clerk=anna, visit=first_leg(t6), now=at(day, 9, 40))  # wait 25
    services.start(clerk=anna, visit=v, now=at(day, 9, 41))
    services.park(clerk=anna, visit=v, now=at(day, 9, 50))
    t5 = walk_in(floor, registration, at(day, 9, 45))
    v = services.call_visit(clerk=ben, visit=first_leg(t5), now=at(day, 9, 55))  # wait 10
    services.start(clerk=ben, visit=v, now=at(day, 9, 56))
    booked = appointment(floor, id_card, at(day, 10, 0))
    t4 = services.check_in(office=floor, code=booked.code, now=at(day, 9, 50))
    services.call_visit(clerk=anna, visit=first_leg(t4), now=at(day, 10, 3))  # wait 3: from the appointment time
    t3 = walk_in(floor, registration, at(day, 11, 30))  # never called
    return {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5, "T6": t6}


def outcome(ticket):
    leg = first_leg(ticket)
    return leg.status, leg.outcome


def test_the_day_close_closes_what_was_left_open_and_nothing_else(floor, left_open, anna, ben, day):
    tickets = left_open
    # The same evening nothing is closed: only days before today count.
    same_evening = services.close_office_past_days(office=floor, now=at(day, 23, 30))
    assert (same_evening.visits, same_evening.sessions) == (0, 0)
    assert outcome(tickets["T3"]) == ("waiting", "")

    next_morning = day + dt.timedelta(days=1)
    early = walk_in(floor, tickets["T1"].visits.get().service, at(next_morning, 7, 55))  # a ticket of the new day
    close = services.close_office_past_days(office=floor, now=at(next_morning, 8, 0))
    assert (close.waiting, close.called, close.serving, close.parked) == (1, 1, 1, 1)
    assert (close.visits, close.sessions, close.today) == (4, 2, next_morning)

    for label in ("T3", "T4", "T5", "T6"):
        assert outcome(tickets[label]) == ("closed", "end_of_day"), label
        assert first_leg(tickets[label]).ended_at is None  # nobody knows when it ended: no made-up time
    assert outcome(tickets["T1"]) == ("closed", "done")
    assert outcome(tickets["T2"]) == ("closed", "no_show")
    assert outcome(early) == ("waiting", "")  # today's ticket is left alone
    assert not CounterSession.objects.filter(ended_at__isnull=True).exists()
    assert set(CounterSession.objects.values_list("ended_at", flat=True)) == {at(next_morning, 8, 0)}
    # nobody counts as present or in front of a clerk any more
    assert live.clerks_present(floor) == 0
    assert live.current_visit(anna) is None and live.current_visit(ben) is None
    assert not live.parked_visits(anna).exists()

    again = services.close_office_past_days(office=floor, now=at(next_morning, 8, 5))
    assert (again.visits, again.sessions) == (0, 0)  # idempotent


def test_the_numbers_count_end_of_day_visits_neither_as_served_nor_as_no_show(floor, left_open, day):
    services.close_office_past_days(office=floor, now=at(day + dt.timedelta(days=1), 1, 0))
    # waiting times are known for the called tickets only: T1 5, T2 20, T6 25, T5 10, T4 3 (T3 never called)
    rows = stats.waiting_times(floor, day, day)
    assert rows == [{"key": day, "visits": 5, "p50": 10.0, "p90": 23.0}]  # [3, 5, 10, 20, 25]: 20 + 0.6 × 5
    assert stats.no_show_rate(floor, day, day) == {
        "visits": 2,  # T1 done, T2 no-show; the four end-of-day legs are not in the rate …
        "no_shows": 1,
        "rate": 0.5,
        "end_of_day": 4,  # … but counted beside it
        "never_called": 1,  # T3: its waiting time is unknown, not zero
    }
    assert [(r["service"], r["visits"], r["p50"]) for r in stats.handling_times(floor, day, day)] == [
        (left_open["T1"].visits.get().service_id, 1, 15.0)  # T5 and T6 were served but never finished
    ]
    assert stats.walk_in_share(floor, day, day) == {"appointment": 1, "walk_in": 5, "share": 5 / 6}


def test_a_clerk_cannot_act_on_a_visit_the_day_close_closed(floor, left_open, anna, registration, day):
    services.close_office_past_days(office=floor, now=at(day + dt.timedelta(days=1), 1, 0))
    visit = first_leg(left_open["T4"])
    with pytest.raises(Conflict) as exc:
        services.finish(clerk=anna, visit=visit, services=[registration], now=at(day + dt.timedelta(days=1), 8))
    assert exc.value.code == "already_closed"
    assert outcome(left_open["T4"]) == ("closed", "end_of_day")


def test_a_visit_the_clerk_closed_first_keeps_the_clerks_outcome(floor, left_open, anna, registration, day):
    """The conditional UPDATE only takes open visits: finishing before the close wins, and is not counted."""
    services.finish(clerk=anna, visit=first_leg(left_open["T4"]), services=[registration], now=at(day, 18))
    close = services.close_office_past_days(office=floor, now=at(day + dt.timedelta(days=1), 1, 0))
    assert (close.waiting, close.called, close.serving, close.parked) == (1, 0, 1, 1)
    assert outcome(left_open["T4"]) == ("closed", "done")


def test_the_database_refuses_an_end_time_for_an_end_of_day_visit(floor, left_open, day):
    services.close_office_past_days(office=floor, now=at(day + dt.timedelta(days=1), 1, 0))
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(outcome="end_of_day").update(ended_at=at(day, 18))


def test_command_and_scheduler_job(floor, left_open, day):
    out = io.StringIO()
    call_command("close_floor_day", "--office", floor.slug, stdout=out)  # the real clock: `day` lies ahead
    assert f"{floor.slug}: 0 visits before" in out.getvalue()
    with pytest.raises(CommandError, match="gibt es nicht"):
        call_command("close_floor_day", "--office", "nirgendwo")
    assert jobs.floor_day_close(timezone.now()) == 0  # the scheduler's job; `day` lies ahead


@pytest.fixture
def yesterday_left_open(floor, registration):
    """A ticket of yesterday (the real clock) still waiting, one served."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    done = walk_in(floor, registration, at(yesterday, 9))
    waiting = walk_in(floor, registration, at(yesterday, 9, 30))
    Visit.objects.filter(ticket=done).update(
        status="closed", outcome="done", called_at=at(yesterday, 9, 5), ended_at=at(yesterday, 9, 15)
    )
    return yesterday, waiting


def test_reception_warns_until_the_day_close_ran_then_shows_its_count(client, floor, empfang, yesterday_left_open):
    yesterday, waiting = yesterday_left_open
    client.force_login(empfang)
    html = client.get(f"/queue/{floor.slug}/reception/").content.decode()
    assert "1 Vorsprache früherer Tage ist noch offen: Der Tagesabschluss ist nicht gelaufen." in html
    assert 'id="day-close"' not in html

    call_command("close_floor_day", stdout=io.StringIO())
    html = client.get(f"/queue/{floor.slug}/reception/").content.decode()
    assert "Tagesabschluss ist nicht gelaufen" not in html
    assert (
        f"Tagesabschluss {yesterday:%d.%m.%Y}: 1 Vorsprache war noch offen (davon 1 nie aufgerufen). "
        "Sie zählt weder als bedient noch als nicht erschienen." in html
    )
    assert outcome(waiting) == ("closed", "end_of_day")
