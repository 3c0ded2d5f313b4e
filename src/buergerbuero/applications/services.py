"""Writes of the applications app: logins, drafts, submission, back-office status changes, retention."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import uuid
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications import fees, formschema, idcard, mails, selectors, uploads
from buergerbuero.applications.identity.base import FinishedLogin, Identity, IdentityError, TrustLevel
from buergerbuero.applications.models import (
    TRANSITIONS,
    Application,
    Attachment,
    ConsumedAssertion,
    OnlineService,
    Payment,
    PaymentAccount,
    PendingLogin,
    Status,
    StatusChange,
)
from buergerbuero.applications.payment import base as payment_base
from buergerbuero.applications.payment import registry as payment_registry
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.core.errors import Conflict, DomainError, Forbidden, lazy_date, lazy_format
from buergerbuero.core.tokens import hash_token
from buergerbuero.privacy import audit, retention
from buergerbuero.privacy import selectors as privacy_selectors

Action = audit.Action
OBJECT_TYPE = "applications.application"

LOGIN_MINUTES = 15

REFUSED_LEVEL = _(
    "Sie haben sich mit dem Vertrauensniveau „%(got)s“ angemeldet. Für diesen Dienst ist „%(need)s“ nötig. "
    "Bitte melden Sie sich mit der Online-Ausweisfunktion Ihres Personalausweises an."
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from buergerbuero.catalog.models import Office, Service
    from buergerbuero.privacy.models import AuditRecord


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
def claim_login(
    *, public_id: uuid.UUID | str, session_transactions: list[str], now: dt.datetime | None = None
) -> PendingLogin:
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


# --- applications ------------------------------------------------------------------------------------
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class FormInvalid(DomainError):
    """Several fields are wrong; `errors` maps field names to messages. The draft keeps what was typed."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Bitte prüfen Sie die markierten Angaben."), field=next(iter(errors), None))
        self.errors = errors


def _reference() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"VA-{raw[:4]}-{raw[4:]}"


def _local_today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def prefill(service: OnlineService, identity: Identity | None) -> tuple[dict[str, str], set[str]]:
    """Answers taken from a verified identity (eID, level hoch only) and the fields they lock."""
    if identity is None or identity.trust_level < TrustLevel.HIGH:
        return {}, set()
    form = formschema.parse(service.form_schema)
    data = identity.to_json()
    values, locked = {}, set()
    for f in form.fields:
        if f.prefill and data.get(f.prefill):
            values[f.name] = str(data[f.prefill])
            if f.locked_when_identified:
                locked.add(f.name)
    return values, locked


@transaction.atomic
def start_application(
    *, service: OnlineService, office: Office, identity: Identity | None, now: dt.datetime | None = None
) -> tuple[Application, str]:
    """Open a draft. Returns it and the secret token that gives the citizen access (shown once, kept in session)."""
    now = now or timezone.now()
    if not service.active:
        raise DomainError(_("Dieser Online-Dienst ist zurzeit nicht verfügbar."), field="service")
    if service.trust_level and (identity is None or identity.trust_level < service.trust_level):
        raise Forbidden(
            lazy_format(
                _("Für diesen Dienst müssen Sie sich mit dem Vertrauensniveau „%(need)s“ anmelden."),
                {"need": TrustLevel(service.trust_level).label},
            ),
            field="identity",
            code="trust_level_too_low",
        )
    answers, _locked = prefill(service, identity)
    token = secrets.token_urlsafe(24)
    application = Application.objects.create(
        reference=_reference(),
        token_hash=hash_token(token),
        service=service,
        office=office,
        answers=answers,
        identity=identity.to_json() if identity else {},
        identity_provider=identity.provider if identity else "",
        trust_level=int(identity.trust_level) if identity else None,
        created_at=now,
        updated_at=now,
        purge_after=now + dt.timedelta(days=service.draft_retention_days),
    )
    return application, token


def _locked_fields(application: Application) -> dict[str, str]:
    if not application.identity:
        return {}
    values, locked = prefill(application.service, Identity.from_json(application.identity))
    return {name: values[name] for name in locked}


def _editable(application: Application) -> None:
    if application.status not in (Status.DRAFT, Status.NEEDS_INFO):
        raise Conflict(_("Dieser Antrag ist eingereicht und kann nicht mehr geändert werden."), field="status")


