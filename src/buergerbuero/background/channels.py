"""The ways a message leaves the system. E-mail today; an SMS gateway would be one more channel here.

Every channel gets the message's idempotency key and passes it on where the other side can use it:
e-mails carry it as their Message-ID, over SMTP too. A mail handed over again (a worker killed after the
hand-over, before recording it) has the same Message-ID: some mailboxes drop it, many clients show it twice;
the mail folder of development and tests keeps one file per Message-ID (docs/adr/0003-outbox-and-leases.md).
"""

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

EMAIL = "email"
TASK = "task"


class PermanentFailure(Exception):
    """Retrying cannot help (e.g. the mail server refuses the address): the row is marked failed at once."""


def message_id(key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def send_email(message: EmailMessage, *, key: str) -> None:
    message.extra_headers["Message-ID"] = message_id(key)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:  # 5xx: the server will not accept it on a retry either
            raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise


SENDERS = {EMAIL: send_email}
