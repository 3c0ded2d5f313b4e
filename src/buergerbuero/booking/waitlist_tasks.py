"""Background tasks of the waitlist: one-line calls into `booking.waitlist` (idempotent: a second run finds
no waiting entry without an open offer, or no free matching time, and does nothing)."""

from django.tasks import task

from buergerbuero.booking import waitlist
from buergerbuero.catalog.models import Office


@task
def offer_freed_capacity(office_id: int) -> int:
    return len(waitlist.offer_freed_capacity(office=Office.objects.get(pk=office_id)))


@task
def process_waitlist() -> int:
    return waitlist.process_all()
