"""Writes of the applications app: logins, drafts, submission, back-office status changes, retention."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.identity.base import FinishedLogin, IdentityError, TrustLevel
from buergerbuero.applications.models import ConsumedAssertion, PendingLogin

LOGIN_MINUTES = 15

REFUSED_LEVEL = _(
    "Sie haben sich mit dem Vertrauensniveau „%(got)s“ angemeldet. Für diesen Dienst ist „%(need)s“ nötig. "
    "Bitte melden Sie sich mit der Online-Ausweisfunktion Ihres Personalausweises an."
)


# --- identity ----------------------------------------------------------------------------------------
@transaction.atomic
def begin_login(
    *, provider: str, transaction_id: str, level: TrustLevel, next_url: str, now: dt.datetime | None = None
) -> PendingLogin:
    now = now or timezone.now()
    PendingLogin.objects.filter(expires_at__lte=now).delete()
    return PendingLogin.objects.create(
        provider=provider,
        request_id=transaction_id,
        level=int(level),
        next_url=next_url,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=LOGIN_MINUTES),
    )


@transaction.atomic
def complete_login(*, provider: str, result: FinishedLogin, now: dt.datetime | None = None) -> PendingLogin:
    """Accept a checked answer once: the proof id is unique in the database, the level must be high enough.

    On refusal nothing is stored but the fact that the proof was spent (so it cannot be tried again)."""
    now = now or timezone.now()
    pending = (
        PendingLogin.objects.select_for_update()
        .filter(provider=provider, request_id=result.transaction_id, expires_at__gt=now, identity__isnull=True)
        .first()
    )
    if pending is None:
        raise IdentityError(_("Diese Anmeldung ist abgelaufen oder wurde schon verwendet."), code="identity_replayed")
    try:
        with transaction.atomic():
            ConsumedAssertion.objects.create(provider=provider, assertion_id=result.proof_id[:200], used_at=now)
    except IntegrityError as exc:
        raise IdentityError(_("Diese Anmeldeantwort wurde bereits verwendet."), code="identity_replayed") from exc
    requested = TrustLevel(pending.level)
    if result.identity.trust_level < requested:
        pending.error = str(REFUSED_LEVEL % {"got": result.identity.trust_level.label, "need": requested.label})
        pending.identity = {}
        pending.save(update_fields=["error", "identity"])
        return pending
    pending.identity = result.identity.to_json()
    pending.save(update_fields=["identity"])
    return pending


@transaction.atomic
def claim_login(*, public_id, session_transactions: list[str], now: dt.datetime | None = None) -> PendingLogin:
    """The citizen's own browser session picks up its finished login (and only its own)."""
    now = now or timezone.now()
    pending = (
        PendingLogin.objects.select_for_update()
        .filter(public_id=public_id, expires_at__gt=now, identity__isnull=False)
        .first()
    )
    if pending is None or pending.request_id not in session_transactions:
        raise IdentityError(_("Diese Anmeldung gehört nicht zu Ihrer Sitzung oder ist abgelaufen."))
    pending.delete()
    return pending