@transaction.atomic
def save_draft(*, application: Application, raw: dict[str, str], now: dt.datetime | None = None) -> Application:
    """Keep everything typed so far, unchecked; eID values stay as the identity provider sent them."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    _editable(application)
    form = formschema.parse(application.service.form_schema)
    application.answers = {**application.answers, **formschema.draft_values(form, raw), **_locked_fields(application)}
    application.updated_at = now
    application.save(update_fields=["answers", "updated_at"])
    return application


@transaction.atomic
def attach(
    *, application: Application, field: str, uploaded: UploadedFile[bytes], now: dt.datetime | None = None
) -> Attachment:
    """Check and store one file for a file field (replacing an earlier one). On any error nothing is stored."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    _editable(application)
    form = formschema.parse(application.service.form_schema)
    try:
        spec = form[field]
    except KeyError as exc:
        raise DomainError(_("Unbekanntes Feld."), field=field) from exc
    if spec.type != "file":
        raise DomainError(_("Unbekanntes Feld."), field=field)
    limit = min(spec.max_bytes or settings.APPLICATIONS_MAX_UPLOAD_BYTES, settings.APPLICATIONS_MAX_UPLOAD_BYTES)
    try:
        checked = uploads.check(uploads.read_limited(uploaded, limit), accept=spec.accept, max_bytes=limit)
    except uploads.UploadError as exc:
        raise DomainError(exc.message, field=field, code="upload_refused") from exc
    for old in application.attachments.filter(field=field):
        _delete_attachment(old)
    attachment = Attachment(
        application=application,
        field=field,
        original_name=str(getattr(uploaded, "name", ""))[:200],
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=checked.sha256,
        created_at=now,
    )
    # The stored name is random; the citizen's file name is kept only as text.
    attachment.file.save(f"{uuid.uuid4().hex}{checked.extension}", ContentFile(checked.data), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def _delete_attachment(attachment: Attachment) -> None:
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: _delete_file(name))


def _delete_file(name: str | None) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _photo_code_from_picture(application: Application, values: dict[str, Any]) -> None:
    if values.get("photo") != "code" or values.get("photo_code"):
        return
    attachment = application.attachments.filter(field="photo_code_image").first()
    if attachment is None:
        return
    with attachment.file.open("rb") as fh:
        image = uploads.decode(fh.read())
    code = idcard.read_photo_code(image) if image is not None else None
    if code is None:
        raise FormInvalid(
            {
                "photo_code_image": str(
                    _("Im Bild wurde kein DataMatrix- oder QR-Code gefunden. Bitte tippen Sie den Code ab.")
                )
            }
        )
    values["photo_code"] = code


