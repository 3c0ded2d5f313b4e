"""Reads of the call-center app, and who may see and do what.

Access model (tested as a matrix in tests/callcenter/test_access.py):
- an *agent* (role agent in a partner organisation) works only for municipalities with a live contract
  of their organisation, and only on the services that contract covers (booking through the partner channel
  is decided by accounts.selectors.channel_refusal, which asks `live_contract` and `coverage_refusal` here);
- after a contract's end date the partner reads none of that municipality's calls or tickets (personal data);
  its leads keep the aggregated numbers and statements of the contract for billing;
- municipal staff see their own municipality's knowledge base; clerks, managers and admins work its
  callback tickets; managers and admins (of either party) see the numbers and statements of a contract;
- everything else — another municipality's articles, calls or tickets — stays invisible (404, not 403).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.callcenter import billing, erlang, search, sla
from buergerbuero.callcenter.models import Article, Call, Contract, IntervalStat, Ticket
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.errors import DomainError, Forbidden, NotFound, lazy_format

Role = StaffMembership.Role
LEADS = {Role.MANAGER, Role.ADMIN}
BACK_OFFICE = {Role.CLERK, Role.MANAGER, Role.ADMIN}


@dataclass(frozen=True)
class Viewer:
    user: User | None  # None: the municipality as a contract party (insights reads its numbers)
    org_id: int | None = None
    org_kind: str | None = None
    role: str | None = None
    superuser: bool = False

    @property
    def person(self) -> User:
        """Who writes: every writing viewer is a signed-in user (the municipality-as-party viewer only reads)."""
        if self.user is None:
            raise TypeError("a write needs a signed-in user")
        return self.user

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT and self.org_kind == Organisation.Kind.PARTNER

    @property
    def is_municipal(self) -> bool:
        return self.org_kind == Organisation.Kind.MUNICIPALITY

    @property
    def is_partner(self) -> bool:
        return self.org_kind == Organisation.Kind.PARTNER

    @property
    def is_lead(self) -> bool:
        return self.superuser or self.role in LEADS

    def can(self, ability: str) -> bool:
        return ABILITIES[ability](self)


ABILITIES = {
    "kb_read": lambda v: v.superuser or v.is_agent or v.is_municipal,
    "kb_write": lambda v: v.superuser or (v.is_municipal and v.role in BACK_OFFICE),
    "call_log": lambda v: v.is_agent,
    "book": lambda v: v.is_agent,
    "ticket_create": lambda v: v.is_agent,
    "call_read": lambda v: v.superuser or v.is_agent or (v.org_kind is not None and v.role in LEADS),
    "ticket_read": lambda v: v.superuser or v.is_partner or (v.is_municipal and v.role in BACK_OFFICE),
    "ticket_work": lambda v: v.superuser or (v.is_municipal and v.role in BACK_OFFICE),
    "numbers": lambda v: v.superuser or (v.org_kind is not None and v.role in LEADS),
    "contracts": lambda v: v.superuser or v.is_agent or (v.org_kind is not None and v.role in LEADS),
}


def viewer(user) -> Viewer | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    member = account_selectors.membership(user)
    if member is None:
        return Viewer(user, superuser=True) if user.is_superuser else None
    return Viewer(
        user,
        org_id=member.organisation_id,
        org_kind=member.organisation.kind,
        role=member.role,
        superuser=user.is_superuser,
    )


def require(v: Viewer | None, ability: str) -> Viewer:
    if v is None or not v.can(ability):
        raise Forbidden(_("Dafür fehlt Ihnen die Berechtigung."), code="forbidden")
    return v


# --- contracts ---


def _active(qs: QuerySet[Contract], day: dt.date) -> QuerySet[Contract]:
    return qs.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def contracts(v: Viewer, *, day: dt.date | None = None) -> QuerySet[Contract]:
    """Contracts the viewer is a party of (all for a superuser); only active ones if a day is given."""
    qs = Contract.objects.select_related("partner", "municipality").prefetch_related("services")
    if not v.superuser:
        qs = qs.filter(Q(partner_id=v.org_id) | Q(municipality_id=v.org_id))
    if day is not None:
        qs = _active(qs, day)
    return qs.order_by("municipality__name", "starts_on")


def contract_for(v: Viewer, contract_id: int) -> Contract:
    contract = contracts(v).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(_("Diesen Vertrag gibt es nicht."), field="contract")
    return contract


def covered_service_ids(contract: Contract) -> frozenset[int] | None:
    """None = every service of the municipality."""
    ids = frozenset(s.id for s in contract.services.all())
    return ids or None


def live_contract(*, partner_id: int, municipality_id: int, now: dt.datetime) -> Contract | None:
    """The contract under which the partner works for the municipality at `now` (its local day lies between
    the start and the end date); None if there is none — then the partner may neither book nor see callers."""
    return (
        _active(
            Contract.objects.filter(partner_id=partner_id, municipality_id=municipality_id), timezone.localdate(now)
        )
        .select_related("municipality")
        .prefetch_related("services")
        .order_by("-starts_on")
        .first()
    )


def live_contract_ids(partner_id: int, *, now: dt.datetime) -> QuerySet:
    """Ids of the partner's contracts live at `now`: only through them are calls and tickets readable."""
    return _active(Contract.objects.filter(partner_id=partner_id), timezone.localdate(now)).values("pk")


