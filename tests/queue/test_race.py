"""Two or more clerks pressing "next" at the same moment never get the same customer (PostgreSQL, real threads)."""

import contextlib
import datetime as dt
import threading
from collections import Counter as Tally

import pytest
from django.db import connection
from django.utils import timezone

from buergerbuero.core.errors import Conflict, NotFound
from buergerbuero.queue import services
from buergerbuero.queue.models import Ticket, Visit
from tests import factories
from tests.queue.conftest import open_now_rules, staff

CLERKS = 8


def run_threads(n, work):
    barrier = threading.Barrier(n)
    errors = []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.fixture
def busy_floor(transactional_db):
    service = factories.service(slug="wohnsitz-anmelden", minutes=10, leika="99115005000000")
    office = factories.office(services=[service], counters=CLERKS, evening=False)
    open_now_rules(office)
    clerks = [staff(f"clerk{i}", office) for i in range(CLERKS)]
    for clerk, counter in zip(clerks, office.counters.order_by("number"), strict=True):
        services.open_session(clerk=clerk, counter=counter)
    return office, service, clerks


@pytest.mark.postgres
def test_clerks_pressing_next_at_once_never_share_a_customer(busy_floor):
    office, service, clerks = busy_floor
    for _ in range(CLERKS * 3):
        services.draw_ticket(office=office, service=service, override_quota=True)
    called: list[tuple[int, int]] = []
    lock = threading.Lock()

    def work(i):
        while True:
            try:
                visit = services.call_next(clerk=clerks[i])
            except NotFound:
                return
            with lock:
                called.append((i, visit.pk))
            services.finish(clerk=clerks[i], visit=visit, services=[service])

    errors = run_threads(CLERKS, work)
    assert errors == []
    tally = Tally(pk for _i, pk in called)
    assert len(called) == CLERKS * 3 and max(tally.values()) == 1
    assert Visit.objects.filter(outcome="done").count() == CLERKS * 3
    assert not Visit.objects.exclude(status="closed").exists()


@pytest.mark.postgres
def test_one_waiting_customer_and_many_clerks_exactly_one_wins(busy_floor):
    office, service, clerks = busy_floor
    services.draw_ticket(office=office, service=service, override_quota=True)
    winners = []

    def work(i):
        with contextlib.suppress(NotFound):
            winners.append(services.call_next(clerk=clerks[i]).clerk_id)

    assert run_threads(CLERKS, work) == []
    assert len(winners) == 1
    assert Visit.objects.get().clerk_id == winners[0]


@pytest.mark.postgres
def test_tickets_drawn_at_once_get_distinct_consecutive_numbers(busy_floor):
    office, service, _clerks = busy_floor

    def work(i):
        services.draw_ticket(office=office, service=service, override_quota=True)

    assert run_threads(CLERKS, work) == []
    assert sorted(Ticket.objects.values_list("number", flat=True)) == list(range(1, CLERKS + 1))


@pytest.mark.postgres
def test_the_day_close_and_clerks_finishing_at_once_never_both_win(busy_floor):
    """Yesterday's visits still at the counters: clerks press "finish" while the day close runs."""
    office, service, clerks = busy_floor
    yesterday = timezone.now() - dt.timedelta(days=1)
    visits = []
    for clerk in clerks:
        ticket = services.draw_ticket(office=office, service=service, now=yesterday, override_quota=True)
        visits.append(services.call_visit(clerk=clerk, visit=ticket.visits.get(), now=yesterday))
    finished, refused, closes = [], [], []
    lock = threading.Lock()

    def work(i):
        if i == CLERKS:
            close = services.close_office_past_days(office=office)
            with lock:
                closes.append(close)
            return
        try:
            services.finish(clerk=clerks[i], visit=visits[i], services=[service])
        except Conflict as exc:
            assert exc.code == "already_closed"
            with lock:
                refused.append(i)
        else:
            with lock:
                finished.append(i)

    assert run_threads(CLERKS + 1, work) == []
    outcomes = Tally(Visit.objects.values_list("outcome", flat=True))
    assert outcomes == Tally({"done": len(finished), "end_of_day": len(refused)})
    assert len(finished) + len(refused) == CLERKS
    assert closes[0].called == len(refused)  # the close counted exactly the visits it closed
