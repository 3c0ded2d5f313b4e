"""A morning on the floor: appointments, walk-ins, a late arrival, a no-show and two clerks.

Every clerk takes exactly the catalogue minutes (ID card 20, registration 10) and presses "next" as
soon as they are free. The expected order and waiting times below were worked out by hand from the
policy (due appointments by time → walk-ins FIFO with priority first → early appointments).
"""

import datetime as dt

from buergerbuero.core.errors import NotFound
from buergerbuero.queue import services
from buergerbuero.queue.models import Ticket, Visit
from buergerbuero.queue.selectors import live, stats
from tests.queue.conftest import appointment, at


def test_a_simulated_morning_gives_the_expected_order_and_waiting_times(
    floor, id_card, registration, counters, anna, ben, day
):
    ID, REG = id_card, registration
    booked = {
        "A1": appointment(floor, ID, at(day, 8, 0)),
        "A2": appointment(floor, REG, at(day, 8, 0)),
        "A3": appointment(floor, ID, at(day, 8, 30)),
        "A4": appointment(floor, REG, at(day, 8, 40)),
        "A5": appointment(floor, ID, at(day, 8, 20)),  # comes 30 minutes late
        "A6": appointment(floor, REG, at(day, 9, 0)),  # checks in, then is not there when called
    }
    arrivals = {
        at(day, 7, 50): [("A1", None)],
        at(day, 7, 55): [("A2", None)],
        at(day, 8, 2): [("W1", REG)],
        at(day, 8, 5): [("W2", ID)],
        at(day, 8, 10): [("A3", None)],
        at(day, 8, 12): [("W3", REG)],  # priority (accessibility needs)
        at(day, 8, 41): [("A4", None)],
        at(day, 8, 50): [("A5", None)],
        at(day, 8, 55): [("A6", None)],
    }
    absent = {"A6"}
    names: dict[int, str] = {}  # ticket id -> scenario name
    clerks = {"anna": anna, "ben": ben}
    busy_until = {"anna": None, "ben": None}
    current: dict[str, Visit | None] = {"anna": None, "ben": None}
    calls: dict[str, list[str]] = {"anna": [], "ben": []}
    estimates = {}

    services.open_session(clerk=anna, counter=counters[0], now=at(day, 8))
    services.open_session(clerk=ben, counter=counters[1], now=at(day, 8))
    t = at(day, 7, 50)
    while t <= at(day, 9, 30):
        for name, clerk in clerks.items():  # work that ends now
            visit = current[name]
            if visit and busy_until[name] == t:
                if names[visit.ticket_id] in absent:
                    services.no_show(clerk=clerk, visit=visit, now=t)
                else:
                    services.finish(clerk=clerk, visit=visit, services=[visit.service], now=t)
                current[name] = None
            elif visit and names[visit.ticket_id] in absent:
                services.recall(clerk=clerk, visit=visit, now=t)
        for name, service in arrivals.get(t, []):
            if service is None:
                ticket = services.check_in(office=floor, code=booked[name].code, now=t)
            else:
                ticket = services.draw_ticket(office=floor, service=service, now=t, priority=name == "W3")
            names[ticket.pk] = name
        if t == at(day, 8, 12):
            for ticket in Ticket.objects.filter(pk__in=[pk for pk, n in names.items() if n in {"W2", "W3"}]):
                estimates[names[ticket.pk]] = live.ticket_state(ticket, now=t).wait_minutes
        if t >= at(day, 8):
            for name, clerk in clerks.items():
                if current[name] is not None:
                    continue
                try:
                    visit = services.call_next(clerk=clerk, now=t)
                except NotFound:
                    continue
                calls[name].append(names[visit.ticket_id])
                current[name] = visit
                if names[visit.ticket_id] in absent:
                    busy_until[name] = t + dt.timedelta(minutes=3)  # two recalls, then no-show
                else:
                    services.start(clerk=clerk, visit=visit, now=t)
                    busy_until[name] = t + dt.timedelta(minutes=visit.service.handling_minutes)
        t += dt.timedelta(minutes=1)

    assert calls == {"anna": ["A1", "W3", "A3", "A5"], "ben": ["A2", "W1", "W2", "A4", "A6"]}
    # At 8:12: W3 (priority) is next with 8 + 8 minutes still at the counters → 8; W2 has W3's 10 on top → 13.
    assert estimates == {"W3": 8, "W2": 13}

    waits = {
        names[v.ticket_id]: (v.called_at - max(v.queued_at, v.due_at or v.queued_at)).total_seconds() / 60
        for v in Visit.objects.filter(office=floor)
    }
    assert {k: max(0, w) for k, w in waits.items()} == {
        "A1": 0,
        "A2": 0,
        "W1": 8,
        "W2": 15,
        "W3": 8,
        "A3": 0,
        "A4": 0,
        "A5": 0,
        "A6": 0,
    }
    late = Visit.objects.get(ticket__appointment=booked["A5"])
    assert late.kind == "walk_in" and late.ticket.late
    assert Visit.objects.filter(status="closed").count() == 9 and not Visit.objects.exclude(status="closed").exists()

    by_day = stats.waiting_times(floor, day, day, by="day")
    # nine waits: 0,0,0,0,0,0,8,8,15 → p50 0, p90 8 + 0.2·7 = 9.4
    assert by_day == [{"key": day, "visits": 9, "p50": 0.0, "p90": 9.4}]
    by_service = {row["key"]: row for row in stats.waiting_times(floor, day, day, by="service")}
    assert (by_service[ID.pk]["p50"], by_service[ID.pk]["p90"]) == (0.0, 10.5)  # 0,0,0,15
    assert (by_service[REG.pk]["p50"], by_service[REG.pk]["p90"]) == (0.0, 8.0)  # 0,0,0,8,8
    handling = {row["service"]: row for row in stats.handling_times(floor, day, day)}
    assert handling[ID.pk]["mean"] == 20.0 and handling[REG.pk]["mean"] == 10.0
    assert handling[REG.pk]["visits"] == 4  # A6 was a no-show
    assert stats.no_show_rate(floor, day, day) == {
        "visits": 9,
        "no_shows": 1,
        "rate": 1 / 9,
        "end_of_day": 0,
        "never_called": 0,
    }
    assert stats.walk_in_share(floor, day, day) == {"appointment": 5, "walk_in": 4, "share": 4 / 9}
    by_hour = stats.waiting_times(floor, day, day, by="hour")
    assert [row["key"] for row in by_hour] == [8] and by_hour[0]["visits"] == 9
