"""The appointment no-show rate the planner uses: booked appointments whose time was lost."""

import datetime as dt

from buergerbuero.queue import services
from buergerbuero.queue.selectors import stats
from tests.queue.conftest import appointment, at


def test_booked_appointments_not_checked_in_or_not_there_when_called(floor, id_card, registration, anna, counters, day):
    services.open_session(clerk=anna, counter=counters[0], now=at(day, 8))
    a1, a2, _a3, a4 = (appointment(floor, id_card, at(day, *t)) for t in ((9, 0), (9, 30), (10, 0), (10, 30)))
    cancelled = appointment(floor, id_card, at(day, 11))
    cancelled.status = "cancelled"
    cancelled.save()
    t1 = services.check_in(office=floor, code=a1.code, now=at(day, 8, 55))
    visit = services.call_visit(clerk=anna, visit=t1.visits.get(), now=at(day, 9))
    services.finish(clerk=anna, visit=visit, services=[id_card], now=at(day, 9, 20))  # A1 came
    t2 = services.check_in(office=floor, code=a2.code, now=at(day, 9, 25))
    visit = services.call_visit(clerk=anna, visit=t2.visits.get(), now=at(day, 9, 30))
    services.no_show(clerk=anna, visit=visit, now=at(day, 9, 35))  # A2 checked in but was gone when called
    # A3 never checked in
    t4 = services.check_in(office=floor, code=a4.code, now=at(day, 10, 50), by_reception=True)  # late: a walk-in
    visit = services.call_visit(clerk=anna, visit=t4.visits.get(), now=at(day, 11))
    services.finish(clerk=anna, visit=visit, services=[id_card], now=at(day, 11, 20))  # A4 came, late
    w = services.draw_ticket(office=floor, service=registration, now=at(day, 11, 30), override_quota=True)
    visit = services.call_visit(clerk=anna, visit=w.visits.get(), now=at(day, 11, 40))
    services.no_show(clerk=anna, visit=visit, now=at(day, 11, 45))  # a walk-in no-show: no booked time lost
    thursday = day + dt.timedelta(days=1)
    appointment(floor, id_card, at(thursday, 9))  # the floor was not used on Thursday: no evidence either way
    appointment(floor, id_card, at(thursday, 10))

    seen = stats.appointment_attendance(floor, day, thursday)
    assert (seen.days, seen.booked, seen.not_checked_in, seen.no_show_after_call) == (1, 4, 1, 1)
    assert (seen.missed, seen.rate) == (2, 0.5)  # A2 and A3 of A1–A4; not the cancelled one, not Thursday's
    assert stats.no_show_rate(floor, day, thursday)["rate"] == 2 / 4  # the floor's rate: A2 and W of 4 called
    empty = stats.appointment_attendance(floor, thursday, thursday)
    assert (empty.days, empty.booked, empty.rate) == (0, 0, None)
