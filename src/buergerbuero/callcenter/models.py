from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.validators import weekdays_validator


class Contract(models.Model):
    """A municipality hands its calls to a partner call center: which services, when, at what price."""

    class AllowancePeriod(models.TextChoices):
        MONTH = "month", _("je Monat (Ungenutztes verfällt)")
        YEAR = "year", _("je Vertragsjahr (Ungenutztes wird in die Folgemonate übertragen)")

    partner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="partner_contracts")
    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="client_contracts")
    name = models.CharField(_("Bezeichnung"), max_length=200)
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        verbose_name=_("Abgedeckte Leistungen"),
        help_text=_("Leer lassen, wenn alle Leistungen der Kommune abgedeckt sind"),
    )
    hours_weekdays = models.CharField(
        _("Servicezeit: Wochentage"), max_length=7, default="01234", validators=[weekdays_validator]
    )
    hours_start = models.TimeField(_("Servicezeit von"), default="08:00")
    hours_end = models.TimeField(_("Servicezeit bis"), default="18:00")
    price_per_call = models.DecimalField(_("Preis je Anruf (EUR)"), max_digits=8, decimal_places=2, default=0)
    price_per_minute = models.DecimalField(
        _("Preis je Gesprächsminute (EUR)"), max_digits=8, decimal_places=2, default=0
    )
    monthly_flat_fee = models.DecimalField(_("Pauschale je Monat (EUR)"), max_digits=10, decimal_places=2, default=0)
    included_calls = models.PositiveIntegerField(_("Inklusive Anrufe je Monat"), default=0)
    included_minutes = models.PositiveIntegerField(_("Inklusive Minuten je Monat"), default=0)
    allowance_period = models.CharField(
        _("Inklusivvolumen gilt"),
        max_length=5,
        choices=AllowancePeriod.choices,
        default=AllowancePeriod.MONTH,
        help_text=_(
            "Je Vertragsjahr: nicht genutzte Inklusivanrufe und -minuten eines Monats stehen in den folgenden "
            "Monaten desselben Vertragsjahres zusätzlich zur Verfügung."
        ),
    )
    callback_sla_hours = models.PositiveSmallIntegerField(
        _("Rückruf-Frist (Servicestunden)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    starts_on = models.DateField(_("Beginn"))
    ends_on = models.DateField(_("Ende"), null=True, blank=True)

    class Meta:
        verbose_name = _("Callcenter-Vertrag")
        verbose_name_plural = _("Callcenter-Verträge")
        ordering = ["municipality__name", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="contract_end_after_start"
            ),
            models.CheckConstraint(condition=~Q(partner=F("municipality")), name="contract_two_parties"),
            models.CheckConstraint(condition=Q(hours_end__gt=F("hours_start")), name="contract_hours_order"),
            models.CheckConstraint(
                condition=Q(price_per_call__gte=0) & Q(price_per_minute__gte=0) & Q(monthly_flat_fee__gte=0),
                name="contract_prices_not_negative",
            ),
            models.CheckConstraint(condition=Q(callback_sla_hours__gte=1), name="contract_sla_positive"),
            models.CheckConstraint(
                condition=Q(allowance_period__in=["month", "year"]), name="contract_allowance_period_known"
            ),
            models.UniqueConstraint(fields=["partner", "municipality", "starts_on"], name="contract_unique_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def contract_year_start(self, month):
        """First calendar month of the contract year `month` (a first of month) belongs to: contract years
        run twelve months from the month the contract starts in."""
        first = self.starts_on.replace(day=1)
        index = (month.year - first.year) * 12 + month.month - first.month
        index -= index % 12
        year, month0 = divmod(first.month - 1 + index, 12)
        return first.replace(year=first.year + year, month=month0 + 1)


class Article(models.Model):
    """Knowledge-base article of a municipality for one catalogue service (keyed by its LeiKa key)."""

    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="kb_articles")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="kb_articles")
    title = models.CharField(_("Titel"), max_length=200)
    keywords = models.CharField(
        _("Suchbegriffe"), max_length=300, blank=True, help_text=_("Andere Wörter der Anrufenden, z. B. „Perso“")
    )
    summary = models.TextField(_("Worum es geht"))
    documents = models.TextField(_("Unterlagen"), blank=True)
    fees = models.TextField(_("Gebühren"), blank=True)
    online = models.TextField(_("Online-Möglichkeiten"), blank=True)
    caller_script = models.TextField(_("Das sagen Sie dem Anrufer"))
    internal_notes = models.TextField(_("Interne Hinweise"), blank=True)
    valid_from = models.DateField(_("gültig ab"), null=True, blank=True)
    valid_to = models.DateField(_("gültig bis"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Verantwortlich")
    )
    review_due = models.DateField(_("Nächste Prüfung fällig"))
    updated_at = models.DateTimeField(_("geändert"))
    # What the full-text index reads (kept in step by services.save_article; not edited by hand).
    index_title = models.TextField(editable=False, default="")
    index_body = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("Wissensartikel")
        verbose_name_plural = _("Wissensartikel")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "service"], name="article_one_per_service"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="article_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def search_title(self) -> str:
        return f"{self.title} {self.keywords} {self.service.name_de}"

    def search_body(self) -> str:
        return "\n".join(
            [self.summary, self.documents, self.fees, self.online, self.caller_script, self.internal_notes]
        )


class SearchTerm(models.Model):
    """A word of the knowledge base, for the typo fallback (trigram similarity on both databases)."""

    word = models.CharField(max_length=80, unique=True)
    grams = models.PositiveSmallIntegerField()


class SearchTrigram(models.Model):
    term = models.ForeignKey(SearchTerm, on_delete=models.CASCADE, related_name="trigrams")
    gram = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["gram"], name="kb_trigram_gram")]
        constraints = [models.UniqueConstraint(fields=["term", "gram"], name="kb_trigram_unique")]


