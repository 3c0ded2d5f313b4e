"""Minimal citizen pages of the waitlist (register, answer an offer). Thin: forms → `booking.waitlist.services`.

Unstyled on purpose; the citizen-web pages style them. Every step works without JavaScript.
"""

import datetime as dt

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from buergerbuero.booking import antibot
from buergerbuero.booking.waitlist import selectors as waitlist_selectors
from buergerbuero.booking.waitlist import services as waitlist
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import ratelimit
from buergerbuero.core.errors import DomainError

WEEKDAY_CHOICES = [
    ("0", _("Montag")),
    ("1", _("Dienstag")),
    ("2", _("Mittwoch")),
    ("3", _("Donnerstag")),
    ("4", _("Freitag")),
    ("5", _("Samstag")),
]
PRESET_CHOICES = [
    ("mornings", _("vormittags (bis 12 Uhr)")),
    ("afternoons", _("nachmittags (12–16 Uhr)")),
    ("evenings", _("abends (ab 16 Uhr)")),
]


class WaitlistForm(forms.Form):
    services = forms.MultipleChoiceField(label=_("Leistungen"), widget=forms.CheckboxSelectMultiple)
    offices = forms.MultipleChoiceField(label=_("Standorte"), widget=forms.CheckboxSelectMultiple)
    persons = forms.IntegerField(label=_("Personen"), min_value=1, max_value=10, initial=1)
    date_from = forms.DateField(label=_("frühestens am"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("spätestens am"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.MultipleChoiceField(
        label=_("Nur an diesen Wochentagen"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nichts gewählt = jeder Tag"),
    )
    presets = forms.MultipleChoiceField(
        label=_("Nur zu diesen Tageszeiten"),
        choices=PRESET_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nichts gewählt = jede Uhrzeit"),
    )
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    email = forms.CharField(label=_("E-Mail"), max_length=254, widget=forms.EmailInput)  # the service checks it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = catalog_selectors.in_name_order(catalog_selectors.services(online_only=True))
        self.fields["services"].choices = [(s.slug, s.name) for s in offered]
        self.fields["offices"].choices = [(o.slug, o.name) for o in catalog_selectors.offices()]
        if len(self.fields["offices"].choices) == 1:
            self.fields["offices"].initial = [self.fields["offices"].choices[0][0]]

    def windows(self) -> list[waitlist.Window]:
        days: list[int | None] = [int(d) for d in self.cleaned_data["weekdays"]] or [None]
        presets = self.cleaned_data["presets"]
        if not presets:
            return [] if days == [None] else [waitlist.Window(d, dt.time(0), dt.time(23, 59, 59)) for d in days]
        return [waitlist.window_from_preset(p, d) for d in days for p in presets]


def _add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields or exc.field == antibot.FIELD else None
    if field == antibot.FIELD:
        form.errors.setdefault(antibot.FIELD, form.error_class()).append(str(exc.message))
    else:
        form.add_error(field, str(exc.message))


def _mark_errors(form: forms.Form) -> None:
    """Tie each message to its field for screen readers (the templates render it with this id)."""
    for name in form.errors:
        if name in form.fields and not isinstance(form.fields[name].widget, forms.CheckboxSelectMultiple):
            attrs = form.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"id_{name}-error"


@require_http_methods(["GET", "POST"])
def register(request):
    if request.method == "GET":
        # Linked from the start and times pages with the citizen's choice: the services come ticked.
        asked = request.GET.getlist("services")
        initial = {"services": asked, "persons": request.GET.get("persons", 1)} if asked else None
        return render(request, "booking/waitlist/form.html", {"form": WaitlistForm(initial=initial)})
    form = WaitlistForm(request.POST)
    status = 400
    headers = {}
    if form.is_valid():
        try:
            ratelimit.hit(request, "waitlist")
            now = timezone.now()
            entry, token = waitlist.register_for_citizen(
                proof=request.POST.get(antibot.FIELD),
                office_slugs=form.cleaned_data["offices"],
                service_slugs=form.cleaned_data["services"],
                persons=form.cleaned_data["persons"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                windows=form.windows(),
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                language=get_language() or "de",
                now=now,
            )
        except ratelimit.RateLimited as exc:
            form.add_error(None, str(exc.message))
            status, headers = 429, exc.headers
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            context = {"entry": entry, "token": token, "position": waitlist_selectors.position(entry)}
            return render(request, "booking/waitlist/done.html", context, status=201)
    _mark_errors(form)
    response = render(request, "booking/waitlist/form.html", {"form": form}, status=status)
    for header, value in headers.items():
        response[header] = value
    return response


@require_http_methods(["GET", "POST"])
def offer(request, public_id):
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token", "")
    try:
        current = waitlist_selectors.offer_for_citizen(public_id, token or "")
    except DomainError as exc:
        return render(request, "booking/waitlist/offer.html", {"error": exc.message}, status=404)
    context = {"offer": current, "token": token, "now": timezone.now()}
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                context["appointment"] = waitlist.accept_offer(public_id=public_id, token=token)
            else:
                waitlist.decline_offer(public_id=public_id, token=token)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "booking/waitlist/offer.html", context, status=exc.status)
        context["offer"] = waitlist_selectors.offer_for_citizen(public_id, token)
    return render(request, "booking/waitlist/offer.html", context)
