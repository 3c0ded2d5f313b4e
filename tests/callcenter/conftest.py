"""A small world for the call-center tests: two municipalities, a partner with a contract for one of them."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.callcenter import selectors, services
from buergerbuero.callcenter.models import Contract
from buergerbuero.core.channels import Channel
from tests import factories

Role = StaffMembership.Role


@dataclass
class World:
    city: Organisation
    other_city: Organisation
    partner: Organisation
    other_partner: Organisation
    office: object
    other_office: object
    contract: Contract
    services: dict
    users: dict = field(default_factory=dict)
    articles: dict = field(default_factory=dict)

    def viewer(self, name):
        return selectors.viewer(self.users[name])


USERS = {
    # name: (organisation attribute, role)
    "agent": ("partner", Role.AGENT),
    "partner_lead": ("partner", Role.MANAGER),
    "other_agent": ("other_partner", Role.AGENT),
    "clerk": ("city", Role.CLERK),
    "reception": ("city", Role.RECEPTION),
    "manager": ("city", Role.MANAGER),
    "other_clerk": ("other_city", Role.CLERK),
    "other_manager": ("other_city", Role.MANAGER),
}

ARTICLES = {
    # slug: (title, keywords, summary, script)
    "personalausweis": (
        "Personalausweis beantragen",
        "Perso, Ausweis",
        "Den Personalausweis beantragen Sie persönlich; Fingerabdrücke werden vor Ort erfasst.",
        "Bitte einen Termin buchen und das digitale Passfoto mitbringen.",
    ),
    "wohnsitz-anmelden": (
        "Wohnsitz anmelden",
        "Ummeldung, Umzug",
        "Nach einem Umzug melden Sie sich innerhalb von zwei Wochen an.",
        "Bringen Sie die Wohnungsgeberbestätigung und Ihren Ausweis mit.",
    ),
    "fuehrungszeugnis": (
        "Führungszeugnis beantragen",
        "polizeiliches Führungszeugnis",
        "Das Führungszeugnis stellt das Bundesamt für Justiz aus.",
        "Am schnellsten online mit dem Online-Ausweis.",
    ),
}


def make_user(name, org, role):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw-" + name, is_staff=True)
    StaffMembership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def world(db):
    city = Organisation.objects.create(name="Stadt Castrop-Rauxel")
    other_city = Organisation.objects.create(name="Stadt Herne")
    partner = Organisation.objects.create(name="Callcenter Bochum", kind=Organisation.Kind.PARTNER)
    other_partner = Organisation.objects.create(name="Callcenter Dortmund", kind=Organisation.Kind.PARTNER)
    svc = {
        "personalausweis": factories.service("personalausweis", leika="99008001000000", name_de="Personalausweis"),
        "wohnsitz-anmelden": factories.service(
            "wohnsitz-anmelden", leika="99115005000000", name_de="Wohnsitz anmelden"
        ),
        "fuehrungszeugnis": factories.service("fuehrungszeugnis", leika="99049001000000", name_de="Führungszeugnis"),
        "waffenschein": factories.service("waffenschein", leika="99089034001001", name_de="Kleiner Waffenschein"),
    }
    shares = {Channel.WEB: 50, Channel.PARTNER: 50}
    office = factories.office(slug="castrop", organisation=city, services=list(svc.values()), shares=shares)
    other_office = factories.office(slug="herne", organisation=other_city, services=list(svc.values()), shares=shares)
    contract = Contract.objects.create(
        partner=partner,
        municipality=city,
        name="Bürgertelefon",
        price_per_minute="1.21",
        monthly_flat_fee="1000.00",
        included_minutes=500,
        starts_on=timezone.localdate() - dt.timedelta(days=400),
    )
    # The waffenschein is not part of the contract.
    contract.services.set([svc["personalausweis"], svc["wohnsitz-anmelden"], svc["fuehrungszeugnis"]])
    w = World(city, other_city, partner, other_partner, office, other_office, contract, svc)
    for name, (org, role) in USERS.items():
        w.users[name] = make_user(name, getattr(w, org), role)
    w.users["admin"] = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-admin")
    review = timezone.localdate() + dt.timedelta(days=90)
    for org_name, clerk in (("city", "clerk"), ("other_city", "other_clerk")):
        for slug, (title, keywords, summary, script) in ARTICLES.items():
            w.articles[(org_name, slug)] = services.save_article(
                viewer=w.viewer(clerk),
                leika_key=svc[slug].leika_key,
                title=title,
                keywords=keywords,
                summary=summary,
                caller_script=script,
                review_due=review,
            )
    w.articles[("city", "waffenschein")] = services.save_article(
        viewer=w.viewer("clerk"),
        leika_key=svc["waffenschein"].leika_key,
        title="Kleiner Waffenschein",
        summary="Erlaubnis zum Führen von Schreckschusswaffen.",
        caller_script="Antrag bei der Polizei.",
        review_due=review,
    )
    return w


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
