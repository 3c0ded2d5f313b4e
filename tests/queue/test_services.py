import datetime as dt

import pytest

from buergerbuero.core.errors import Conflict, DomainError, Forbidden, NotFound
from buergerbuero.queue import services
from buergerbuero.queue.models import FloorSettings, Ticket, Visit, WalkInQuota
from buergerbuero.queue.selectors import live, stats
from tests.queue.conftest import appointment, at, staff


def test_check_in_hands_out_ticket_numbers_per_office_and_day(floor, id_card, day):
    a1 = appointment(floor, id_card, at(day, 9))
    a2 = appointment(floor, id_card, at(day, 9, 20))
    t1 = services.check_in(office=floor, code=a1.code, now=at(day, 8, 40))
    t2 = services.check_in(office=floor, code=a2.code.lower().replace("-", " "), now=at(day, 8, 55))
    assert (t1.label, t2.label) == ("T-001", "T-002")
    visit = t1.visits.get()
    assert visit.status == Visit.Status.WAITING and visit.due_at == a1.start and visit.kind == "appointment"
    # the next day starts again at 1
    tomorrow = day + dt.timedelta(days=1)
    a3 = appointment(floor, id_card, at(tomorrow, 9))
    assert services.check_in(office=floor, code=a3.code, now=at(tomorrow, 8, 50)).label == "T-001"


def test_a_scanned_link_with_the_code_is_accepted(floor, id_card, day):
    a = appointment(floor, id_card, at(day, 9))
    ticket = services.check_in(office=floor, code=f"https://example.org/termin/{a.code}?t=abc", now=at(day, 8, 50))
    assert ticket.appointment_id == a.pk


@pytest.mark.parametrize("code", ["", "hello", "ZZZZ-ZZZZ"])
def test_unknown_code_is_refused_with_a_message_and_nothing_is_created(floor, day, code):
    with pytest.raises(DomainError) as exc:
        services.check_in(office=floor, code=code, now=at(day, 9))
    assert exc.value.field == "code" and str(exc.value.message)
    assert not Ticket.objects.exists() and not Visit.objects.exists()


def test_appointment_of_another_day_or_cancelled_is_not_checked_in(floor, id_card, day):
    other_day = appointment(floor, id_card, at(day + dt.timedelta(days=1), 9))
    cancelled = appointment(floor, id_card, at(day, 9, 30))
    cancelled.status = "cancelled"
    cancelled.save()
    for code in (other_day.code, cancelled.code):
        with pytest.raises(NotFound):
            services.check_in(office=floor, code=code, now=at(day, 9))
    assert not Ticket.objects.exists()


def test_double_check_in_tells_the_number_and_creates_no_second_visit(floor, id_card, day):
    a = appointment(floor, id_card, at(day, 9))
    ticket = services.check_in(office=floor, code=a.code, now=at(day, 8, 50))
    with pytest.raises(Conflict) as exc:
        services.check_in(office=floor, code=a.code, now=at(day, 8, 51))
    assert ticket.label in str(exc.value.message)
    assert Visit.objects.count() == 1 and Ticket.objects.count() == 1


def test_too_early_is_refused_with_the_time_check_in_opens(floor, id_card, day):
    FloorSettings.objects.create(office=floor, early_minutes=20)
    a = appointment(floor, id_card, at(day, 10))
    with pytest.raises(services.TooEarly) as exc:
        services.check_in(office=floor, code=a.code, now=at(day, 9, 30))
    assert "09:40" in str(exc.value.message)
    assert services.check_in(office=floor, code=a.code, now=at(day, 9, 40)).kind == "appointment"


def test_late_arrival_becomes_a_walk_in_during_walk_in_hours(floor, id_card, day):
    a = appointment(floor, id_card, at(day, 9))
    ticket = services.check_in(office=floor, code=a.code, now=at(day, 9, 20))  # late window 15 min
    assert ticket.late and ticket.kind == "walk_in"
    assert ticket.visits.get().due_at is None


