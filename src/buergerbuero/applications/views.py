"""Thin views of the applications app: identity login, the citizen's forms, the back office."""

import csv
import datetime as dt
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.accounts import selectors as accounts_selectors
from buergerbuero.applications import formschema, idcard, selectors, services, uploads
from buergerbuero.applications.identity import registry
from buergerbuero.applications.identity import session as identity_session
from buergerbuero.applications.identity.base import Identity, IdentityError, TrustLevel
from buergerbuero.applications.models import Status
from buergerbuero.booking import antibot
from buergerbuero.booking import links as booking_links
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import ratelimit
from buergerbuero.core.errors import DomainError
from buergerbuero.privacy import audit
from buergerbuero.privacy import selectors as privacy_selectors


def _error(request: HttpRequest, message, *, status: int = 403) -> HttpResponse:
    return render(request, "applications/identity_error.html", {"message": message}, status=status)


def _safe_next(request: HttpRequest, default: str = "/online/") -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- identity ----------------------------------------------------------------------------------------
@require_GET
def identity_start(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        level = TrustLevel(int(request.GET.get("level", int(TrustLevel.HIGH))))
    except ValueError:
        level = TrustLevel.HIGH
    try:
        plugin = registry.get(provider)
        ok, reason = plugin.is_available()
        if not ok:
            return _error(request, reason, status=503)
        started = plugin.start(request, level=level)
        services.begin_login(
            provider=plugin.key, transaction_id=started.transaction_id, level=level, next_url=_safe_next(request)
        )
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    identity_session.remember_transaction(request, started.transaction_id)
    return started.response


@csrf_exempt  # the identity provider posts here cross-site (SAML); the signed answer is the protection
@require_http_methods(["GET", "POST"])  # SAML: POST binding; OpenID Connect: redirect with ?code&state
def identity_acs(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        plugin = registry.get(provider)
        pending = services.complete_login(provider=plugin.key, result=plugin.finish(request))
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    return redirect("applications:identity_done", provider=plugin.key, public_id=pending.public_id)


@require_GET
def identity_done(request: HttpRequest, provider: str, public_id) -> HttpResponse:
    try:
        pending = services.claim_login(public_id=public_id, session_transactions=identity_session.transactions(request))
    except IdentityError as exc:
        return _error(request, exc.message)
    if pending.error:
        return _error(request, pending.error)
    identity_session.store(request, pending.identity or {})  # (claimed logins carry one)
    return redirect(pending.next_url)


@require_GET
def identity_metadata(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        plugin = registry.get(provider)
        document = plugin.metadata(request)
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    if document is None:
        return _error(request, "–", status=404)
    content_type, body = document
    return HttpResponse(body, content_type=content_type)


@require_POST
def identity_logout(request: HttpRequest) -> HttpResponse:
    identity_session.forget(request)
    return redirect("applications:index")


def index(request: HttpRequest) -> HttpResponse:
    context = {
        "identity": identity_session.current(request),
        "services": selectors.online_services(),
        "national": selectors.NATIONAL_SERVICES,
    }
    return render(request, "applications/index.html", context)


# --- citizen: forms, drafts, short appointment, status --------------------------------------------------
TOKENS_KEY = "applications_tokens"


def _remember(request: HttpRequest, application, token: str) -> None:
    tokens = dict(request.session.get(TOKENS_KEY, {}))
    tokens[str(application.public_id)] = token
    request.session[TOKENS_KEY] = tokens


def _citizen_application(request: HttpRequest, public_id):
    token = request.GET.get("t") or request.session.get(TOKENS_KEY, {}).get(str(public_id), "")
    application = selectors.application_for_citizen(public_id, token)
    if request.GET.get("t"):
        _remember(request, application, token)
    return application, token


def service_start(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        service = selectors.online_service(slug)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    identity = identity_session.current(request)
    context = {"service": service, "identity": identity, "need": service.trust_level}
    if request.method == "POST":
        try:
            application, token = services.start_application(
                service=service, office=selectors.office_for(service), identity=identity
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "applications/service_start.html", context, status=exc.status)
        _remember(request, application, token)
        return redirect("applications:form", public_id=application.public_id)
    return render(request, "applications/service_start.html", context)


def _form_context(application, *, raw=None, errors=None, message=None):
    form = formschema.parse(application.service.form_schema)
    locked = set()
    if application.identity:
        _values, locked = services.prefill(application.service, Identity.from_json(application.identity))
    attachments = {a.field: a for a in application.attachments.all()}
    raw = raw if raw is not None else application.answers
    rows = [
        {
            "field": f,
            "value": raw.get(f.name, ""),
            "error": (errors or {}).get(f.name),
            "locked": f.name in locked,
            "attachment": attachments.get(f.name),
        }
        for f in form.fields
    ]
    return {
        "application": application,
        "rows": rows,
        "message": message,
        "errors": errors or {},
        "fee_preview": selectors.fee_preview(application, now=timezone.now()),
    }


class LimitedUpload(FileUploadHandler):
    """Stops keeping a file as soon as it passes the limit (nothing of it reaches the disk); other fields
    are still read. The view then reports the field (see `too_large`)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.seen = limit, 0

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.request.applications_too_large = [
                *getattr(self.request, "applications_too_large", []),
                self.field_name,
            ]
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def _limit_uploads(view):
    """Install LimitedUpload before anything reads the body (CSRF is checked afterwards, as usual)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, LimitedUpload(request, settings.APPLICATIONS_MAX_UPLOAD_BYTES))
        return protected(request, *args, **kwargs)

    return wrapper


def _too_large_message():
    mb = settings.APPLICATIONS_MAX_UPLOAD_BYTES / 1024 / 1024
    return _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": f"{mb:.0f}"}


@_limit_uploads
def application_form(request: HttpRequest, public_id) -> HttpResponse:
    try:
        application, token = _citizen_application(request, public_id)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    if application.status != Status.DRAFT:
        return redirect("applications:status", public_id=application.public_id)
    if request.method != "POST":
        return render(request, "applications/form.html", _form_context(application))
    raw = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and isinstance(v, str)}
    errors: dict[str, str] = {}
    application = services.save_draft(application=application, raw=raw)  # nothing typed is lost
    form = formschema.parse(application.service.form_schema)
    for f in form.file_fields:
        uploaded = request.FILES.get(f.name)
        if f.name in getattr(request, "applications_too_large", []):
            errors[f.name] = _too_large_message()
            continue
        if uploaded is None:
            continue
        try:
            services.attach(application=application, field=f.name, uploaded=uploaded)
        except DomainError as exc:
            errors[f.name] = str(exc.message)
    if request.POST.get("action") == "submit" and not errors:
        try:
            status_path = reverse("applications:status", args=[application.public_id])
            application = services.submit(
                application=application, access_link=request.build_absolute_uri(f"{status_path}?t={token}")
            )
        except services.FormInvalid as exc:
            errors = {k: str(v) for k, v in exc.errors.items()}
        except DomainError as exc:
            errors = {exc.field or "form": str(exc.message)}
        else:
            if application.service.appointment_service_id:
                return redirect("applications:appointment", public_id=application.public_id)
            return redirect("applications:status", public_id=application.public_id)
    message = _("Ihr Entwurf ist gespeichert.") if not errors else _("Bitte prüfen Sie die markierten Angaben.")
    application.refresh_from_db()
    context = _form_context(application, errors=errors, message=message)
    return render(request, "applications/form.html", context, status=400 if errors else 200)


class _PostedProof:
    """What `{% antibot_field %}` reads: the posted data, so a no-JS ticket the citizen waited for is kept."""

    def __init__(self, data, error=None):
        self.data = data
        self.errors = {antibot.FIELD: [error]} if error else {}


def _fee_changed(request: HttpRequest, application, before) -> None:
    if before is not None:
        request.session[f"fee_before_{application.public_id}"] = str(before)


def application_appointment(request: HttpRequest, public_id) -> HttpResponse:
    """Choose the short visit, or move it. Booking is the citizens' fair-release path (proof, limits, opt-in)."""
    try:
        application, _token = _citizen_application(request, public_id)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    service = application.service
    if application.status == Status.DRAFT or not service.appointment_service_id:
        return redirect("applications:status", public_id=application.public_id)
    now = timezone.now()
    current = selectors.appointment_of(application)
    moving = current is not None and booking_live.is_active(current, now=now)
    if moving and current.status != current.Status.CONFIRMED:
        return redirect("applications:status", public_id=application.public_id)  # waiting for the e-mail opt-in
    error = proof_error = None
    headers: dict[str, str] = {}
    if request.method == "POST":
        try:
            start = dt.datetime.fromisoformat(request.POST.get("start", ""))
            if start.tzinfo is None:
                raise ValueError
        except ValueError:
            error = _("Bitte wählen Sie eine der angebotenen Zeiten.")
        else:
            base_url = request.build_absolute_uri("/")
            try:
                if moving:
                    _moved, before = services.move_appointment(application=application, start=start, base_url=base_url)
                else:
                    ratelimit.hit(request, "hold")
                    _held, before = services.book_appointment(
                        application=application,
                        start=start,
                        proof=request.POST.get(antibot.FIELD),
                        base_url=base_url,
                        language=get_language() or "de",
                    )
            except DomainError as exc:
                if exc.field == antibot.FIELD:
                    proof_error = exc.message
                else:
                    error = exc.message
                if isinstance(exc, ratelimit.RateLimited):
                    headers = exc.headers
            else:
                _fee_changed(request, application, before)
                return redirect("applications:status", public_id=application.public_id)
    try:
        _query, times = selectors.short_appointment_times(
            service, application.office, now=now, not_before=idcard.first_allowed_day(application.answers)
        )
    except DomainError as exc:
        times, error = [], error or exc.message
    context = {
        "application": application,
        "times": times,
        "error": error,
        "service": service,
        "moving": moving,
        "current": current if moving else None,
        "antibot_form": _PostedProof(request.POST, proof_error) if request.method == "POST" else None,
    }
    failed = error or proof_error
    response = render(request, "applications/appointment.html", context, status=409 if failed else 200)
    if failed and headers:
        response.status_code = 429
        for header, value in headers.items():
            response[header] = value
    elif proof_error:
        response.status_code = 400
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    """A citizen's status page carries personal data and an access link: never kept by a browser or proxy cache."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def application_status(request: HttpRequest, public_id) -> HttpResponse:
    try:
        application, token = _citizen_application(request, public_id)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    error = None
    if request.method == "POST" and application.status == Status.NEEDS_INFO:
        try:
            services.answer_info(application=application, raw={}, answer=request.POST.get("answer", ""))
            return redirect("applications:status", public_id=application.public_id)
        except DomainError as exc:
            error = exc.message
    now = timezone.now()
    appointment = selectors.appointment_of(application)
    payment = selectors.latest_payment(application)
    payment_error = request.session.pop(f"payment_error_{application.public_id}", None)
    if payment is not None and request.GET.get("zahlung") and payment.status == payment.Status.OPEN:
        try:  # back from the platform before its notification: ask it
            payment = services.refresh_payment(payment=payment)
            application.refresh_from_db()
        except DomainError as exc:
            payment_error = exc.message
    context = {
        "payment": payment,
        "payment_error": payment_error,
        "can_pay": (
            application.service.payment_policy in services.PAYABLE
            and application.fee
            and application.status != Status.DRAFT
            and (payment is None or payment.status != payment.Status.PAID)
        ),
        "application": application,
        "resume_link": request.build_absolute_uri(f"{request.path}?t={token}"),
        "appointment": appointment,
        "appointment_active": appointment is not None and booking_live.is_active(appointment, now=now),
        "manage_url": (
            reverse("booking:manage", args=[booking_links.manage_token(appointment.public_id)])
            if appointment is not None and appointment.status == appointment.Status.CONFIRMED
            else ""
        ),
        "fee_before": request.session.pop(f"fee_before_{application.public_id}", None),
        "error": error,
    }
    return _no_store(render(request, "applications/status.html", context, status=400 if error else 200))


@require_POST
def application_pay(request: HttpRequest, public_id) -> HttpResponse:
    """Send the citizen to the municipality's payment platform (nothing about the card or account comes here)."""
    try:
        application, _token = _citizen_application(request, public_id)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    try:
        payment = services.start_payment(application=application, base_url=request.build_absolute_uri("/"))
    except DomainError as exc:
        request.session[f"payment_error_{application.public_id}"] = str(exc.message)
        return redirect("applications:status", public_id=application.public_id)
    return redirect(payment.redirect_url)


@csrf_exempt  # the payment platform posts server-to-server; its HMAC signature is the protection
@require_POST
def payment_notify(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        event = services.read_notification(reference=reference, request=request)
        services.record_payment(reference=reference, event=event)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain")


def application_document(request: HttpRequest, public_id) -> HttpResponseBase:
    try:
        application, _token = _citizen_application(request, public_id)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    if not application.document:
        return _error(request, _("Zu diesem Antrag gibt es (noch) kein Dokument."), status=404)
    audit.record(
        request,
        action=audit.Action.DOWNLOAD,
        object_type=services.OBJECT_TYPE,
        object_id=application.reference,
        view="document",
        subjects=services.subjects(application),
    )
    return FileResponse(
        application.document.open("rb"),
        as_attachment=True,
        filename=f"{application.reference}.pdf",
        content_type="application/pdf",
    )


# --- back office ---------------------------------------------------------------------------------------
STAFF_ACTIONS = {
    "review": Status.IN_REVIEW,
    "approve": Status.APPROVED,
    "reject": Status.REJECTED,
    "complete": Status.COMPLETED,
}


def back_office(view):
    """Login first; then only the back office of a municipality (accounts.selectors.may_process_applications)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not accounts_selectors.may_process_applications(request.user):
            return _error(request, _("Die Bearbeitung von Online-Anträgen ist dem Backoffice vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapper


@back_office
def staff_list(request: HttpRequest) -> HttpResponse:
    if request.GET.get("code", "").strip():
        return redirect("applications:staff_by_appointment", code=request.GET["code"].strip().upper())
    status = request.GET.get("status") or None
    if status and status not in Status.values:
        status = None
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for office in selectors.staff_offices(request.user):
        rows.extend(
            {
                "application": a,
                "hours": (hours := selectors.sla_hours_used(a, now=now)),
                "overdue": hours is not None and a.decided_at is None and hours > a.service.sla_days * 24,
            }
            for a in selectors.for_office(office, status=status)
        )
    audit.record(
        request,
        action=audit.Action.LIST,
        object_type=services.OBJECT_TYPE,
        view="applications:staff_list",
        fields=("reference", "service", "status"),
        subjects=[t for row in rows for t in services.subjects(row["application"])],
        count=len(rows),
    )
    statuses = [(value, label) for value, label in Status.choices if value != Status.DRAFT]
    return render(request, "applications/staff_list.html", {"rows": rows, "status": status, "statuses": statuses})


@back_office
def staff_treasury_csv(request: HttpRequest) -> HttpResponse:
    """Paid online fees of the offices this member of staff may see, for the city treasury (Stadtkasse)."""
    offices = [o for o in catalog_selectors.offices() if accounts_selectors.may_process_application(request.user, o)]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="online-zahlungen.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with umlauts only with a BOM
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Bezahlt am"),
            _("Vorgangsnummer"),
            _("Dienst"),
            _("Standort"),
            _("Zahlungsreferenz"),
            _("Beleg"),
            _("Zahlart"),
            _("Betrag (EUR)"),
        ]
    )
    payments = list(selectors.paid_for_treasury(offices))
    audit.record(
        request,
        action=audit.Action.EXPORT,
        object_type="applications.payment",
        view="applications:staff_treasury_csv",
        fields=("reference", "receipt", "amount"),
        subjects=[audit.code_token(p.application.reference) for p in payments],
        count=len(payments),
    )
    for payment in payments:
        application = payment.application
        writer.writerow(
            [
                date_format(timezone.localtime(payment.decided_at), "SHORT_DATETIME_FORMAT"),
                application.reference,
                application.service.title_de,
                application.office.name,
                payment.reference,
                payment.receipt,
                payment.method,
                number_format(payment.amount, decimal_pos=2),
            ]
        )
    return response


@back_office
def staff_by_appointment(request: HttpRequest, code: str) -> HttpResponse:
    try:
        application = selectors.for_staff_by_appointment_code(request.user, code)
    except DomainError as exc:
        return _error(request, exc.message, status=404)
    audit.record(
        request,
        action=audit.Action.SEARCH,
        object_type=services.OBJECT_TYPE,
        object_id=application.reference,
        view="applications:staff_by_appointment",
        fields=("appointment_code",),
        subjects=services.subjects(application),
    )
    return redirect("applications:staff_detail", reference=application.reference)


def _officer(request: HttpRequest) -> User:
    """The signed-in officer of a back-office page (`back_office` lets only staff in)."""
    assert isinstance(request.user, User)
    return request.user


@back_office
def staff_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        application = selectors.for_staff(request.user, reference)
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "ask":
                services.ask_for_info(
                    application=application, question=request.POST.get("info_request", ""), actor=_officer(request)
                )
            elif action in STAFF_ACTIONS:
                services.transition(
                    application=application,
                    to=STAFF_ACTIONS[action],
                    actor=_officer(request),
                    note=request.POST.get("note", ""),
                )
            else:
                raise DomainError(_("Unbekannte Aktion."), field="action")
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("applications:staff_detail", reference=application.reference)
    audit.record(
        request,
        action=audit.Action.READ,
        object_type=services.OBJECT_TYPE,
        object_id=application.reference,
        view="applications:staff_detail",
        fields=("answers", "identity", "email", "attachments", "changes"),
        subjects=services.subjects(application),
    )
    form = formschema.parse(application.service.form_schema)
    answers = [
        (f.label_text, formschema.display_value(f, application.answers[f.name]))
        for f in form.fields
        if f.type != "file" and application.answers.get(f.name)
    ]
    labels = {f.name: f.label_text for f in form.fields}
    context = {
        "application": application,
        "answers": answers,
        "identity": application.identity,
        "verified": bool(application.identity) and (application.trust_level or 0) >= TrustLevel.HIGH,
        "attachments": [(labels.get(a.field, a.field), a) for a in application.attachments.all()],
        "appointment": selectors.appointment_of(application),
        "changes": application.changes.select_related("actor"),
        "payments": application.payments.all(),
        "log": privacy_selectors.records_for_object(services.OBJECT_TYPE, application.reference)[:50],
        "hours": selectors.sla_hours_used(application, now=timezone.now()),
        "error": error,
    }
    return render(request, "applications/staff_detail.html", context, status=400 if error else 200)


@back_office
def staff_attachment(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    try:
        application = selectors.for_staff(request.user, reference)
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    attachment = application.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        return _error(request, _("Diese Datei gibt es nicht."), status=404)
    audit.record(
        request,
        action=audit.Action.DOWNLOAD,
        object_type=services.OBJECT_TYPE,
        object_id=application.reference,
        view="applications:staff_attachment",
        fields=(attachment.field,),
        subjects=services.subjects(application),
    )
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'attachment; filename="{attachment.field}{(attachment.file.name or "")[-4:]}"'
    return response


def signing_ca(request: HttpRequest) -> HttpResponse:
    """The certificate that signs our PDFs, so anyone can verify a document (public data)."""
    from buergerbuero.applications import signing

    return HttpResponse(signing.signing_material()[2].read_bytes(), content_type="application/x-pem-file")


@_limit_uploads
def photo_check(request: HttpRequest) -> HttpResponse:
    """Check a biometric photo before coming in. The picture is examined in memory and never stored."""
    # OpenCV loads with the first photo, not with the URL configuration (every process's start).
    from buergerbuero.applications import photocheck

    context: dict = {"result": None, "error": None}
    headers: dict[str, str] = {}
    if request.method == "POST":
        limit = settings.APPLICATIONS_MAX_UPLOAD_BYTES
        try:
            ratelimit.hit(request, "photocheck")  # anonymous and costly: counted before anything is decoded
            uploaded = request.FILES.get("photo")
            if "photo" in getattr(request, "applications_too_large", []):
                raise uploads.UploadError(_too_large_message())
            if uploaded is None:
                raise uploads.UploadError(_("Bitte wählen Sie ein Foto aus."))
            checked = uploads.check(
                uploads.read_limited(uploaded, limit),
                accept=("image/jpeg", "image/png"),
                max_bytes=limit,
                max_pixels=photocheck.MAX_PIXELS,
            )
        except ratelimit.RateLimited as exc:
            context["error"], headers = exc.message, exc.headers
        except uploads.UploadError as exc:
            context["error"] = exc.message
        else:
            image = uploads.decode(checked.data)
            assert image is not None  # uploads.check has decoded it
            context["result"] = photocheck.check(image)
    status = 429 if headers else 400 if context["error"] else 200
    response = render(request, "applications/photo_check.html", context, status=status)
    for header, value in headers.items():
        response[header] = value
    return response