@transaction.atomic
def submit(*, application: Application, access_link: str = "", now: dt.datetime | None = None) -> Application:
    """Check the saved answers (call save_draft first: a refused submission loses nothing) and submit.

    `access_link` (the status page with the citizen's token, known only to their browser) goes into the first
    mail, so the citizen can come back to status, payment and document."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise Conflict(_("Dieser Antrag wurde bereits eingereicht."), field="status")
    service = application.service
    form = formschema.parse(service.form_schema)
    today = _local_today(now)
    files = set(application.attachments.values_list("field", flat=True))
    values, errors = formschema.clean(form, application.answers, today=today, files_present=files)
    fee = visit_day = None
    if not errors and service.kind == OnlineService.Kind.ID_CARD_PRE_APPLICATION:
        values["photo_code"] = idcard.normalise_code(values.get("photo_code", ""))
        try:
            with transaction.atomic():
                _photo_code_from_picture(application, values)
        except FormInvalid as exc:
            errors.update(exc.errors)
        visit_day = selectors.earliest_visit_day(
            service, application.office, now=now, not_before=idcard.first_allowed_day(values)
        )
        more, fee = idcard.cross_check(values, visit_day=visit_day)
        errors.update(more)
    if errors:
        raise FormInvalid(errors)
    application.answers = {**application.answers, **{k: v for k, v in values.items() if isinstance(v, str)}}
    application.email = values.get("email", "") or (application.identity or {}).get("email", "")
    if fee is not None and visit_day is not None:  # a fee is decided for a visit day
        _set_fee(application, fee, visit_day)
    elif service.service.fee:
        application.fee = Decimal(service.service.fee)
    _change(application, Status.SUBMITTED, actor=None, note="", now=now, submitted_at=now)
    application.save()
    if service.kind == OnlineService.Kind.REGISTRATION_CERTIFICATE:
        _require_eid(application)
        if service.payment_policy == OnlineService.PaymentPolicy.MANDATORY and application.fee:
            mails.queue(
                application,
                _("Ihr Antrag %(ref)s: bitte bezahlen") % {"ref": application.reference},
                str(
                    _("Ihre Meldebescheinigung wird ausgestellt, sobald die Gebühr von %(fee)s € online bezahlt ist.")
                    % {"fee": _money(application.fee)}
                )
                + _with_link(access_link),
                now=now,
            )
            return application
        return _issue_certificate(application, now=now, access_link=access_link)
    mails.queue(
        application,
        _("Ihr Antrag %(ref)s ist eingegangen") % {"ref": application.reference},
        str(
            _("Wir haben Ihren Antrag „%(title)s“ erhalten. Vorgangsnummer: %(ref)s.")
            % {"title": service.title_de, "ref": application.reference}
        )
        + _with_link(access_link),
        now=now,
    )
    return application


def _with_link(access_link: str) -> str:
    if not access_link:
        return ""
    return "\n\n" + str(_("Stand, Zahlung und Dokument Ihres Antrags (Link bitte aufbewahren):")) + "\n" + access_link


def _require_eid(application: Application) -> None:
    if (application.trust_level or 0) < TrustLevel.HIGH or not application.identity:
        raise Forbidden(
            _("Eine Meldebescheinigung gibt es online nur nach Anmeldung mit der Online-Ausweisfunktion."),
            field="identity",
            code="trust_level_too_low",
        )


def _issue_certificate(application: Application, *, now: dt.datetime, access_link: str = "") -> Application:
    """Meldebescheinigung fully online: only for an eID identity (level hoch); signed PDF, done at once."""
    _require_eid(application)
    # reportlab and pyhanko take seconds to import: only the process that issues a certificate pays for them.
    from buergerbuero.applications import certificate, signing

    office = application.office
    pdf = certificate.render(
        office_name=office.name,
        office_address=f"{office.street}, {office.postcode} {office.city}",
        reference=application.reference,
        person=application.identity,
        kind=application.answers.get("kind", "simple"),
        issued=_local_today(now),
    )
    signed = signing.sign_pdf(pdf, reason=f"Meldebescheinigung {application.reference}", location=office.city)
    application.document.save(f"{uuid.uuid4().hex}.pdf", ContentFile(signed), save=False)
    name = application.document.name
    try:
        _change(application, Status.APPROVED, actor=None, note="automatisch (eID)", now=now, decided_at=now)
        _change(application, Status.COMPLETED, actor=None, note="", now=now, completed_at=now)
        application.save()
    except Exception:
        _delete_file(name)
        raise
    mails.queue(
        application,
        _("Ihre Meldebescheinigung %(ref)s") % {"ref": application.reference},
        str(
            _("Ihre Meldebescheinigung ist fertig. Sie laden sie über den Link zu Ihrem Antrag herunter.")
            if access_link
            else _(
                "Ihre Meldebescheinigung ist fertig. Sie laden sie über den Link aus unserer ersten E-Mail herunter."
            )
        )
        + _with_link(access_link),
        now=now,
    )
    return application


FINISHED = (Status.REJECTED, Status.COMPLETED)


def purge_after(application: Application, status: str, *, now: dt.datetime) -> dt.datetime:
    """The deletion date an application gets when it enters `status`: every status has one.

    Drafts: the online service's draft retention; rejected or completed: its retention after the decision;
    waiting (submitted, in review, needs info, approved): the municipality's retention of open applications
    after the last change — a citizen who never comes back does not keep their eID data here for ever."""
    if status == Status.DRAFT:
        return now + dt.timedelta(days=application.service.draft_retention_days)
    if status in FINISHED:
        return now + dt.timedelta(days=application.service.retention_days)
    policy = privacy_selectors.policy_for(application.office.organisation_id)
    return retention.open_application_purge_after(policy, changed_at=now)


def _change(
    application: Application, to: str, *, actor: User | None, note: str, now: dt.datetime, **fields: Any
) -> None:
    """Move to `to` if the state machine allows it; the row is updated only if still in the old status."""
    old = application.status
    if to not in TRANSITIONS.get(old, set()):
        raise Conflict(
            lazy_format(
                _("Ein Antrag im Status „%(old)s“ kann nicht auf „%(new)s“ gesetzt werden."),
                {"old": Status(old).label, "new": Status(to).label},
            ),
            field="status",
            code="transition_not_allowed",
        )
    fields["purge_after"] = purge_after(application, to, now=now)
    updated = Application.objects.filter(pk=application.pk, status=old).update(status=to, updated_at=now, **fields)
    if updated != 1:
        raise Conflict(_("Der Antrag wurde gerade von jemand anderem geändert."), field="status")
    StatusChange.objects.create(application=application, from_status=old, to_status=to, actor=actor, note=note, at=now)
    application.status = to
    application.updated_at = now
    for name, value in fields.items():
        setattr(application, name, value)


# --- the short appointment and the fee of the visit day ---------------------------------------------------
def _appointment_service(application: Application) -> Service:
    """The service the application's appointment is booked for."""
    service = application.service.appointment_service
    assert service is not None  # `_bookable` refuses applications without one
    return service