def test_late_arrival_outside_walk_in_hours_is_refused_at_the_kiosk_but_reception_may(floor, id_card, day):
    monday = day - dt.timedelta(days=2)  # no walk-in hours on Monday
    a = appointment(floor, id_card, at(monday, 9))
    with pytest.raises(services.TooLate):
        services.check_in(office=floor, code=a.code, now=at(monday, 9, 30))
    assert not Ticket.objects.exists()
    ticket = services.check_in(office=floor, code=a.code, now=at(monday, 9, 30), by_reception=True)
    assert ticket.late


def test_walk_in_quota_used_up_says_so_with_the_next_appointment(floor, id_card, registration, day):
    WalkInQuota.objects.create(office=floor, service=registration, daily_quota=2)
    for minute in (0, 1):
        services.draw_ticket(office=floor, service=registration, now=at(day, 9, minute))
    with pytest.raises(services.QuotaExhausted) as exc:
        services.draw_ticket(office=floor, service=registration, now=at(day, 9, 2))
    assert "alle Wartenummern vergeben" in str(exc.value.message)
    assert "next_appointment" in exc.value.extra
    assert Ticket.objects.count() == 2
    status = live.walk_in_status(floor, at(day, 9, 3))
    assert status.quota_left(registration.pk) == 0
    # other services are not affected, reception may override
    assert services.draw_ticket(office=floor, service=id_card, now=at(day, 9, 3)).label == "T-003"
    assert services.draw_ticket(office=floor, service=registration, now=at(day, 9, 4), override_quota=True)


def test_walk_in_capacity_ends_when_the_queue_fills_the_rest_of_the_walk_in_hours(floor, id_card, day):
    # 11:30: 30 min left on two counters = 60 counter-minutes; ID card = 20 min each → three fit
    for _ in range(3):
        services.draw_ticket(office=floor, service=id_card, now=at(day, 11, 30))
    with pytest.raises(services.QuotaExhausted):
        services.draw_ticket(office=floor, service=id_card, now=at(day, 11, 30))


def test_no_walk_ins_outside_walk_in_hours(floor, id_card, day):
    with pytest.raises(services.QuotaExhausted) as exc:
        services.draw_ticket(office=floor, service=id_card, now=at(day, 13))
    assert "keine offene Sprechstunde" in str(exc.value.message)


def test_next_follows_the_policy_and_finish_records_the_services(floor, id_card, registration, counters, anna, day):
    walk = services.draw_ticket(office=floor, service=registration, now=at(day, 8, 30))
    a = appointment(floor, id_card, at(day, 9))
    booked = services.check_in(office=floor, code=a.code, now=at(day, 8, 50))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 8))
    first = services.call_next(clerk=anna, now=at(day, 8, 52))
    assert first.ticket == walk  # the appointment is not due yet (due window 5 min)
    services.start(clerk=anna, visit=first, now=at(day, 8, 53))
    done = services.finish(clerk=anna, visit=first, services=[registration, id_card], now=at(day, 9, 1))
    assert done.outcome == "done" and set(done.services_done.all()) == {registration, id_card}
    second = services.call_next(clerk=anna, now=at(day, 9, 2))
    assert second.ticket == booked and second.counter == counters[0]


def test_finish_twice_is_refused_and_changes_nothing(floor, registration, id_card, counters, anna, day):
    services.draw_ticket(office=floor, service=registration, now=at(day, 9))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    visit = services.call_next(clerk=anna, now=at(day, 9, 1))
    services.finish(clerk=anna, visit=visit, services=[registration], now=at(day, 9, 10))
    with pytest.raises(Conflict) as exc:
        services.finish(clerk=anna, visit=visit, services=[id_card], now=at(day, 9, 11))
    assert exc.value.code == "already_closed"
    visit.refresh_from_db()
    assert visit.ended_at == at(day, 9, 10) and list(visit.services_done.all()) == [registration]
    assert Visit.objects.count() == 1


