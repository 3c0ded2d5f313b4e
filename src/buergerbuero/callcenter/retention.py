"""Retention of callback tickets and the call log (the rules: privacy/retention.py; the job: privacy.services).

What the call-center numbers need stays: contract, office, service, article, times, SLA, who handled it,
outcome and duration. Caller, contact, reason and notes are blanked; the ticket is marked anonymised.
"""

import datetime as dt

from django.db.models import Q, QuerySet

from buergerbuero.callcenter.models import Call, Ticket, TicketPause


def tickets_due(*, office_id: int, closed_before: dt.datetime) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        office_id=office_id, status=Ticket.Status.CLOSED, closed_at__lt=closed_before, anonymised_at__isnull=True
    )


def anonymise_tickets(ids: list[int], *, now: dt.datetime) -> int:
    ids = list(Ticket.objects.filter(pk__in=ids, anonymised_at__isnull=True).values_list("pk", flat=True))
    TicketPause.objects.filter(ticket_id__in=ids).exclude(note="").update(note="")
    return Ticket.objects.filter(pk__in=ids).update(
        reason="", caller_name="", caller_phone="", caller_email="", closing_note="", anonymised_at=now
    )


def calls_due(*, municipality_id: int, started_before: dt.datetime) -> QuerySet[Call]:
    return Call.objects.filter(contract__municipality_id=municipality_id, started_at__lt=started_before).filter(
        ~Q(caller_number="")
    )


def anonymise_calls(ids: list[int]) -> int:
    return Call.objects.filter(pk__in=ids).exclude(caller_number="").update(caller_number="")