def _set_fee(application: Application, fee: fees.Fee, day: dt.date) -> None:
    application.fee = fee.total
    application.fee_lines = [{"label": line.label, "amount": str(line.amount)} for line in fee.lines]
    application.fee_day = day


def _decide_fee_for_visit(application: Application, *, start: dt.datetime, now: dt.datetime) -> Decimal | None:
    """Decide the fee (and the age rules) for the appointment's day; when the amount changes, tell the citizen.

    Returns the amount before, if it changed. Direktversand is refused for a day before the 16th birthday; a
    guardian given for a child who turns 16 before the visit is kept (coming along is no reason to refuse)."""
    if application.service.kind != OnlineService.Kind.ID_CARD_PRE_APPLICATION:
        return None
    day = start.astimezone(zoneinfo.ZoneInfo(application.office.timezone)).date()
    try:
        fee = idcard.fee_on(application.answers, visit_day=day)
    except fees.FeeError as exc:
        allowed = idcard.first_allowed_day(application.answers)
        if exc.field == "delivery" and allowed:
            raise DomainError(
                lazy_format(
                    _("Direktversand ist erst ab 16 Jahren möglich. Bitte wählen Sie einen Termin ab dem %(day)s."),
                    {"day": lazy_date(allowed, "SHORT_DATE_FORMAT")},
                ),
                field="start",
                code="too_young_on_that_day",
            ) from exc
        raise DomainError(_("Für diesen Tag kann die Gebühr nicht berechnet werden."), field="start") from exc
    before = application.fee
    _set_fee(application, fee, day)
    if before is None or before == fee.total:
        return None
    mails.queue(
        application,
        _("Gebühr für Ihren Termin – %(ref)s") % {"ref": application.reference},
        _(
            "Die Gebühr für Ihren Personalausweis richtet sich nach dem Tag Ihres Termins (%(day)s). "
            "Sie beträgt an diesem Tag %(new)s € statt %(old)s €."
        )
        % {"day": formats.date_format(day, "SHORT_DATE_FORMAT"), "new": _money(fee.total), "old": _money(before)},
        now=now,
    )
    return before


def _money(amount: Decimal) -> str:
    return formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)


def _bookable(application: Application) -> None:
    if application.status == Status.DRAFT or not application.service.appointment_service_id:
        raise Conflict(_("Zu diesem Antrag gehört kein Termin."), field="start")
    if not application.email:
        raise DomainError(_("Für die Terminbestätigung brauchen wir Ihre E-Mail-Adresse."), field="email")


