"""E-mails to the citizen about an application: outbox messages written with the change of status
(docs/adr/0003-outbox-and-leases.md). The text is fixed when the change is made, in the citizen's language then."""

import datetime as dt
import secrets

from django.core.mail import EmailMessage

from buergerbuero.applications.models import Application
from buergerbuero.background import services as outbox

OUTBOX_KIND = "applications.notice"


def queue(application: Application, subject, body, *, now: dt.datetime) -> None:
    if not application.email:
        return
    outbox.send_later(
        kind=OUTBOX_KIND,
        key=f"application:{application.pk}:{secrets.token_hex(8)}",  # each change of status is its own message
        payload={"subject": str(subject), "body": str(body), "to": application.email},
        recipient=application.email,
        office_id=application.office_id,
        now=now,
    )


def for_outbox(payload: dict, *, now: dt.datetime) -> EmailMessage:
    return EmailMessage(payload["subject"], payload["body"], None, [payload["to"]])
