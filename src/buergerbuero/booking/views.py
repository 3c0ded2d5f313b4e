"""Citizen pages: choose services, see the earliest time, pick a time, hold, double opt-in, manage.

Views only translate HTTP to services/selectors and back. Every DomainError is shown as a German message
beside the field or at the top of the page, with a way forward; what the citizen typed is kept.
"""

import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from buergerbuero.applications import selectors as application_selectors
from buergerbuero.booking import antibot, forms, invites, links, services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import ratelimit
from buergerbuero.core.errors import DomainError, lazy_date, lazy_format
from buergerbuero.privacy import selectors as privacy_selectors

SESSION_HOLDS = "booking_holds"
SESSION_CONTACT = "booking_contact"
DAYS_PER_PAGE = 7


def _problem(request, error: DomainError, *, forward: list[tuple[str, str]] | None = None, status: int | None = None):
    return render(
        request,
        "booking/problem.html",
        {"message": error.message, "forward": forward or [(reverse("booking:start"), _("Zur Startseite"))]},
        status=status or error.status,
    )


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _pick_params(services: list[str], persons: int) -> str:
    return urlencode({"services": services, "persons": persons}, doseq=True)


class _AntibotState:
    """What `{% antibot_field %}` reads from a form: the posted data (to reuse a ticket); errors show elsewhere."""

    def __init__(self, data):
        self.data = data
        self.errors = {}


def _parse_start(value: str, office) -> dt.datetime:
    try:
        start = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Bitte wählen Sie eine Zeit aus der Liste."), field="start") from exc
    if timezone.is_naive(start):
        start = start.replace(tzinfo=ZoneInfo(office.timezone))
    return start


# --- start page -------------------------------------------------------------------------------------


def _matches_search(service, search: str) -> bool:
    words = search.lower().split()
    text = f"{service.name_de} {service.name_en} {service.leika_key} {service.slug}".lower()
    return all(word in text for word in words)


def start(request):
    """Choose services and persons; every office shows its earliest free time at once."""
    now = timezone.now()
    # A short service that needs its online pre-application is offered through that only (issue 16).
    via_pre_application = application_selectors.pre_application_services()
    all_services = catalog_selectors.in_name_order(
        s for s in catalog_selectors.services(online_only=True) if s.slug not in via_pre_application
    )
    wants_times = "services" in request.GET and request.GET.get("action") != "search"
    form = forms.ServicePickForm(request.GET if wants_times else None, services=all_services)
    chosen, persons = [], 1
    if form.is_bound and form.is_valid():  # not while searching: that only filters the list
        chosen, persons = form.cleaned_data["services"], form.cleaned_data["persons"]
    offices = []
    for office in catalog_selectors.offices():
        slugs = chosen or ([office.reference_service.slug] if office.reference_service else [])
        row = {"office": office, "offer": None, "error": None, "slugs": slugs, "reference": not chosen}
        if slugs:
            try:
                query = live.booking_query(office=office, service_slugs=slugs, persons=persons, now=now)
                row["offer"] = live.earliest_offer(query, now=now)
            except DomainError as exc:
                row["error"] = exc.message
            row["times_url"] = reverse("booking:times", args=[office.slug]) + "?" + _pick_params(slugs, persons)
        offices.append(row)
    search = request.GET.get("q", "").strip()[:80]
    shown = [s for s in all_services if _matches_search(s, search)]
    # While searching, keep the ticked services (also those the search hides) without asking for times yet.
    ticked = [s.slug for s in all_services if s.slug in request.GET.getlist("services")]
    asked_persons = request.GET.get("persons", "")
    if not chosen and asked_persons.isdigit() and 1 <= int(asked_persons) <= 6:
        persons = int(asked_persons)
    return render(
        request,
        "booking/start.html",
        {
            "form": form,
            "search": search,
            "services": shown,
            "hidden_chosen": [slug for slug in ticked if slug not in {s.slug for s in shown}],
            "chosen": ticked,
            "persons": persons,
            "offices": offices,
            "reference": offices[0]["office"].reference_service if offices and not chosen else None,
            "result": [s for s in all_services if s.slug in chosen],
            "online_services": list(application_selectors.online_services()),
            "waitlist_url": reverse("waitlist:register") + ("?" + _pick_params(chosen, persons) if chosen else ""),
        },
    )


# --- choose a time ----------------------------------------------------------------------------------