def coverage_refusal(contract: Contract, services: Iterable[Service]) -> Forbidden | None:
    """Why the contract does not cover these services (None: it covers them all)."""
    ids = covered_service_ids(contract)
    if ids is None:
        return None
    for service in services:
        if service.id not in ids:
            return Forbidden(
                lazy_format(
                    _("Diese Leistung ist nicht Teil des Vertrags mit %(city)s."), {"city": contract.municipality.name}
                ),
                field="service",
                code="not_covered",
            )
    return None


def agent_contract(v: Viewer, *, municipality_id: int, now: dt.datetime) -> Contract:
    """The live contract under which this agent works for the municipality."""
    contract = (
        live_contract(partner_id=v.org_id, municipality_id=municipality_id, now=now)
        if v.is_agent and v.org_id is not None
        else None
    )
    if contract is None:
        raise Forbidden(
            _("Für diese Kommune besteht kein aktiver Vertrag Ihres Callcenters."), field="office", code="no_contract"
        )
    return contract


def require_covered(contract: Contract, service: Service, *, field_name: str = "service") -> None:
    refusal = coverage_refusal(contract, [service])
    if refusal is not None:
        refusal.field = field_name
        raise refusal


def agent_offices(v: Viewer, *, day: dt.date) -> QuerySet[Office]:
    """Offices of the municipalities the agent currently works for."""
    municipalities = contracts(v, day=day).values_list("municipality_id", flat=True) if v.is_agent else []
    return Office.objects.filter(organisation_id__in=list(municipalities)).order_by("name")


def office_for_agent(v: Viewer, slug: str, *, now: dt.datetime) -> tuple[Office, Contract]:
    office = Office.objects.filter(slug=slug).select_related("organisation").first()
    if office is None:
        raise NotFound(_("Diesen Standort gibt es nicht."), field="office")
    return office, agent_contract(v, municipality_id=office.organisation_id, now=now)


# --- knowledge base ---


def article_scope(v: Viewer, *, day: dt.date) -> search.Scope:
    if v.superuser:
        return None
    if v.is_agent:
        # One query per keystroke: (municipality, covered service or None) rows of the active contracts.
        rows = _active(Contract.objects.filter(partner_id=v.org_id), day).values_list("municipality_id", "services__id")
        covered: dict[int, set[int] | None] = {}
        for municipality, service in rows:
            if service is None:
                covered[municipality] = None  # a contract without a service list covers every service
            elif (ids := covered.setdefault(municipality, set())) is not None:
                ids.add(service)
        return [(m, None if ids is None else frozenset(ids)) for m, ids in covered.items()]
    if v.is_municipal and v.org_id is not None:
        return [(v.org_id, None)]
    return []