def test_clerk_without_the_skill_is_not_offered_and_cannot_take_the_visit(floor, id_card, registration, counters, day):
    clerk = staff("nur-melde", floor, skills=[registration])
    ticket = services.draw_ticket(office=floor, service=id_card, now=at(day, 9))
    services.open_session(clerk=clerk, counter=counters[0], now=at(day, 9))
    with pytest.raises(NotFound) as exc:
        services.call_next(clerk=clerk, now=at(day, 9, 1))
    assert exc.value.code == "nobody_for_you"
    with pytest.raises(Forbidden) as exc:
        services.call_visit(clerk=clerk, visit=ticket.visits.get(), now=at(day, 9, 1))
    assert exc.value.code == "missing_skill"
    assert ticket.visits.get().status == "waiting"


def test_a_clerk_cannot_have_two_customers(floor, registration, counters, anna, day):
    for m in (0, 1):
        services.draw_ticket(office=floor, service=registration, now=at(day, 9, m))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    services.call_next(clerk=anna, now=at(day, 9, 2))
    with pytest.raises(Conflict):
        services.call_next(clerk=anna, now=at(day, 9, 3))
    assert Visit.objects.filter(status="waiting").count() == 1


def test_next_without_a_counter_or_with_nobody_waiting(floor, counters, anna, day):
    with pytest.raises(DomainError) as exc:
        services.call_next(clerk=anna, now=at(day, 9))
    assert exc.value.code == "no_session"
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    with pytest.raises(NotFound) as exc:
        services.call_next(clerk=anna, now=at(day, 9))
    assert exc.value.code == "queue_empty"


def test_recall_at_most_n_times_then_no_show(floor, registration, counters, anna, day):
    FloorSettings.objects.create(office=floor, max_recalls=2)
    services.draw_ticket(office=floor, service=registration, now=at(day, 9))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    visit = services.call_next(clerk=anna, now=at(day, 9, 1))
    version = live.display_version(floor.pk)
    services.recall(clerk=anna, visit=visit, now=at(day, 9, 2))
    visit = services.recall(clerk=anna, visit=visit, now=at(day, 9, 3))
    assert visit.recalls == 2 and visit.last_called_at == at(day, 9, 3)
    assert live.display_version(floor.pk) == version + 2
    with pytest.raises(Conflict) as exc:
        services.recall(clerk=anna, visit=visit, now=at(day, 9, 4))
    assert exc.value.code == "recall_limit"
    visit = services.no_show(clerk=anna, visit=visit, now=at(day, 9, 5))
    assert visit.outcome == "no_show" and visit.status == "closed"


def test_park_lets_the_clerk_call_the_next_and_resume_later(floor, registration, counters, anna, day):
    for m in (0, 1):
        services.draw_ticket(office=floor, service=registration, now=at(day, 9, m))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    first = services.call_next(clerk=anna, now=at(day, 9, 2))
    services.start(clerk=anna, visit=first, now=at(day, 9, 3))
    services.park(clerk=anna, visit=first, now=at(day, 9, 5))
    second = services.call_next(clerk=anna, now=at(day, 9, 6))
    with pytest.raises(Conflict):
        services.resume(clerk=anna, visit=first, now=at(day, 9, 7))
    services.finish(clerk=anna, visit=second, services=[registration], now=at(day, 9, 10))
    resumed = services.resume(clerk=anna, visit=first, now=at(day, 9, 11))
    assert resumed.status == "serving" and resumed.started_at == at(day, 9, 3)


