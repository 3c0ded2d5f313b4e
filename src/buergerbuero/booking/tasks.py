"""What the outbox does with the booking app's rows (one-line calls; docs/adr/0003-outbox-and-leases.md)."""

from django.utils.translation import gettext_lazy as _

from buergerbuero.background import registry
from buergerbuero.booking import mails
from buergerbuero.booking.waitlist import services as waitlist
from buergerbuero.catalog import selectors as catalog_selectors

registry.message(mails.OUTBOX_KIND, label=_("E-Mail zum Termin"))(mails.for_outbox)
registry.message(waitlist.OFFER_MAIL, label=_("Angebot aus der Warteliste"))(waitlist.offer_mail)


@registry.task(waitlist.OFFERS_TASK, label=_("Freie Zeiten der Warteliste anbieten"))
def offer_freed_capacity(payload: dict, *, attempt: int, now) -> None:
    waitlist.offer_freed_capacity(office=catalog_selectors.office_by_id(payload["office"]), now=now)