def _scope_q(scope: search.Scope) -> Q:
    if scope is None:
        return Q()
    q = Q(pk__in=[])
    for municipality, services in scope:
        q |= Q(municipality_id=municipality) & (Q() if services is None else Q(service_id__in=services))
    return q


def articles(v: Viewer, *, day: dt.date | None = None) -> QuerySet[Article]:
    day = day or timezone.localdate()
    return (
        Article.objects.filter(_scope_q(article_scope(v, day=day)))
        .select_related("service", "municipality", "owner")
        .order_by("title")
    )


def article(v: Viewer, article_id: int) -> Article:
    found = articles(v).filter(pk=article_id).first()
    if found is None:
        raise NotFound(_("Diesen Wissensartikel gibt es nicht."), field="article")
    return found


@dataclass(frozen=True)
class SearchAnswer:
    articles: list[Article]
    mode: str
    corrected: str


def search_articles(v: Viewer, query: str, *, day: dt.date | None = None, limit: int = 10) -> SearchAnswer:
    day = day or timezone.localdate()
    result = search.search(query, scope=article_scope(v, day=day), day=day, limit=limit)
    by_id = Article.objects.select_related("service", "municipality").in_bulk(result.ids)
    return SearchAnswer([by_id[i] for i in result.ids if i in by_id], result.mode, result.corrected)


def opening_hours(office: Office, *, day: dt.date) -> list[tuple[str, str, str]]:
    """Opening rules valid on `day` as (weekdays, "08:00–12:00", label) for the caller."""
    calendar = capacity_selectors.office_calendar(office, day, day + dt.timedelta(days=6))
    names = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    rows = []
    for rule in sorted(calendar.rules, key=lambda r: (min(r.recurrence.weekdays), r.recurrence.start)):
        r = rule.recurrence
        rows.append(
            (
                ", ".join(names[d] for d in sorted(r.weekdays)),
                f"{r.start:%H:%M}–{r.end:%H:%M}",
                rule.label or ("" if rule.kind == "appointments" else str(_("ohne Termin"))),
            )
        )
    return rows


def coverage(v: Viewer, *, since: dt.date, limit: int = 20) -> list[dict]:
    """The most asked services (by calls since `since`) and whether they have a valid article."""
    day = timezone.localdate()
    calls = Call.objects.filter(contract__in=contracts(v), started_at__date__gte=since, service__isnull=False)
    if v.is_municipal:
        calls = calls.filter(contract__municipality_id=v.org_id)
    rows = calls.values("contract__municipality_id", "service_id").annotate(n=Count("id")).order_by("-n")[:limit]
    valid = set(
        articles(v, day=day)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("municipality_id", "service_id")
    )
    services = Service.objects.in_bulk([r["service_id"] for r in rows])
    return [
        {
            "service": services[r["service_id"]],
            "municipality_id": r["contract__municipality_id"],
            "calls": r["n"],
            "has_article": (r["contract__municipality_id"], r["service_id"]) in valid,
        }
        for r in rows
    ]


def review_due(v: Viewer, *, day: dt.date) -> QuerySet[Article]:
    return articles(v, day=day).filter(Q(review_due__lte=day) | Q(valid_to__lt=day)).order_by("review_due")


# --- calls ---


def calls(v: Viewer, *, now: dt.datetime) -> QuerySet[Call]:
    """Call logs (with the caller's number): a partner reads only those of contracts live at `now`."""
    qs = Call.objects.select_related("service", "contract", "agent")
    if v.superuser:
        return qs
    if v.org_id is None:
        return qs.none()
    if v.is_partner:
        return qs.filter(contract_id__in=live_contract_ids(v.org_id, now=now))
    return qs.filter(contract__municipality_id=v.org_id)


