from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone


def healthz(request):
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: the database answers, the outbox is not falling behind, a worker and the scheduler are alive.

    503 when any check fails, with the details as JSON (no personal data)."""
    from buergerbuero.background import selectors as background_selectors

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks = {"database": {"ok": True}, **background_selectors.readiness(now=timezone.now())}
    except DatabaseError:
        checks = {"database": {"ok": False}}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