class Call(models.Model):
    """One call the partner answered for a municipality."""

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("Mit Wissensdatenbank erledigt")
        BOOKED = "booked", _("Termin gebucht")
        CALLBACK = "callback", _("Rückruf-Ticket")
        FORWARDED = "forwarded", _("Weitergeleitet")
        OUT_OF_SCOPE = "out_of_scope", _("Nicht zuständig")

    RESOLVED = (Outcome.SETTLED, Outcome.BOOKED)

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="calls")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("Thema")
    )
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    outcome = models.CharField(_("Ergebnis"), max_length=20, choices=Outcome.choices)
    started_at = models.DateTimeField(_("Beginn"))
    duration_seconds = models.PositiveIntegerField(_("Dauer (Sekunden)"))
    caller_number = models.CharField(_("Rufnummer"), max_length=20, blank=True, help_text=_("E.164"))
    appointment = models.ForeignKey(
        "booking.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Anruf")
        verbose_name_plural = _("Anrufe")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["contract", "started_at"], name="call_contract_started")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_seconds__gt=0) & Q(duration_seconds__lte=4 * 3600), name="call_duration_range"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["settled", "booked", "callback", "forwarded", "out_of_scope"]),
                name="call_outcome_known",
            ),
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(outcome="out_of_scope"), name="call_topic_unless_out_of_scope"
            ),
        ]


class Ticket(models.Model):
    """A callback the office's back office owes a caller, with an SLA clock on business hours."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        WAITING = "waiting", _("wartet auf Bürger")
        CLOSED = "closed", _("erledigt")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="tickets")
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="callback_tickets")
    call = models.OneToOneField(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    reason = models.TextField(_("Anliegen"))
    caller_name = models.CharField(_("Name"), max_length=120)
    caller_phone = models.CharField(_("Telefon"), max_length=20, blank=True)
    caller_email = models.EmailField(_("E-Mail"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    sla_minutes = models.PositiveIntegerField(_("Frist (Servicestunden in Minuten)"))
    created_at = models.DateTimeField(_("angelegt"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("fällig"), null=True, blank=True, help_text=_("leer, solange die Uhr steht"))
    closed_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_note = models.TextField(_("Abschlussnotiz"), blank=True)
    anonymised_at = models.DateTimeField(
        _("anonymisiert am"),
        null=True,
        blank=True,
        help_text=_("Aufbewahrungsfrist abgelaufen: Anrufer und Texte gelöscht"),
    )

    class Meta:
        verbose_name = _("Rückruf-Ticket")
        verbose_name_plural = _("Rückruf-Tickets")
        ordering = ["due_at", "created_at"]
        indexes = [models.Index(fields=["office", "status", "due_at"], name="ticket_office_status_due")]
        constraints = [
            # An anonymised ticket (retention) keeps neither contact nor texts.
            models.CheckConstraint(
                condition=~Q(caller_phone="") | ~Q(caller_email="") | Q(anonymised_at__isnull=False),
                name="ticket_has_contact",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(closed_at__isnull=False) & (~Q(closing_note="") | Q(anonymised_at__isnull=False))),
                name="ticket_closed_with_note",
            ),
            models.CheckConstraint(condition=~Q(status="open") | Q(due_at__isnull=False), name="ticket_open_has_due"),
            models.CheckConstraint(condition=Q(sla_minutes__gt=0), name="ticket_sla_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.caller_name}"


class TicketPause(models.Model):
    """The SLA clock stands still while the ticket waits for the citizen."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(end__isnull=True), name="ticket_one_open_pause"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="pause_end_after_start"
            ),
        ]


class IntervalStat(models.Model):
    """One interval of the telephony system's statistics (typically 30 minutes)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="intervals")
    start = models.DateTimeField(_("Intervallbeginn"))
    minutes = models.PositiveSmallIntegerField(_("Intervalllänge (Minuten)"), default=30)
    offered = models.PositiveIntegerField(_("Angeboten"))
    answered = models.PositiveIntegerField(_("Angenommen"))
    abandoned = models.PositiveIntegerField(_("Aufgelegt"))
    answered_within = models.PositiveIntegerField(_("Angenommen innerhalb der Schwelle"))
    threshold_seconds = models.PositiveSmallIntegerField(_("Schwelle (Sekunden)"))
    handle_seconds = models.PositiveIntegerField(_("Mittlere Bearbeitungszeit (Sekunden)"))
    asa_seconds = models.PositiveIntegerField(_("Mittlere Wartezeit bis Annahme (Sekunden)"), null=True, blank=True)

    class Meta:
        verbose_name = _("Intervallstatistik")
        verbose_name_plural = _("Intervallstatistik")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "start"], name="interval_unique_start"),
            models.CheckConstraint(
                condition=Q(answered__lte=F("offered")) & Q(abandoned__lte=F("offered") - F("answered")),
                name="interval_counts_consistent",
            ),
            models.CheckConstraint(condition=Q(answered_within__lte=F("answered")), name="interval_within_le_answered"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="interval_minutes_positive"),
        ]