# --- tickets ---


def tickets(v: Viewer, *, now: dt.datetime) -> QuerySet[Ticket]:
    """Callback tickets (caller name, phone, e-mail, notes): a partner reads only those of contracts live at
    `now` — after the end date the municipality's callers are no longer the partner's business."""
    qs = Ticket.objects.select_related("office", "service", "article", "contract__municipality")
    if v.superuser:
        return qs
    if v.org_id is None:
        return qs.none()
    if v.is_partner:
        return qs.filter(contract_id__in=live_contract_ids(v.org_id, now=now))
    if v.is_municipal and v.role in BACK_OFFICE:
        qs = qs.filter(office__organisation_id=v.org_id)
        member = account_selectors.membership(v.user)
        own = list(member.offices.values_list("pk", flat=True)) if member else []
        return qs.filter(office_id__in=own) if own else qs
    return qs.none()


def ticket(v: Viewer, ticket_id: int, *, now: dt.datetime) -> Ticket:
    found = tickets(v, now=now).filter(pk=ticket_id).first()
    if found is None:
        raise NotFound(_("Dieses Rückruf-Ticket gibt es nicht."), field="ticket")
    return found


def overdue(qs: QuerySet[Ticket], *, now: dt.datetime) -> QuerySet[Ticket]:
    return qs.filter(status=Ticket.Status.OPEN, due_at__lt=now)


def service_hours(contract: Contract, office: Office, first: dt.date, last: dt.date) -> sla.ServiceHours:
    """The contract's service hours in the client city's time zone, minus the public holidays of its Land
    (the office the ticket is for belongs to the client city) from `first` to `last`."""
    return sla.ServiceHours(
        timezone=office.timezone,
        weekdays=frozenset(int(d) for d in contract.hours_weekdays),
        start=contract.hours_start,
        end=contract.hours_end,
        holidays=capacity_selectors.public_holidays(office.land, first, last),
    )


def ticket_clock(t: Ticket, *, now: dt.datetime) -> dict:
    """Used and remaining service minutes of a ticket's SLA (the clock stands still while waiting)."""
    end = t.closed_at or now
    hours = service_hours(t.contract, t.office, t.created_at.date(), end.date() + dt.timedelta(days=1))
    pauses = [(p.start, p.end or end) for p in t.pauses.all()]
    used = sla.used_minutes(hours, t.created_at, end, pauses=pauses)
    return {"used_minutes": used, "remaining_minutes": t.sla_minutes - used, "overdue": used > t.sla_minutes}


# --- numbers ---


def _month_range(month: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time(0), tzinfo=tz),
        dt.datetime.combine(nxt, dt.time(0), tzinfo=tz),
    )