def test_transfer_closes_the_leg_and_queues_the_ticket_for_another_counter(
    floor, registration, id_card, counters, anna, ben, day
):
    ticket = services.draw_ticket(office=floor, service=registration, now=at(day, 9))
    services.draw_ticket(office=floor, service=registration, now=at(day, 9, 1))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    services.open_session(clerk=ben, counter=counters[1], now=at(day, 9))
    visit = services.call_next(clerk=anna, now=at(day, 9, 2))
    leg = services.transfer(clerk=anna, visit=visit, to_counter=counters[1], to_service=id_card, now=at(day, 9, 8))
    visit.refresh_from_db()
    assert visit.outcome == "transferred" and leg.ticket == ticket and leg.previous == visit
    assert leg.service == id_card and leg.status == "waiting"
    # anna may not take it (sent to counter 2); ben gets it before the later walk-in
    assert services.call_next(clerk=anna, now=at(day, 9, 9)).ticket != ticket
    assert services.call_next(clerk=ben, now=at(day, 9, 9)).ticket == ticket
    assert Visit.objects.filter(ticket=ticket).count() == 2


def test_another_clerk_cannot_act_on_my_visit(floor, registration, counters, anna, ben, day):
    services.draw_ticket(office=floor, service=registration, now=at(day, 9))
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    visit = services.call_next(clerk=anna, now=at(day, 9, 1))
    with pytest.raises(Forbidden):
        services.finish(clerk=ben, visit=visit, services=[registration], now=at(day, 9, 2))
    visit.refresh_from_db()
    assert visit.status == "called"


def test_counter_sessions(floor, counters, anna, ben, day):
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 8))
    with pytest.raises(Conflict):
        services.open_session(clerk=ben, counter=counters[0], now=at(day, 8))
    assert live.clerks_present(floor) == 1
    services.open_session(clerk=anna, counter=counters[1], now=at(day, 8, 5))  # moves
    services.open_session(clerk=ben, counter=counters[0], now=at(day, 8, 6))
    assert live.clerks_present(floor) == 2
    services.close_session(clerk=anna, now=at(day, 12))
    assert live.clerks_present(floor) == 1


def test_ticket_state_shows_position_and_estimated_wait(floor, registration, id_card, counters, anna, ben, day):
    tickets = [
        services.draw_ticket(office=floor, service=s, now=at(day, 9, i))
        for i, s in enumerate([id_card, registration, id_card])
    ]
    assert live.ticket_state(tickets[2], now=at(day, 9, 5)).wait_minutes is None  # nobody at a counter
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 9))
    services.open_session(clerk=ben, counter=counters[1], now=at(day, 9))
    state = live.ticket_state(tickets[2], now=at(day, 9, 5))
    assert state.position == 3
    assert state.wait_minutes == 15  # (20 + 10) minutes of work ahead, two clerks


def test_statistics_reject_an_unknown_grouping(floor, day):
    with pytest.raises(DomainError) as exc:
        stats.waiting_times(floor, day, day, by="week")
    assert exc.value.field == "by"


def test_a_ticket_left_over_from_yesterday_is_not_called_today(floor, registration, counters, anna, day):
    services.draw_ticket(office=floor, service=registration, now=at(day, 11, 50))
    tomorrow = day + dt.timedelta(days=1)
    services.open_session(clerk=anna, counter=counters[0], now=at(tomorrow, 8))
    with pytest.raises(NotFound):
        services.call_next(clerk=anna, now=at(tomorrow, 8, 1))
    assert live.ranked_waiting(floor, at(tomorrow, 8, 1)) == []


def test_the_display_shows_only_the_days_calls_and_never_names(floor, registration, counters, anna, day):
    services.draw_ticket(office=floor, service=registration, now=at(day, 9))
    services.open_session(clerk=anna, counter=counters[1], now=at(day, 9))
    services.call_next(clerk=anna, now=at(day, 9, 1))
    payload = live.display_payload(floor.pk, day)
    assert [(c["ticket"], c["counter"]) for c in payload["calls"]] == [("T-001", 2)]
    assert set(payload["calls"][0]) == {"ticket", "counter", "called_at"}
    assert live.display_payload(floor.pk, day + dt.timedelta(days=1))["calls"] == []
