"""Small, explicit builders for test data (real rows in the real database)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.capacity.models import ChannelShare, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service
from buergerbuero.core.channels import Channel

T = dt.time


def service(slug="personalausweis", minutes=20, leika="99008001000000", online=True, max_persons=4, **extra):
    return Service.objects.create(
        slug=slug,
        leika_key=leika,
        name_de=extra.pop("name_de", slug.title()),
        name_en=extra.pop("name_en", slug.title()),
        handling_minutes=minutes,
        fee=Decimal(extra.pop("fee", "46.00")),
        bookable_online=online,
        max_persons=max_persons,
        **extra,
    )


def office(
    *,
    slug="test-office",
    counters=2,
    services=(),
    weekdays="01234",
    hours=(T(8, 0), T(12, 0)),
    evening=True,
    shares=None,
    organisation=None,
    **fields,
):
    """An office open Mon–Fri mornings (+ a Thursday service evening) with `counters` staffed counters."""
    organisation = organisation or Organisation.objects.get_or_create(name="Stadt Test")[0]
    fields.setdefault("min_notice_minutes", 0)
    o = Office.objects.create(
        organisation=organisation,
        slug=slug,
        name=f"Bürgerbüro {slug}",
        street="Markt 1",
        postcode="44575",
        city="Teststadt",
        **fields,
    )
    OpeningRule.objects.create(office=o, weekdays=weekdays, start_time=hours[0], end_time=hours[1])
    if evening:
        OpeningRule.objects.create(office=o, weekdays="3", start_time=T(16), end_time=T(19, 30), label="Serviceabend")
    for number in range(1, counters + 1):
        counter = Counter.objects.create(office=o, number=number)
        RosterEntry.objects.create(counter=counter, weekdays=weekdays, start_time=hours[0], end_time=hours[1])
        if evening:
            RosterEntry.objects.create(counter=counter, weekdays="3", start_time=T(16), end_time=T(19, 30))
    for s in services:
        OfficeService.objects.create(office=o, service=s)
    for channel, percent in (shares or {}).items():
        ChannelShare.objects.create(office=o, channel=channel, percent=percent)
    return o


def next_weekday(weekday: int, after: dt.date | None = None, weeks_ahead: int = 1) -> dt.date:
    """The given weekday (0 = Monday) at least `weeks_ahead` weeks after `after` (default: today)."""
    after = after or dt.date.today()
    day = after + dt.timedelta(days=7 * weeks_ahead)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


# --- who is who: the demo roles, a second city and three partners (tests/core/test_access_matrix.py) ---


@dataclass
class AccessWorld:
    """Two municipalities and three partner call centers with their people and one object of each kind.

    Home city "Castrop" (offices castrop and castrop-nord) and another city "Herne" (office herne); partner
    "Bochum" with a live contract with Castrop, "Dortmund" whose contract with Castrop ended, "Essen" without
    any. Users are keyed by actor name (see ACTORS); objects belong to the home city's office castrop.
    """

    office: Office
    north_office: Office
    other_office: Office
    covered: Service
    not_covered: Service
    live_contract: object
    ended_contract: object
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


# actor: (organisation key, role, office-limited to castrop-nord); None = no membership (superuser "admin")
ACTORS = {
    "clerk": ("castrop", "clerk", False),
    "reception": ("castrop", "reception", False),
    "manager": ("castrop", "manager", False),
    "other_clerk": ("herne", "clerk", False),
    "other_reception": ("herne", "reception", False),
    "other_manager": ("herne", "manager", False),
    "north_clerk": ("castrop", "clerk", True),
    "agent_live": ("bochum", "agent", False),
    "lead_live": ("bochum", "manager", False),
    "agent_ended": ("dortmund", "agent", False),
    "lead_ended": ("dortmund", "manager", False),
    "agent_none": ("essen", "agent", False),
    "lead_none": ("essen", "manager", False),
}


def staff_user(username: str, organisation: Organisation, role: str, *, offices=()):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", is_staff=True
    )  # no password: force_login
    member = StaffMembership.objects.create(user=user, organisation=organisation, role=role)
    member.offices.set(offices)
    return user


def access_world(*, now: dt.datetime) -> AccessWorld:
    from buergerbuero.applications.models import Application, Attachment, OnlineService
    from buergerbuero.callcenter import selectors as callcenter_selectors
    from buergerbuero.callcenter import services as callcenter_services
    from buergerbuero.callcenter.models import Contract
    from buergerbuero.planning import services as planning_services
    from buergerbuero.planning.models import PlanRun
    from buergerbuero.queue.models import CounterSession, Ticket, Visit

    today = timezone.localdate(now)
    kind = Organisation.Kind
    orgs = {
        "castrop": Organisation.objects.create(name="Stadt Castrop-Rauxel", kind=kind.MUNICIPALITY),
        "herne": Organisation.objects.create(name="Stadt Herne", kind=kind.MUNICIPALITY),
        "bochum": Organisation.objects.create(name="Callcenter Bochum", kind=kind.PARTNER),
        "dortmund": Organisation.objects.create(name="Callcenter Dortmund", kind=kind.PARTNER),
        "essen": Organisation.objects.create(name="Callcenter Essen", kind=kind.PARTNER),
    }
    covered = service("personalausweis", name_de="Personalausweis")
    not_covered = service("waffenschein", leika="99089034001001", name_de="Kleiner Waffenschein")
    shares = {Channel.WEB: 50, Channel.PARTNER: 50}
    both = [covered, not_covered]
    home = office(slug="castrop", organisation=orgs["castrop"], services=both, shares=shares)
    north = office(slug="castrop-nord", organisation=orgs["castrop"], services=both, shares=shares)
    other = office(slug="herne", organisation=orgs["herne"], services=both, shares=shares)
    long_ago = today - dt.timedelta(days=400)
    live = Contract.objects.create(
        partner=orgs["bochum"], municipality=orgs["castrop"], name="Bürgertelefon", starts_on=long_ago
    )
    ended = Contract.objects.create(
        partner=orgs["dortmund"],
        municipality=orgs["castrop"],
        name="Bürgertelefon (alt)",
        starts_on=long_ago,
        ends_on=today - dt.timedelta(days=30),
    )
    for contract in (live, ended):
        contract.services.set([covered])
    world = AccessWorld(home, north, other, covered, not_covered, live, ended)
    world.users["admin"] = get_user_model().objects.create_superuser("admin", "admin@example.org")
    for name, (org, role, limited) in ACTORS.items():
        world.users[name] = staff_user(name, orgs[org], role, offices=[north] if limited else [])

    def viewer(user: User) -> callcenter_selectors.Viewer:
        return callcenter_selectors.require(callcenter_selectors.viewer(user), "kb_read")

    world.objects["article"] = callcenter_services.save_article(
        viewer=viewer(world.users["clerk"]),
        leika_key=covered.leika_key,
        title="Personalausweis beantragen",
        summary="Persönlich beantragen.",
        caller_script="Bitte einen Termin buchen.",
        review_due=today + dt.timedelta(days=90),
    )
    # A call and a callback ticket of each partner, made while its contract was live (60 days ago).
    then = now - dt.timedelta(days=60)
    for key, agent in (("live", "agent_live"), ("ended", "agent_ended")):
        v = viewer(world.users[agent])
        world.objects[f"call_{key}"] = callcenter_services.log_call(
            viewer=v, office=home, outcome="settled", duration_seconds=90, service=covered, started_at=then
        )
        world.objects[f"ticket_{key}"] = callcenter_services.create_ticket(
            viewer=v, office=home, reason="Rückruf", caller_name="Erika Muster", caller_phone="0234 123456", now=then
        )

    walk_in = Ticket.objects.create(
        office=home, day=today, number=1, label="A001", kind="walk_in", arrived_at=now, checked_in_at=now
    )
    world.objects["visit"] = Visit.objects.create(
        ticket=walk_in, office=home, day=today, kind="walk_in", service=covered, queued_at=now
    )
    # The home clerk has called the next number to counter 1: only that clerk acts on this visit.
    counter = home.counters.get(number=1)
    CounterSession.objects.create(office=home, counter=counter, clerk=world.users["clerk"], started_at=now)
    called = Ticket.objects.create(
        office=home, day=today, number=2, label="A002", kind="walk_in", arrived_at=now, checked_in_at=now
    )
    world.objects["called_visit"] = Visit.objects.create(
        ticket=called,
        office=home,
        day=today,
        kind="walk_in",
        service=covered,
        queued_at=now,
        status=Visit.Status.CALLED,
        counter=counter,
        clerk=world.users["clerk"],
        called_at=now,
        last_called_at=now,
    )

    online = OnlineService.objects.create(
        slug="personalausweis", kind="id_card", service=covered, title_de="Personalausweis", title_en="ID card"
    )
    application = Application.objects.create(
        reference="A-2026-000001",
        service=online,
        office=home,
        status="submitted",
        answers={"given_name": "Max"},
        appointment_code="ABCD2345",
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    world.objects["application"] = application
    world.objects["attachment"] = Attachment.objects.create(
        application=application,
        field="photo",
        file=ContentFile(b"%PDF-1.4 test", name="photo.pdf"),
        original_name="photo.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
        created_at=now,
    )
    scenario = planning_services.save_scenario(
        office=home, name="Serviceabend", definition={"name": "Serviceabend"}, user=world.users["manager"]
    )
    world.objects["scenario"] = scenario
    world.objects["run"] = PlanRun.objects.create(scenario=scenario, definition={})
    return world


def bearer(user, name="Skript") -> dict[str, str]:
    """Headers of a machine client acting as this staff member, with a freshly issued API token."""
    from django.utils import timezone

    from buergerbuero.accounts import services

    _token, key = services.issue_api_token(user=user, name=name, now=timezone.now())
    return {"Authorization": f"Bearer {key}"}
