"""Demo: Bochum's call center answers Castrop-Rauxel's calls.

Contract priced like the Baden-Baden/Karlsruhe example in docs (1.21 € per call minute beyond a flat
95,000 € a year for 60,000 minutes, i.e. 7,916.67 € and 5,000 minutes a month); knowledge-base articles
for the demo services (two are missing on purpose, so the coverage report has something to say); four
months of call log with ~85 % first-contact resolution and slowly growing volume; callback tickets (some
overdue); four weeks of interval statistics imported through the same CSV import staff use.
"""

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from buergerbuero.accounts.demo import give_demo_authenticator
from buergerbuero.accounts.models import StaffMembership
from buergerbuero.callcenter import selectors, services
from buergerbuero.callcenter.models import Call, Contract
from buergerbuero.core.demo import DemoCity, insert_rows

HISTORY_DAYS = 120
# The call-center lead's public demo password (README), hashed once here like the other demo logins
# (accounts/demo.py DEMO_HASHES): one PBKDF2 round of 1.5 million iterations per `load_demo` saved.
LEAD_PASSWORD_HASH = "pbkdf2_sha256$1500000$democcleitung$AMF87ugFb7m6bgKttBwIgOR3uvzHxp8cHjBzEHVZqi0="
OUTCOMES = [
    (Call.Outcome.SETTLED, 63),
    (Call.Outcome.BOOKED, 22),
    (Call.Outcome.CALLBACK, 8),
    (Call.Outcome.FORWARDED, 5),
    (Call.Outcome.OUT_OF_SCOPE, 2),
]
TOPICS = {
    "personalausweis": 26,
    "reisepass": 12,
    "wohnsitz-anmelden": 16,
    "wohnsitz-abmelden": 5,
    "meldebescheinigung": 7,
    "fuehrungszeugnis": 6,
    "beglaubigung": 5,
    "verlust-personalausweis": 5,
    "vorlaeufiger-reisepass": 3,
    "fundsache": 6,
    "bewohnerparkausweis": 5,
    "melderegisterauskunft": 2,
    "auskunftssperre": 2,
}
WITHOUT_ARTICLE = {"fundsache", "bewohnerparkausweis"}