def numbers(v: Viewer, contract: Contract, *, first: dt.date, last: dt.date, now: dt.datetime) -> dict:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    qs = Call.objects.filter(contract=contract, started_at__gte=start, started_at__lt=end)
    by_outcome = Tally(dict(qs.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n")))
    total = sum(by_outcome.values())
    resolved = by_outcome[Call.Outcome.SETTLED] + by_outcome[Call.Outcome.BOOKED]
    topics = list(qs.values("service__name_de").annotate(n=Count("id"), seconds=Sum("duration_seconds")).order_by("-n"))
    return {
        "calls": total,
        "by_outcome": {o.value: by_outcome[o.value] for o in Call.Outcome},
        "first_contact_resolution": resolved / total if total else None,
        "booked_share": by_outcome[Call.Outcome.BOOKED] / total if total else None,
        "topics": [
            {"topic": t["service__name_de"] or str(_("Nicht zuständig")), "calls": t["n"], "seconds": t["seconds"]}
            for t in topics
        ],
        "callbacks_open": Ticket.objects.filter(contract=contract, status__in=["open", "waiting"]).count(),
        "callbacks_overdue": overdue(Ticket.objects.filter(contract=contract), now=now).count(),
        "service_level": service_level(contract, first=first, last=last),
    }


def service_level(contract: Contract, *, first: dt.date, last: dt.date) -> dict:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    rows = list(IntervalStat.objects.filter(contract=contract, start__gte=start, start__lt=end))
    return summarize_intervals(rows)


def interval_counts(contracts, *, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The telephony system's interval rows of the contracts starting in [start, end), as
    (start, offered, answered_within, abandoned, threshold_seconds): what a service level is summed from."""
    return IntervalStat.objects.filter(contract__in=contracts, start__gte=start, start__lt=end).values_list(
        "start", "offered", "answered_within", "abandoned", "threshold_seconds"
    )


def summarize_intervals(rows) -> dict:
    offered = sum(r.offered for r in rows)
    answered = sum(r.answered for r in rows)
    within = sum(r.answered_within for r in rows)
    abandoned = sum(r.abandoned for r in rows)
    with_asa = [r for r in rows if r.asa_seconds is not None and r.answered]
    asa_weight = sum(r.answered for r in with_asa)
    thresholds = sorted({r.threshold_seconds for r in rows})
    return {
        "intervals": len(rows),
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "threshold_seconds": thresholds[0] if len(thresholds) == 1 else None,
        "service_level": within / offered if offered else None,
        "abandonment": abandoned / offered if offered else None,
        "asa_seconds": (sum(r.asa_seconds * r.answered for r in with_asa) / asa_weight) if asa_weight else None,
        "handle_seconds": (sum(r.handle_seconds * r.answered for r in rows) / answered) if answered else None,
    }


def interval_profile(contract: Contract, *, first: dt.date, last: dt.date) -> list[dict]:
    """Average offered calls and handle time per weekday, time of day and interval length (input for Erlang C
    staffing, which divides by each interval's own length)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    buckets: dict[tuple[int, dt.time, int], list[IntervalStat]] = {}
    for row in IntervalStat.objects.filter(contract=contract, start__gte=start, start__lt=end):
        local = row.start.astimezone(tz)
        buckets.setdefault((local.weekday(), local.time(), row.minutes), []).append(row)
    out = []
    for (weekday, clock, minutes), rows in sorted(buckets.items()):
        answered = sum(r.answered for r in rows)
        out.append(
            {
                "weekday": weekday,
                "time": clock,
                "minutes": minutes,  # the load is calls × handle time / this real length
                "calls": sum(r.offered for r in rows) / len(rows),
                "handle_seconds": (sum(r.handle_seconds * r.answered for r in rows) / answered) if answered else 0,
            }
        )
    return out


class StaffingInputInvalid(DomainError):
    """A staffing question no real interval can pose (422 in the API, a message beside the field in forms)."""

    status = 422
    code = "invalid_value"


STAFFING_MESSAGES = {
    "calls": _("Anrufe je Intervall: bitte eine Zahl ab 0; mehr als 100.000 Erlang Last sind kein Callcenter."),
    "handle_seconds": _("Bearbeitungszeit: bitte mehr als 0 und höchstens 14.400 Sekunden (4 Stunden)."),
    "interval_seconds": _("Intervalllänge: bitte mehr als 0 und höchstens 1.440 Minuten (ein Tag)."),
    "target_level": _("Ziel-Servicelevel: bitte mehr als 0 und weniger als 100 % (API: Anteil 0–1)."),
    "target_seconds": _("Annahme innerhalb: bitte 0 bis 3.600 Sekunden."),
    "shrinkage": _("Ausfallquote: bitte 0 bis unter 100 % (API: Anteil 0–1)."),
}
STAFFING_FIELDS = {"interval_seconds": "interval_minutes"}  # what the API and the form call the parameter


def staffing(**kwargs) -> erlang.Staffing:
    """Erlang C agents for one interval (`erlang.agents_needed` arguments); nonsense input raises
    StaffingInputInvalid naming the field as the caller knows it."""
    try:
        return erlang.agents_needed(**kwargs)
    except erlang.InputError as exc:
        field = STAFFING_FIELDS.get(exc.field, exc.field)
        raise StaffingInputInvalid(STAFFING_MESSAGES[exc.field], field=field) from None


def staffing_estimate(
    v: Viewer,
    contract: Contract,
    *,
    calls: float,
    handle_seconds: float,
    interval_minutes: float,
    target_level: float = 0.75,
    target_seconds: float = 30,
    shrinkage: float = 0.3,
) -> erlang.Staffing:
    """What-if staffing for one interval of the contract (the calculator on the numbers page and in the API)."""
    require(v, "numbers")
    return staffing(
        calls=calls,
        handle_seconds=handle_seconds,
        interval_seconds=interval_minutes * 60,
        target_level=target_level,
        target_seconds=target_seconds,
        shrinkage=shrinkage,
    )


def terms(contract: Contract) -> billing.Terms:
    return billing.Terms(
        price_per_call=contract.price_per_call,
        price_per_minute=contract.price_per_minute,
        monthly_flat_fee=contract.monthly_flat_fee,
        included_calls=contract.included_calls,
        included_minutes=contract.included_minutes,
        carry_over=contract.allowance_period == Contract.AllowancePeriod.YEAR,
    )


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def year_to_date(contract: Contract, month: dt.date) -> list[billing.Statement]:
    """Statements from the first month of `month`'s contract year up to `month` (only `month` without
    carry-over): each month's allowance includes what earlier months of the year left unused."""
    month = month.replace(day=1)
    t = terms(contract)
    first = (
        contract.contract_year_start(month) if t.carry_over and month >= contract.starts_on.replace(day=1) else month
    )
    usage = []
    current = first
    while current <= month:
        usage.append(month_usage(contract, current))
        current = _next_month(current)
    return billing.year_statements(t, usage)


def month_usage(contract: Contract, month: dt.date) -> tuple[int, int]:
    """(calls, billed minutes) of a calendar month; minutes per started minute of each call."""
    start, end = _month_range(month, timezone.get_current_timezone())
    durations = Call.objects.filter(contract=contract, started_at__gte=start, started_at__lt=end).values_list(
        "duration_seconds", flat=True
    )
    count = minutes = 0
    for seconds in durations.iterator():
        count += 1
        minutes += billing.billed_minutes(seconds)
    return count, minutes


def statement(contract: Contract, month: dt.date) -> billing.Statement:
    return year_to_date(contract, month)[-1]


def forecast(
    contract: Contract, *, today: dt.date, months: int = 6
) -> tuple[list[tuple[dt.date, int, int]], billing.Forecast]:
    """The last complete months (at most `months`, within the contract) and the priced 12-month trend."""
    history = []
    month = today.replace(day=1)
    for _i in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        if month < contract.starts_on:  # before the start, or a month the contract began in midway
            break
        history.append((month, *month_usage(contract, month)))
    history.reverse()
    t = terms(contract)
    first_ahead = today.replace(day=1)  # the forecast's first month is the current one
    carry, position = (0, 0), 0
    if t.carry_over and first_ahead >= contract.starts_on.replace(day=1):
        year_start = contract.contract_year_start(first_ahead)
        position = (first_ahead.year - year_start.year) * 12 + first_ahead.month - year_start.month
        if position:
            carry = year_to_date(contract, (first_ahead - dt.timedelta(days=1)).replace(day=1))[-1].carry_out(t)
    fc = billing.forecast(t, [(c, m) for _d, c, m in history], carry_in=carry, year_position=position)
    return history, fc


def partner_ids_of(municipality_id: int) -> QuerySet:
    """The partner call centers that have (or had) a contract with the municipality: their agents read its
    citizens' data, so its data-protection officer sees their reads in the audit log."""
    return Contract.objects.filter(municipality_id=municipality_id).values("partner_id")