def _times_context(office, params, *, now, action: str) -> dict:
    """Days with free times for the query in `params` (GET or POST), with filters and paging."""
    via_pre_application = application_selectors.pre_application_services()
    offered = [
        s for s in catalog_selectors.services(office=office, online_only=True) if s.slug not in via_pre_application
    ]
    pick = forms.ServicePickForm(params, services=offered)
    filters = forms.TimeFilterForm(params)
    ctx = {
        "office": office,
        "pick": pick,
        "filters": filters,
        "days": [],
        "action": action,
        "error": None,
        "antibot_form": None,
    }
    if not pick.is_valid():
        ctx["error"] = " ".join(str(e) for errors in pick.errors.values() for e in errors)
        ctx["pre_applications"] = [
            via_pre_application[s] for s in params.getlist("services") if s in via_pre_application
        ]
        return ctx
    slugs, persons = pick.cleaned_data["services"], pick.cleaned_data["persons"]
    ctx.update(slugs=slugs, persons=persons, pick_params=_pick_params(slugs, persons))
    ctx["waitlist_url"] = reverse("waitlist:register") + "?" + _pick_params(slugs, persons)
    ctx["chosen_services"] = [s for s in catalog_selectors.services(office=office) if s.slug in slugs]
    try:
        query = live.booking_query(office=office, service_slugs=slugs, persons=persons, now=now)
    except DomainError as exc:
        ctx["error"] = exc.message
        return ctx
    filters.is_valid()
    # A bad filter value is named beside its field (forms.TimeFilterForm); the other filters still apply.
    data = {name: value for name, value in filters.cleaned_data.items() if name not in filters.errors}
    part, weekday, first = data.get("part", ""), data.get("weekday"), data.get("day")
    today = now.astimezone(query.tz).date()
    if first and first > query.request.last_day:
        filters.add_error(
            "day",
            lazy_format(
                _(
                    "Termine sind bis %(last)s buchbar. Jeden Tag wird ein weiterer Tag freigegeben; "
                    "der %(day)s ist ab dem %(release)s, %(time)s Uhr buchbar."
                ),
                {
                    "last": lazy_date(query.request.last_day, "SHORT_DATE_FORMAT"),
                    "day": lazy_date(first, "SHORT_DATE_FORMAT"),
                    "release": lazy_date(first - (query.request.last_day - today), "SHORT_DATE_FORMAT"),
                    "time": office.release_time.strftime("%H:%M"),
                },
            ),
        )
        first = None
    first = max(first or today, today)
    days = live.day_offers(query, first=first, now=now, part=part, weekday=weekday, max_days=DAYS_PER_PAGE)
    ctx.update(days=days, first=first, today=today, last_day=query.request.last_day, minutes=query.minutes)
    # The hold form carries the filters along, so a refused hold (taken meanwhile, too early, rate limit)
    # shows the same filtered list again instead of everything from today.
    asked_day = data["day"].isoformat() if data.get("day") else ""
    kept = (("part", part), ("weekday", weekday), ("day", asked_day))
    ctx["kept_filters"] = [(name, value) for name, value in kept if value not in (None, "")]
    base = {"services": slugs, "persons": persons, "part": part or "", "weekday": "" if weekday is None else weekday}
    if days and len(days) == DAYS_PER_PAGE and days[-1].day < query.request.last_day:
        ctx["next_url"] = "?" + urlencode(
            {**base, "day": (days[-1].day + dt.timedelta(days=1)).isoformat()}, doseq=True
        )
    if first > today:
        ctx["first_url"] = "?" + urlencode(base, doseq=True)
    return ctx