SCRIPTS = {
    "personalausweis": (
        "Perso, Ausweis, Personalausweis verlängern, neuer Ausweis",
        "Den Personalausweis beantragen Sie persönlich im Bürgerbüro; Fingerabdrücke und Unterschrift werden "
        "vor Ort erfasst. Ein vollständiger Online-Antrag ist rechtlich nicht möglich (PAuswG § 9).",
        "46 € ab 24 Jahren, 27,60 € unter 24 Jahren; Direktversand nach Hause +15 €.",
        "Vorantrag online möglich: Daten und Lichtbild-Code vorab erfassen, dann kurzer Termin.",
        "Bitte buchen Sie einen Termin; bringen Sie den alten Ausweis und den Code Ihres digitalen Passfotos "
        "mit. Das Foto kann auch im Bürgerbüro für 6 € gemacht werden.",
    ),
    "reisepass": (
        "Pass, Reisepass, Kinderreisepass, Urlaub",
        "Den Reisepass beantragen Sie persönlich; die Herstellung dauert etwa drei bis vier Wochen.",
        "70 € ab 24 Jahren, 37,50 € unter 24 Jahren.",
        "Termin online buchbar.",
        "Bitte buchen Sie frühzeitig einen Termin; für eilige Reisen gibt es den vorläufigen Reisepass.",
    ),
    "vorlaeufiger-reisepass": (
        "Notpass, Expresspass, kurzfristig reisen",
        "Der vorläufige Reisepass wird sofort ausgestellt, wenn die Reise kurzfristig ansteht.",
        "26 €.",
        "",
        "Bringen Sie Personalausweis und ein biometrisches Lichtbild mit; Nachweis der Reise ist hilfreich.",
    ),
    "verlust-personalausweis": (
        "verloren, gestohlen, Diebstahl, Ausweis weg",
        "Den Verlust oder Diebstahl melden Sie im Bürgerbüro; der Ausweis wird gesperrt.",
        "Die Verlustmeldung ist gebührenfrei.",
        "Die Online-Ausweisfunktion können Sie sofort über die Sperrhotline 116 116 sperren lassen.",
        "Sperren Sie die Online-Funktion über 116 116; bei Diebstahl zuerst Anzeige bei der Polizei.",
    ),
    "wohnsitz-anmelden": (
        "Ummeldung, Umzug, neue Wohnung, anmelden",
        "Nach einem Umzug melden Sie sich innerhalb von zwei Wochen an.",
        "Gebührenfrei.",
        "Die elektronische Wohnsitzanmeldung (eWA) des Bundes ist mit Online-Ausweis möglich.",
        "Bringen Sie Ausweis und die Wohnungsgeberbestätigung des Vermieters mit; online geht es über die eWA.",
    ),
    "wohnsitz-abmelden": (
        "abmelden, Wegzug ins Ausland",
        "Abmelden müssen Sie sich nur beim Wegzug ins Ausland.",
        "Gebührenfrei.",
        "Abmeldung auch schriftlich möglich.",
        "Bei einem Umzug innerhalb Deutschlands melden Sie sich nur am neuen Ort an.",
    ),
    "meldebescheinigung": (
        "Wohnsitzbescheinigung, Meldebestätigung",
        "Die Meldebescheinigung bestätigt Ihre Adresse.",
        "10 €.",
        "Mit Online-Ausweis auch online.",
        "Mit Online-Ausweis können Sie sie online beantragen, sonst mit Ausweis im Bürgerbüro.",
    ),
    "melderegisterauskunft": (
        "Adresse herausfinden, Auskunft",
        "Auskunft über die Adresse einer anderen Person aus dem Melderegister.",
        "10 €.",
        "",
        "Nennen Sie Name und letzte bekannte Adresse der gesuchten Person.",
    ),
    "auskunftssperre": (
        "Sperre, Adresse schützen, Gefährdung",
        "Eine Auskunftssperre schützt Ihre Adresse, wenn Ihnen Gefahr droht.",
        "Gebührenfrei.",
        "",
        "Begründen Sie die Gefährdung schriftlich; die Entscheidung trifft das Bürgerbüro.",
    ),
    "fuehrungszeugnis": (
        "polizeiliches Führungszeugnis, Arbeitgeber, Ehrenamt",
        "Das Führungszeugnis stellt das Bundesamt für Justiz aus.",
        "13 €; für Ehrenamt oft gebührenfrei.",
        "Online beim Bundesamt für Justiz mit Online-Ausweis.",
        "Am schnellsten online beim Bundesamt für Justiz; sonst im Bürgerbüro mit Ausweis.",
    ),
    "beglaubigung": (
        "beglaubigte Kopie, Zeugnis beglaubigen",
        "Beglaubigung von Abschriften und Kopien deutscher Dokumente.",
        "5 € je Seite.",
        "",
        "Bringen Sie Original und Kopie mit; Urkunden aus dem Ausland beglaubigt das Bürgerbüro nicht.",
    ),
}


