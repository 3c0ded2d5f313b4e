"""Waitlist reads: a waiting entry's place in the queue, the entries of an office, an offer for the citizen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.models import WaitlistEntry, WaitlistOffer, WaitlistWindow
from buergerbuero.core.errors import NotFound
from buergerbuero.core.tokens import hash_token

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office


# --- reads for staff and the citizen's confirmation ---------------------------------------------------------


def position(entry: WaitlistEntry) -> int:
    """1-based place in the queue among waiting entries (over all offices)."""
    return (
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING, queued_at__lt=entry.queued_at).count()
        + WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING, queued_at=entry.queued_at, id__lt=entry.id
        ).count()
        + 1
    )


def entries_for_office(office: Office, *, statuses: list[str]) -> list[tuple[int | None, WaitlistEntry]]:
    """Entries naming this office in queue order, with the queue position of the waiting ones."""
    entries = (
        WaitlistEntry.objects.filter(offices=office, status__in=statuses)
        .prefetch_related("services", "offices", "windows", "offers__appointment__counter")
        .order_by("queued_at", "id")
    )
    out: list[tuple[int | None, WaitlistEntry]] = []
    waiting = 0
    for entry in entries:
        if entry.status == WaitlistEntry.Status.WAITING:
            waiting += 1
            out.append((waiting, entry))
        else:
            out.append((None, entry))
    return out


WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def describe_window(window: WaitlistWindow) -> str:
    day = WEEKDAYS[window.weekday] if window.weekday is not None else "*"
    return f"{day} {window.start_time:%H:%M}–{window.end_time:%H:%M}"


def offer_for_citizen(public_id, token: str) -> WaitlistOffer:
    offer = WaitlistOffer.objects.select_related("entry", "appointment__office").filter(public_id=public_id).first()
    if offer is None or offer.appointment.token_hash != hash_token(token or ""):
        raise NotFound(_("Dieses Angebot gibt es nicht."), field="offer")
    return offer