@transaction.atomic
def book_appointment(
    *,
    application: Application,
    start: dt.datetime,
    proof: str | None,
    base_url: str,
    language: str = "de",
    now: dt.datetime | None = None,
) -> tuple[Appointment, Decimal | None]:
    """Book the short visit the way every citizen books (fair release, docs/fair-release.md): the anti-bot proof
    is spent with the hold, the per-address limit is checked and the time is kept only until the citizen confirms
    the link mailed to the application's address (the mail carries date and time). The fee is then decided for
    that day. Returns the held appointment and the fee before, if the day changed it.

    The caller counts the request against the per-IP hold limit, as the booking pages do."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().select_related("service", "office").get(pk=application.pk)
    _bookable(application)
    current = selectors.appointment_of(application)
    if current is not None and booking_live.is_active(current, now=now):
        raise Conflict(
            _("Zu diesem Antrag ist schon ein Termin gebucht. Sie können ihn verschieben."),
            field="start",
            code="already_booked",
        )
    short = application.service.appointment_service
    assert short is not None  # _bookable refused a service without a short visit
    query = booking_live.booking_query(office=application.office, service_slugs=[short.slug], now=now)
    appointment, _token = booking_services.hold_for_citizen(query=query, start=start, proof=proof, now=now)
    name = f"{application.answers.get('given_name', '')} {application.answers.get('family_name', '')}".strip()
    appointment = booking_services.request_opt_in(
        appointment=appointment,
        name=name or application.reference,
        email=application.email,
        language=language,
        base_url=base_url,
        now=now,
        # Moving must come back here: the fee and the age rules are decided for the visit day.
        managed_at=reverse("applications:appointment", args=[application.public_id]),
    )
    application.appointment_code = appointment.code
    before = _decide_fee_for_visit(application, start=appointment.start, now=now)
    application.updated_at = now
    application.save()
    return appointment, before


@transaction.atomic
def move_appointment(
    *, application: Application, start: dt.datetime, base_url: str, now: dt.datetime | None = None
) -> tuple[Appointment, Decimal | None]:
    """Move the confirmed short visit (the old time stays if the new one is gone) and decide the fee anew."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().select_related("service", "office").get(pk=application.pk)
    _bookable(application)
    current = selectors.appointment_of(application)
    if current is None:
        raise Conflict(_("Zu diesem Antrag ist noch kein Termin gebucht."), field="start", code="not_booked")
    appointment = booking_services.reschedule_by_citizen(
        appointment=current, start=start, base_url=base_url, now=now, by_owner=True
    )
    before = _decide_fee_for_visit(application, start=appointment.start, now=now)
    application.updated_at = now
    application.save()
    return appointment, before


@transaction.atomic
def transition(
    *, application: Application, to: str, actor: User | None, note: str = "", now: dt.datetime | None = None
) -> Application:
    """A clerk's decision: in review, approved, rejected, completed (asking for information: ask_for_info)."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    if to == Status.NEEDS_INFO:
        raise DomainError(_("Für eine Rückfrage bitte den Text der Frage angeben."), field="info_request")
    fields = {}
    if to in (Status.APPROVED, Status.REJECTED):
        fields["decided_at"] = now
    if to == Status.COMPLETED:
        fields["completed_at"] = now
    _change(application, to, actor=actor, note=note, now=now, **fields)
    if note:
        application.clerk_note = note
    application.save()
    log_access(
        application=application,
        actor=actor,
        action=Action.CHANGE,
        detail=f"{_('Status')} → {Status(to).label}",
        now=now,
    )
    if to == Status.COMPLETED and application.attachments.exists():
        # Photos and scans have been taken over at the visit: they go now, the rest after the retention period.
        for attachment in application.attachments.all():
            _delete_attachment(attachment)
        log_access(application=application, actor=actor, action=Action.PURGE, detail=str(_("Dateien")), now=now)
    if to in (Status.APPROVED, Status.REJECTED):
        mails.queue(
            application,
            _("Neuigkeiten zu Ihrem Antrag %(ref)s") % {"ref": application.reference},
            _("Ihr Antrag %(ref)s hat jetzt den Status „%(status)s“.")
            % {"ref": application.reference, "status": Status(to).label},
            now=now,
        )
    return application


@transaction.atomic
def ask_for_info(
    *, application: Application, question: str, actor: User | None, now: dt.datetime | None = None
) -> Application:
    """Ask the citizen for missing information: status needs_info, the SLA clock stops, the citizen gets a mail."""
    now = now or timezone.now()
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Bitte schreiben Sie, welche Angabe fehlt."), field="info_request")
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == Status.SUBMITTED:
        _change(application, Status.IN_REVIEW, actor=actor, note="", now=now)
    _change(application, Status.NEEDS_INFO, actor=actor, note=question, now=now, sla_paused_since=now)
    application.info_request = question
    application.save()
    log_access(
        application=application,
        actor=actor,
        action=Action.CHANGE,
        detail=str(Status.NEEDS_INFO.label),
        now=now,
    )
    mails.queue(
        application,
        _("Rückfrage zu Ihrem Antrag %(ref)s") % {"ref": application.reference},
        _("Bitte ergänzen Sie Ihren Antrag %(ref)s: %(question)s")
        % {"ref": application.reference, "question": question},
        now=now,
    )
    return application


@transaction.atomic
def answer_info(
    *, application: Application, raw: dict[str, str], answer: str, now: dt.datetime | None = None
) -> Application:
    """The citizen answers: the answers are updated, the application goes back to review, the SLA clock runs."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Bitte schreiben Sie eine Antwort."), field="answer")
    application = save_draft(application=application, raw=raw, now=now)
    if application.status != Status.NEEDS_INFO:
        raise Conflict(_("Zu diesem Antrag gibt es keine offene Rückfrage."), field="status")
    paused_since = application.sla_paused_since or now  # set while the application waits for the citizen
    paused = application.sla_paused_seconds + int((now - paused_since).total_seconds())
    _change(
        application,
        Status.IN_REVIEW,
        actor=None,
        note=answer[:2000],
        now=now,
        sla_paused_since=None,
        sla_paused_seconds=paused,
    )
    application.save()
    return application


