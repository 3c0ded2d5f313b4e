"""Anti-bot proof for holding a time: an ALTCHA proof-of-work, or for browsers without JavaScript a delay ticket.

* ALTCHA (protocol v2, as the npm widget ``altcha`` ≥ 3 speaks it): the server signs a challenge (HMAC), the
  browser searches a counter whose PBKDF2 key matches a prefix, and sends the base64 payload in the form
  field ``altcha``. The work is in the browser; checking it costs the server one HMAC.
* Delay ticket (the no-JS path): a signed, timestamped ticket that is accepted only after
  ``ANTIBOT_NOJS_DELAY_SECONDS`` — a slower form that costs a bot wall-clock time instead of CPU. It is sent in
  the same field, prefixed ``delay:``. ``ANTIBOT_NOJS_DELAY_SECONDS = -1`` switches it off (then citizens
  without JavaScript book by phone or through the partner call center).

Either proof buys exactly one hold: `redeem` records its signature in `UsedChallenge` (unique), so a replay
fails in every process, on SQLite and PostgreSQL alike. Redeem inside the hold's transaction — a hold that
fails (time just taken) rolls the redemption back and the citizen may try another time with the same proof.
"""

import datetime as dt
import secrets

import altcha
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.models import UsedChallenge
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import DomainError, lazy_format

FIELD = "altcha"
DELAY_PREFIX = "delay:"
_SIGNING_SALT = "buergerbuero.booking.antibot.delay"


class AntibotError(DomainError):
    code = "antibot"

    def __init__(self, message, *, code: str = "antibot", extra: dict | None = None):
        super().__init__(message, field=FIELD, code=code, extra=extra)


def _secret(purpose: str) -> str:
    base = settings.ALTCHA_HMAC_KEY or settings.SECRET_KEY
    return salted_hmac(f"buergerbuero.antibot.{purpose}", "altcha", secret=base, algorithm="sha256").hexdigest()


def is_required(channel: str) -> bool:
    """Only citizens on the web prove they are not a bot; staff and partner channels are authenticated."""
    return settings.ANTIBOT_REQUIRED and channel == Channel.WEB


def nojs_enabled() -> bool:
    return settings.ANTIBOT_NOJS_DELAY_SECONDS >= 0


def create_challenge(*, now: dt.datetime | None = None) -> dict:
    """A fresh signed challenge as the ALTCHA widget expects it (JSON)."""
    now = now or timezone.now()
    low = max(1, settings.ALTCHA_MAX_COUNTER // 2)
    counter = low + secrets.randbelow(max(1, settings.ALTCHA_MAX_COUNTER - low + 1))
    challenge = altcha.create_challenge(
        settings.ALTCHA_ALGORITHM,
        settings.ALTCHA_COST,
        counter=counter,
        expires_at=now + dt.timedelta(minutes=settings.ALTCHA_EXPIRES_MINUTES),
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    return challenge.to_dict()


def create_delay_ticket(*, now: dt.datetime | None = None) -> str:
    """The no-JS proof: valid from `ANTIBOT_NOJS_DELAY_SECONDS` after now until the challenge expiry."""
    now = now or timezone.now()
    value = {"n": secrets.token_hex(16), "t": int(now.timestamp())}
    return DELAY_PREFIX + signing.dumps(value, key=_secret("delay"), salt=_SIGNING_SALT, compress=False)


def _verify_altcha(payload: str) -> tuple[str, dt.datetime]:
    result = altcha.verify_solution(payload, _secret("challenge"), hmac_key_secret=_secret("key"))
    if result.expired:
        raise AntibotError(
            _("Die Sicherheitsprüfung ist abgelaufen. Bitte laden Sie die Seite neu."), code="antibot_expired"
        )
    if not result.verified:
        raise AntibotError(_("Die Sicherheitsprüfung ist ungültig. Bitte laden Sie die Seite neu."))
    challenge = altcha.Payload.from_base64(payload).challenge
    expires_at = challenge.parameters.expires_at
    # we always sign an expiry; a challenge without one (or without a signature) is not ours
    if not isinstance(expires_at, int) or challenge.signature is None:
        raise AntibotError(_("Die Sicherheitsprüfung ist ungültig. Bitte laden Sie die Seite neu."))
    return challenge.signature, dt.datetime.fromtimestamp(expires_at, tz=dt.UTC)


def _verify_delay(payload: str, now: dt.datetime) -> tuple[str, dt.datetime]:
    if not nojs_enabled():
        raise AntibotError(_("Die Sicherheitsprüfung ist ungültig. Bitte laden Sie die Seite neu."))
    try:
        value = signing.loads(payload.removeprefix(DELAY_PREFIX), key=_secret("delay"), salt=_SIGNING_SALT)
        issued = dt.datetime.fromtimestamp(int(value["t"]), tz=dt.UTC)
        nonce = str(value["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise AntibotError(_("Die Sicherheitsprüfung ist ungültig. Bitte laden Sie die Seite neu.")) from exc
    expires_at = issued + dt.timedelta(minutes=settings.ALTCHA_EXPIRES_MINUTES)
    if now >= expires_at:
        raise AntibotError(
            _("Die Sicherheitsprüfung ist abgelaufen. Bitte laden Sie die Seite neu."), code="antibot_expired"
        )
    ready = issued + dt.timedelta(seconds=settings.ANTIBOT_NOJS_DELAY_SECONDS)
    if now < ready:
        wait = int((ready - now).total_seconds()) + 1
        raise AntibotError(
            lazy_format(
                _("Bitte warten Sie noch %(seconds)d Sekunden und senden Sie das Formular dann erneut."),
                {"seconds": wait},
            ),
            code="antibot_too_early",
            extra={"retry_after": wait},
        )
    return f"delay:{nonce}", expires_at


def verify(payload: str | None, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """Check a proof without spending it; returns (signature, expires_at). Raises AntibotError (field `altcha`)."""
    now = now or timezone.now()
    payload = (payload or "").strip()
    if not payload:
        raise AntibotError(
            _("Bitte warten Sie, bis die Sicherheitsprüfung abgeschlossen ist, und senden Sie dann erneut."),
            code="antibot_missing",
        )
    if len(payload) > 4096:
        raise AntibotError(_("Die Sicherheitsprüfung ist ungültig. Bitte laden Sie die Seite neu."))
    if payload.startswith(DELAY_PREFIX):
        return _verify_delay(payload, now)
    return _verify_altcha(payload)


@transaction.atomic
def redeem(*, payload: str | None, now: dt.datetime | None = None) -> None:
    """Verify and spend a proof: the second use of the same proof fails, in every process."""
    now = now or timezone.now()
    signature, expires_at = verify(payload, now=now)
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(signature=signature, expires_at=expires_at, used_at=now)
    except IntegrityError as exc:
        raise AntibotError(
            _("Diese Sicherheitsprüfung wurde schon verwendet. Bitte laden Sie die Seite neu."),
            code="antibot_replayed",
        ) from exc
    # Spent proofs are only needed until they would have expired anyway.
    UsedChallenge.objects.filter(expires_at__lt=now).delete()


def require(*, channel: str, payload: str | None, now: dt.datetime | None = None) -> None:
    """The one call before `services.hold` (in the same transaction): spend the proof if the channel needs one."""
    if is_required(channel):
        redeem(payload=payload, now=now)
