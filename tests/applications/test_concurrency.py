"""Two clerks decide the same application at the same moment: exactly one decision wins (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from buergerbuero.applications import services
from buergerbuero.applications.models import Application, Status, StatusChange
from buergerbuero.core.errors import Conflict
from tests.applications.conftest import VALID_ID_CARD, start_draft


@pytest.mark.postgres
def test_concurrent_decisions_only_one_wins(transactional_db, client, online, clerk):
    client.post(start_draft(client), {**VALID_ID_CARD, "action": "submit"})
    application = Application.objects.get()
    services.transition(application=application, to=Status.IN_REVIEW, actor=clerk)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(to):
        try:
            barrier.wait()
            services.transition(application=Application.objects.get(pk=application.pk), to=to, actor=clerk)
            outcomes.append(("ok", to))
        except Conflict:
            outcomes.append(("conflict", to))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(to,)) for to in (Status.APPROVED, Status.REJECTED)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(kind for kind, _to in outcomes) == ["conflict", "ok"]
    winner = next(to for kind, to in outcomes if kind == "ok")
    assert Application.objects.get().status == winner
    assert StatusChange.objects.filter(to_status__in=["approved", "rejected"]).count() == 1