def subjects(application: Application) -> list[str]:
    """The search tokens of the audit log for this application: its reference, booking code, e-mail."""
    return [
        audit.code_token(application.reference),
        *audit.tokens(email=application.email, code=application.appointment_code),
        audit.object_token(OBJECT_TYPE, application.pk),
    ]


def log_access(
    *, application: Application, actor: User | None, action: str, detail: str = "", now: dt.datetime | None = None
) -> AuditRecord:
    """A change made by a service (status, payment, purge): one audit record in the caller's transaction.
    Reads by staff are recorded by the views with `privacy.audit.record` (one record per request)."""
    return audit.write(
        actor=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=application.reference,
        view=str(detail),
        subjects=subjects(application),
        now=now or timezone.now(),
    )


def due_for_purge(*, now: dt.datetime) -> QuerySet[Application]:
    return Application.objects.filter(purge_after__lte=now, purged_at__isnull=True)


@transaction.atomic
def purge_due(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Delete personal data and files of applications past their retention; the row keeps only its skeleton
    (service, office, status, times, fee) for the statistics. The clerk's questions and the citizen's answers
    in the status history go too. At most `limit` applications per call (the retention job works in batches)."""
    now = now or timezone.now()
    count = 0
    due = due_for_purge(now=now).select_for_update().order_by("pk")
    for application in due[:limit] if limit else due:
        subject_tokens = subjects(application)  # before the e-mail is gone: the officer still finds the purge
        for attachment in application.attachments.all():
            _delete_attachment(attachment)
        if application.document:
            name = application.document.name
            transaction.on_commit(functools.partial(_delete_file, name))
        application.answers = {}
        application.identity = {}
        application.email = ""
        application.info_request = ""
        application.clerk_note = ""
        application.document = ""
        application.purged_at = now
        application.save()
        StatusChange.objects.filter(application=application).exclude(note="").update(note="")
        audit.write(
            actor=None,
            action=Action.PURGE,
            object_type=OBJECT_TYPE,
            object_id=application.reference,
            view=str(_("Aufbewahrungsfrist abgelaufen")),
            subjects=subject_tokens,
            now=now,
        )
        count += 1
    return count


# --- paying online (docs/online-services.md, "Paying online") -------------------------------------------
PAYABLE = (OnlineService.PaymentPolicy.OPTIONAL, OnlineService.PaymentPolicy.MANDATORY)


def _payment_reference() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"ZA-{raw[:5]}-{raw[5:]}"


def _provider(account: PaymentAccount) -> payment_base.PaymentProvider:
    return payment_registry.get(
        account.provider,
        payment_base.PaymentAccount(endpoint=account.endpoint, merchant_id=account.merchant_id, secret=account.secret),
    )


@transaction.atomic
def _open_payment(*, application: Application, now: dt.datetime) -> Payment:
    application = Application.objects.select_for_update().select_related("service", "office").get(pk=application.pk)
    if application.service.payment_policy not in PAYABLE or not application.fee or application.status == Status.DRAFT:
        raise Conflict(_("Für diesen Antrag ist keine Online-Zahlung vorgesehen."), field="payment")
    if application.payments.filter(status=Payment.Status.PAID).exists():
        raise Conflict(_("Diese Gebühr ist bereits bezahlt."), field="payment", code="already_paid")
    account = selectors.payment_account(application.office)
    if account is None:
        raise DomainError(_("Online bezahlen ist hier noch nicht eingerichtet."), field="payment")
    current = application.payments.filter(status=Payment.Status.OPEN).first()
    if current is not None:
        return current
    return Payment.objects.create(
        application=application, account=account, reference=_payment_reference(), amount=application.fee, created_at=now
    )


def start_payment(*, application: Application, base_url: str, now: dt.datetime | None = None) -> Payment:
    """Ask the municipality's payment platform for a payment of the fee (from our fee table) and return the payment
    with the URL to send the citizen to. Pressing "bezahlen" twice continues the same open payment.

    The platform is called outside any database transaction (no row stays locked while it answers): the payment
    row is committed first, the platform's id is stored after; a platform that fails marks the attempt failed."""
    now = now or timezone.now()
    payment = _open_payment(application=application, now=now)
    if payment.redirect_url:
        return payment
    base = base_url.rstrip("/")
    order = payment_base.PaymentOrder(
        reference=payment.reference,
        amount=payment.amount,
        purpose=f"{application.service.title_de} {application.reference}",
        return_url=base + reverse("applications:status", args=[application.public_id]) + "?zahlung=1",
        notify_url=base + reverse("applications:payment_notify", args=[payment.reference]),
    )
    try:
        created = _provider(payment.account).create(order)
    except payment_base.PaymentError:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, decided_at=now)
        raise
    payment.provider_id, payment.redirect_url = created.provider_id, created.redirect_url
    Payment.objects.filter(pk=payment.pk).update(provider_id=payment.provider_id, redirect_url=payment.redirect_url)
    return payment


