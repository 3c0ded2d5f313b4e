import datetime as dt

from django.utils import timezone

from buergerbuero.core.demo import DemoCity
from buergerbuero.queue import demo, services
from buergerbuero.queue.models import CounterSession, DailyTicketCounter, FloorSettings, Ticket, Visit, WalkInQuota
from buergerbuero.queue.selectors import stats
from tests.queue.conftest import appointment, at


def test_demo_turns_booked_history_into_visits_with_walk_ins_and_no_shows(floor, id_card, registration):
    today = timezone.localdate()
    first = today - dt.timedelta(days=28)
    booked = []
    day = first
    while day < today:
        if day.weekday() < 5:
            for i in range(12):
                booked.append(appointment(floor, id_card if i % 2 else registration, at(day, 8 + i // 4, (i % 4) * 15)))
        day += dt.timedelta(days=1)
    city = DemoCity(today=today)
    city.objects.update(
        office=floor,
        services={"personalausweis": id_card, "wohnsitz-anmelden": registration},
        counters=list(floor.counters.order_by("number")),
    )
    demo.load(city)
    assert Ticket.objects.filter(appointment__isnull=False).count() == len(booked)
    assert Ticket.objects.filter(appointment__isnull=True, kind="walk_in").exists()  # Wednesdays 8–12
    assert Visit.objects.filter(status="closed").count() >= len(booked)
    rate = stats.no_show_rate(floor, first, today)["rate"]
    assert 0.03 < rate < 0.15
    waits = stats.waiting_times(floor, first, today, by="day")
    assert waits and all(0 <= row["p50"] <= row["p90"] for row in waits)
    # deterministic: the same seed gives the same history (today's part depends on the clock and comes last)
    fingerprint = list(
        Visit.objects.filter(day__lt=today)
        .order_by("day", "ticket__number")
        .values_list("day", "ticket__number", "outcome", "called_at")
    )
    for model in (Visit, Ticket, CounterSession, DailyTicketCounter, FloorSettings, WalkInQuota):
        model.objects.all().delete()
    demo.load(city)
    assert (
        list(
            Visit.objects.filter(day__lt=today)
            .order_by("day", "ticket__number")
            .values_list("day", "ticket__number", "outcome", "called_at")
        )
        == fingerprint
    )
    # the live floor continues the day's numbering without a clash
    ticket = services.draw_ticket(office=floor, service=registration, override_quota=True)
    assert ticket.number == Ticket.objects.filter(office=floor, day=ticket.day).count()