def _weighted(rng: random.Random, pairs):
    total = sum(w for _v, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def load(city: DemoCity) -> None:
    rng = random.Random(city.seed + 7)
    User = get_user_model()
    orgs = city.objects["organisations"]
    office = city.objects["office"]
    demo_services = city.objects["services"]
    tz = ZoneInfo(office.timezone)
    agent = User.objects.get(username="agent")
    clerk = User.objects.get(username="sachbearbeitung")
    lead = User.objects.create_user("callcenter-leitung", "callcenter-leitung@example.org", None, is_staff=True)
    User.objects.filter(pk=lead.pk).update(password=LEAD_PASSWORD_HASH, first_name="Petra", last_name="Lange")
    StaffMembership.objects.create(user=lead, organisation=orgs["partner"], role=StaffMembership.Role.MANAGER)
    give_demo_authenticator(lead)

    start = (city.today - dt.timedelta(days=HISTORY_DAYS)).replace(day=1)
    contract = Contract.objects.create(
        partner=orgs["partner"],
        municipality=orgs["city"],
        name="Bürgertelefon Castrop-Rauxel (Callcenter Bochum)",
        price_per_minute=Decimal("1.21"),
        monthly_flat_fee=Decimal("7916.67"),
        included_minutes=5000,
        starts_on=start,
    )

    clerk_viewer = selectors.require(selectors.viewer(clerk), "kb_write")
    for slug, (keywords, summary, fees, online, script) in SCRIPTS.items():
        service = demo_services[slug]
        services.save_article(
            viewer=clerk_viewer,
            leika_key=service.leika_key,
            title=service.name_de,
            keywords=keywords,
            summary=summary,
            documents=service.required_documents,
            fees=fees,
            online=online,
            caller_script=script,
            internal_notes="Persönliche Fallfragen (Stand eines Antrags) nicht beantworten – Rückruf-Ticket.",
            review_due=city.today + dt.timedelta(days=rng.randint(-20, 150)),
        )
    articles = {a.service.slug: a for a in selectors.articles(clerk_viewer, day=city.today)}

    # Call log: weekdays 8–18, volume growing slowly (so the cost forecast has a trend to show).
    calls: list[dict[str, Any]] = []
    topic_pairs = [(demo_services[s], w) for s, w in TOPICS.items()]
    first_day = start
    for offset in range((city.today - start).days):
        day = first_day + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        per_day = round(62 + offset * 0.12 + rng.uniform(-8, 8))
        for _n in range(per_day):
            minute = rng.randint(0, 599)
            started = dt.datetime.combine(day, dt.time(8), tzinfo=tz) + dt.timedelta(
                minutes=minute, seconds=rng.randint(0, 59)
            )
            outcome = _weighted(rng, OUTCOMES)
            service = None if outcome == Call.Outcome.OUT_OF_SCOPE else _weighted(rng, topic_pairs)
            seconds = max(20, min(3600, round(rng.lognormvariate(math.log(190), 0.45))))
            article = articles.get(service.slug) if service else None
            calls.append(
                {
                    "contract_id": contract.pk,
                    "agent_id": agent.pk,
                    "service_id": service.pk if service else None,
                    "article_id": article.pk if article else None,
                    "outcome": outcome,
                    "started_at": started,
                    "duration_seconds": seconds,
                    "caller_number": f"+492305{rng.randint(100000, 999999)}" if rng.random() < 0.6 else "",
                }
            )
    # Plain rows (docs/benchmarks.md "First run"); the few calls that became tickets are read back as objects.
    ids = insert_rows(Call, calls)

    # Callback tickets for the last two weeks' callback calls; older ones closed by the back office.
    agent_viewer = selectors.require(selectors.viewer(agent), "ticket_create")
    recent = [
        pk
        for pk, c in zip(ids, calls, strict=True)
        if c["outcome"] == Call.Outcome.CALLBACK and (city.today - c["started_at"].date()).days <= 14
    ]
    recent_calls = Call.objects.filter(pk__in=recent).select_related("service").order_by("started_at", "pk")
    for i, call in enumerate(recent_calls):
        created = call.started_at + dt.timedelta(seconds=call.duration_seconds)
        topic = call.service
        assert topic is not None  # only out-of-scope calls have no service
        ticket = services.create_ticket(
            viewer=agent_viewer,
            office=office,
            reason=f"Anrufer fragt nach dem Stand seines Antrags ({topic.name_de}).",
            caller_name=f"Bürger {i + 1}",
            caller_phone=f"0234/{rng.randint(100000, 999999)}",
            service=topic,
            article=articles.get(topic.slug),
            call=call,
            now=created,
        )
        age = (city.today - created.date()).days
        if age > 3 and rng.random() < 0.8:
            services.close_ticket(
                viewer=clerk_viewer,
                ticket_id=ticket.pk,
                note="Zurückgerufen, Frage geklärt.",
                now=created + dt.timedelta(hours=rng.randint(2, 40)),
            )
        elif age > 1 and rng.random() < 0.2:
            services.wait_for_citizen(
                viewer=clerk_viewer,
                ticket_id=ticket.pk,
                note="Unterlagen angefordert.",
                now=created + dt.timedelta(hours=3),
            )

    # Interval statistics of the last four weeks, through the CSV import.
    lines = ["interval;offered;answered;abandoned;answered_within_30s;handle_time;asa"]
    buckets: dict[dt.datetime, list[int]] = {}
    since = city.today - dt.timedelta(days=28)
    for row in calls:
        if row["started_at"].date() < since or row["started_at"].date() >= city.today:
            continue
        local = row["started_at"].astimezone(tz)
        slot = local.replace(minute=(local.minute // 30) * 30, second=0, microsecond=0)
        buckets.setdefault(slot, []).append(row["duration_seconds"])
    for slot, durations in sorted(buckets.items()):
        answered = len(durations)
        abandoned = sum(rng.random() < 0.05 for _d in durations)
        within = round(answered * rng.uniform(0.72, 0.9))
        lines.append(
            f"{slot:%Y-%m-%d %H:%M};{answered + abandoned};{answered};{abandoned};{within};"
            f"{round(sum(durations) / answered)};{rng.randint(8, 35)}"
        )
    services.import_intervals(
        viewer=selectors.require(selectors.viewer(lead), "numbers"), contract=contract, data="\n".join(lines)
    )
    city.objects["callcenter_contract"] = contract