def read_notification(*, reference: str, request: HttpRequest) -> payment_base.PaymentEvent:
    """The platform's signed notification for our payment `reference` (the signature is checked with the
    municipality's secret); raises NotFound or NotificationRefused."""
    payment = selectors.payment_by_reference(reference)
    return _provider(payment.account).read_notification(request)


@transaction.atomic
def record_payment(
    *, reference: str, event: payment_base.PaymentEvent, now: dt.datetime | None = None
) -> tuple[Payment, bool]:
    """Apply the platform's outcome once: the first decision stands, a repeated or late notification changes
    nothing (returns changed=False). A paid fee issues the document where the service makes paying mandatory."""
    now = now or timezone.now()
    payment = Payment.objects.select_for_update().get(pk=selectors.payment_by_reference(reference).pk)
    if event.reference != payment.reference or (payment.provider_id and event.provider_id != payment.provider_id):
        raise payment_base.NotificationRefused(_("Die Rückmeldung gehört zu einer anderen Zahlung."), field="payment")
    if event.outcome == payment_base.Outcome.OPEN or payment.status != Payment.Status.OPEN:
        return payment, False
    if event.outcome == payment_base.Outcome.PAID and event.amount != payment.amount:
        raise payment_base.NotificationRefused(_("Der bezahlte Betrag weicht von der Gebühr ab."), field="payment")
    payment.status, payment.decided_at = event.outcome, now
    payment.receipt, payment.method = event.receipt, event.method
    payment.provider_id = payment.provider_id or event.provider_id
    payment.save()
    application = (
        Application.objects.select_for_update().select_related("service", "office").get(pk=payment.application_id)
    )
    log_access(
        application=application,
        actor=None,
        action=Action.CHANGE,
        detail=f"{_('Zahlung')} {Payment.Status(event.outcome).label}",
        now=now,
    )
    if (
        event.outcome == payment_base.Outcome.PAID
        and application.service.kind == OnlineService.Kind.REGISTRATION_CERTIFICATE
        and application.status == Status.SUBMITTED
    ):
        _issue_certificate(application, now=now)
    return payment, True


def refresh_payment(*, payment: Payment, now: dt.datetime | None = None) -> Payment:
    """Poll the platform for an open payment (the citizen is back before the notification arrived)."""
    if payment.status != Payment.Status.OPEN or not payment.provider_id:
        return payment
    event = _provider(payment.account).poll(payment.provider_id)
    return record_payment(reference=payment.reference, event=event, now=now)[0]