def times(request, office_slug: str):
    now = timezone.now()
    try:
        office = catalog_selectors.office_by_slug(office_slug)
    except DomainError as exc:
        return _problem(request, exc)
    ctx = _times_context(office, request.GET, now=now, action=reverse("booking:hold", args=[office.slug]))
    template = "booking/_day_list.html" if request.htmx else "booking/times.html"
    response = render(request, template, ctx, status=400 if ctx["error"] else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def hold(request, office_slug: str):
    """Reserve the chosen time for a few minutes and go on to the contact form."""
    now = timezone.now()
    try:
        office = catalog_selectors.office_by_slug(office_slug)
    except DomainError as exc:
        return _problem(request, exc)
    ctx = _times_context(office, request.POST, now=now, action=reverse("booking:hold", args=[office.slug]))
    if ctx["error"]:
        return render(request, "booking/times.html", ctx, status=400)
    try:
        query = live.booking_query(office=office, service_slugs=ctx["slugs"], persons=ctx["persons"], now=now)
        start_at = _parse_start(request.POST.get("start", ""), office)
        # Fair release (docs/fair-release.md): per-IP limit, then the hold that spends the anti-bot proof.
        ratelimit.hit(request, "hold")
        appointment, token = services.hold_for_citizen(
            query=query, start=start_at, proof=request.POST.get(antibot.FIELD), now=now
        )
    except DomainError as exc:
        ctx["error"] = exc.message
        ctx["alternatives"] = [
            dt.datetime.fromisoformat(t).astimezone(ZoneInfo(office.timezone))
            for t in exc.extra.get("alternatives", [])
        ]
        ctx["antibot_form"] = _AntibotState(request.POST)  # keeps a no-JS ticket the citizen already waited for
        return ratelimit.with_headers(render(request, "booking/times.html", ctx, status=exc.status), exc)
    holds = request.session.get(SESSION_HOLDS, {})
    holds[str(appointment.public_id)] = token
    request.session[SESSION_HOLDS] = dict(list(holds.items())[-10:])
    return redirect("booking:contact", public_id=appointment.public_id)


# --- contact data and double opt-in -----------------------------------------------------------------


def _own_hold(request, public_id) -> Appointment:
    if str(public_id) not in request.session.get(SESSION_HOLDS, {}):
        raise DomainError(
            _("Diese Reservierung gehört nicht zu dieser Sitzung oder ist abgelaufen. Bitte wählen Sie die Zeit neu."),
            field="hold",
        )
    return live.appointment_by_public_id(public_id)


def _hold_context(appointment: Appointment) -> dict:
    services_ = [item.service for item in appointment.items.all()]
    return {
        "appointment": appointment,
        "office": appointment.office,
        "services": services_,
        "address": invites.address(appointment.office),
        "times_url": reverse("booking:times", args=[appointment.office.slug])
        + "?"
        + _pick_params([s.slug for s in services_], appointment.persons),
    }


def _retention_days(appointment) -> int:
    return privacy_selectors.policy_for(appointment.office.organisation_id).appointment_days


@require_http_methods(["GET", "POST"])
def contact(request, public_id):
    now = timezone.now()
    try:
        appointment = _own_hold(request, public_id)
    except DomainError as exc:
        return _problem(request, exc, status=404)
    ctx = _hold_context(appointment)
    if appointment.status == Appointment.Status.CONFIRMED:
        return redirect("booking:manage", token=links.manage_token(appointment.public_id))
    if request.method == "POST":
        form = forms.ContactForm(request.POST, retention_days=_retention_days(appointment))
        # Keep what was typed for this session, even when it does not validate yet.
        request.session[SESSION_CONTACT] = {k: request.POST.get(k, "")[:254] for k in ("name", "email", "phone")}
        if form.is_valid():
            try:
                services.request_opt_in(
                    appointment=appointment,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    language=get_language() or "de",
                    base_url=_base_url(request),
                    now=now,
                )
            except DomainError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    ctx["error"] = exc.message
            else:
                return redirect("booking:sent", public_id=appointment.public_id)
        status = 409 if ctx.get("error") else 400
    else:
        initial = request.session.get(SESSION_CONTACT) or {}
        if appointment.email:
            initial = {"name": appointment.name, "email": appointment.email, "phone": appointment.phone}
        form = forms.ContactForm(initial=initial, retention_days=_retention_days(appointment))
        status = 200
    ctx["form"] = form
    ctx["expired"] = appointment.blocks_until is None or appointment.blocks_until <= now
    return render(request, "booking/contact.html", ctx, status=status)


def sent(request, public_id):
    try:
        appointment = _own_hold(request, public_id)
    except DomainError as exc:
        return _problem(request, exc, status=404)
    if appointment.status == Appointment.Status.CONFIRMED:
        return redirect("booking:manage", token=links.manage_token(appointment.public_id))
    return render(request, "booking/sent.html", _hold_context(appointment))


@require_http_methods(["GET", "POST"])
def opt_in(request, token: str):
    """The link from the e-mail. GET only shows (mail scanners follow links); the button confirms."""
    try:
        appointment = live.appointment_by_public_id(links.read_opt_in(token))
    except DomainError as exc:
        return _problem(request, exc)
    ctx = _hold_context(appointment)
    manage_url = reverse("booking:manage", args=[links.manage_token(appointment.public_id)])
    if appointment.status == Appointment.Status.CONFIRMED:
        return redirect(manage_url)
    if request.method == "POST":
        try:
            services.confirm_opt_in(appointment=appointment, base_url=_base_url(request))
        except DomainError as exc:
            return _problem(request, exc, forward=[(ctx["times_url"], _("Neue Zeit wählen"))])
        return redirect(manage_url + "?neu=1")
    return render(request, "booking/opt_in.html", ctx)


# --- manage: view, .ics, cancel, reschedule -------------------------------------------------------------


def _managed(token: str) -> Appointment:
    return live.appointment_by_public_id(links.read_manage(token))


def _manage_forward() -> list[tuple[str, str]]:
    return [
        (reverse("booking:resend_links"), _("Links zu meinem Termin neu anfordern")),
        (reverse("booking:start"), _("Neuen Termin suchen")),
    ]


def manage(request, token: str):
    try:
        appointment = _managed(token)
    except DomainError as exc:
        return _problem(request, exc, forward=_manage_forward())
    ctx = _hold_context(appointment)
    ctx.update(
        token=token,
        qr_svg=invites.qr_svg(appointment),
        map_url=invites.map_url(appointment.office),
        new=request.GET.get("neu") == "1",
        moved=request.GET.get("verschoben") == "1",
        upcoming=appointment.start > timezone.now(),
    )
    return render(request, "booking/manage.html", ctx)


def ics(request, token: str):
    try:
        appointment = _managed(token)
    except DomainError as exc:
        return _problem(request, exc, forward=_manage_forward())
    response = HttpResponse(invites.ics_bytes(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="termin-{appointment.code}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    try:
        appointment = _managed(token)
    except DomainError as exc:
        return _problem(request, exc, forward=_manage_forward())
    ctx = _hold_context(appointment)
    ctx["token"] = token
    if request.method == "POST":
        try:
            ratelimit.hit(request, "cancel")
            services.cancel_by_citizen(appointment=appointment, base_url=_base_url(request))
        except DomainError as exc:
            ctx["error"] = exc.message
            return ratelimit.with_headers(render(request, "booking/cancel.html", ctx, status=exc.status), exc)
        return redirect("booking:manage", token=token)
    return render(request, "booking/cancel.html", ctx)


@require_http_methods(["GET", "POST"])
def reschedule(request, token: str):
    """Pick a new time (same list as for booking), confirm the move; the old time stays if the new is gone."""
    now = timezone.now()
    try:
        appointment = _managed(token)
    except DomainError as exc:
        return _problem(request, exc, forward=_manage_forward())
    if appointment.managed_at:
        return redirect(appointment.managed_at)  # its owner moves it (and decides the fee of the new day)
    slugs = [item.service.slug for item in appointment.items.all()]
    params = request.POST.copy() if request.method == "POST" else request.GET.copy()
    params.setlist("services", slugs)
    params["persons"] = str(appointment.persons)
    action = reverse("booking:reschedule", args=[token])
    ctx = _times_context(appointment.office, params, now=now, action=action)
    ctx.update(_hold_context(appointment), token=token, rescheduling=True)
    if appointment.status != Appointment.Status.CONFIRMED or appointment.start <= now:
        ctx["error"] = _("Dieser Termin kann nicht mehr verschoben werden.")
        ctx["days"] = []
        return render(request, "booking/reschedule.html", ctx, status=409)
    if request.method == "POST":
        try:
            new_start = _parse_start(request.POST.get("start", ""), appointment.office)
            if request.POST.get("confirm") == "1":
                services.reschedule_by_citizen(appointment=appointment, start=new_start, base_url=_base_url(request))
                return redirect(reverse("booking:manage", args=[token]) + "?verschoben=1")
        except DomainError as exc:
            ctx["error"] = exc.message
            return render(request, "booking/reschedule.html", ctx, status=exc.status)
        ctx["new_start"] = new_start.astimezone(ZoneInfo(appointment.office.timezone))
        return render(request, "booking/reschedule_confirm.html", ctx)
    response = render(request, "booking/_day_list.html" if request.htmx else "booking/reschedule.html", ctx)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
def resend_links(request):
    """Lost the e-mail or broke the link: booking code + e-mail address send the links again."""
    form = forms.ResendLinksForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(request, "resend")  # only well-formed requests count: a typo costs no try
        except ratelimit.RateLimited as exc:
            context = {"form": form, "done": False, "error": exc.message}
            return ratelimit.with_headers(render(request, "booking/resend_links.html", context, status=exc.status), exc)
        services.resend_links(
            code=form.cleaned_data["code"], email=form.cleaned_data["email"], base_url=_base_url(request)
        )
        done = True
    return render(
        request, "booking/resend_links.html", {"form": form, "done": done}, status=400 if form.errors else 200
    )


LEGAL_PAGES = {"impressum", "datenschutz", "barrierefreiheit"}


def legal(request, page: str):
    if page not in LEGAL_PAGES:
        raise Http404
    try:
        context = {"offices": catalog_selectors.offices(), "retention": privacy_selectors.citizen_promises()}
        return render(request, f"booking/legal/{page}.html", context)
    except TemplateDoesNotExist as exc:
        raise Http404 from exc
