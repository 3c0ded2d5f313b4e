"""Benchmark: knowledge-base search over 5,000 articles (agent scope, while typing), SQLite and PostgreSQL.

Run:  .venv/bin/python -m bench.callcenter_search
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_bench .venv/bin/python -m bench.callcenter_search

It creates a throw-away test database (in memory for SQLite, test_<name> for PostgreSQL), loads 5,000
synthetic German articles (one per service of one municipality, covered by a contract), and times the
full selector path an agent's keystroke takes (scope from the contract, full-text query, fallbacks,
loading the articles) for prefixes, words, phrases and typos. Baseline in the same run: a naive
case-insensitive LIKE over the same columns (what one would write without a full-text index).
"""

import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

ARTICLES = 5000
REPEAT = 15

PREFIXES = [
    "Personal",
    "Reise",
    "Wohn",
    "Melde",
    "Führungs",
    "Gewerbe",
    "Park",
    "Hunde",
    "Bau",
    "Fund",
    "Geburts",
    "Ehe",
    "Sterbe",
    "Wahl",
    "Steuer",
    "Abfall",
    "Wasser",
    "Straßen",
    "Schul",
    "Kita",
    "Fischerei",
    "Waffen",
    "Sonder",
    "Lebens",
    "Namens",
    "Bewohner",
    "Kinder",
    "Jugend",
    "Senioren",
    "Vereins",
]
STEMS = [
    "ausweis",
    "pass",
    "sitz",
    "bescheinigung",
    "zeugnis",
    "anmeldung",
    "genehmigung",
    "urkunde",
    "antrag",
    "gebühr",
    "erlaubnis",
    "karte",
    "schein",
    "auskunft",
    "register",
    "abmeldung",
    "beihilfe",
    "zuschuss",
    "bescheid",
    "nachweis",
]
COMMON_TEXT = (
    "Bitte bringen Sie den gültigen Ausweis und alle Unterlagen zum Termin mit. Die Bearbeitung dauert in der "
    "Regel zwei Wochen. Gebühren zahlen Sie bar oder mit Karte. Online können Sie vorab einen Termin buchen "
    "oder das Formular herunterladen. Bei Fragen zum Stand Ihres Antrags rufen wir zurück. Minderjährige "
    "brauchen die Zustimmung der Sorgeberechtigten. Nach einem Umzug melden Sie sich innerhalb von zwei "
    "Wochen an. Die Auskunft erteilt das Bürgerbüro persönlich."
)
COMMON = COMMON_TEXT.split()

QUERIES = {
    "prefix (typing)": ["Pe", "Per", "Pers", "Perso", "Person", "Personala", "Reisep", "Wohns", "Gewerbeanm"],
    "word": ["Personalausweis", "Reisepass", "Hundesteuer", "Geburtsurkunde", "Meldebescheinigung", "Umzug"],
    "phrase": ["Personalausweis beantragen", "Reisepass Kinder Gebühr", "Wie melde ich meinen Wohnsitz an"],
    "typo": ["Persnalausweis", "Reisepas", "Geburtsurkunte", "Meldebescheinigunk"],
}


def build():
    from buergerbuero.accounts.models import Organisation, StaffMembership
    from buergerbuero.callcenter import services
    from buergerbuero.callcenter.models import Article, Contract
    from buergerbuero.catalog.models import Service

    rng = random.Random(5000)
    city = Organisation.objects.create(name="Bench-Stadt")
    partner = Organisation.objects.create(name="Bench-Callcenter", kind=Organisation.Kind.PARTNER)
    User = get_user_model()
    owner = User.objects.create_user("bench-owner")
    agent = User.objects.create_user("bench-agent")
    StaffMembership.objects.create(user=agent, organisation=partner, role=StaffMembership.Role.AGENT)
    Contract.objects.create(
        partner=partner,
        municipality=city,
        name="Bench",
        starts_on=dt.date(2020, 1, 1),
        price_per_minute=Decimal("1.21"),
    )
    compounds = [p + s for p in PREFIXES for s in STEMS]
    svcs = Service.objects.bulk_create(
        Service(
            slug=f"leistung-{i}",
            leika_key=f"99{i:012d}",
            name_de=rng.choice(compounds),
            name_en="x",
            handling_minutes=10,
        )
        for i in range(ARTICLES)
    )
    now = timezone.now()
    articles = []
    for service in svcs:
        title_words = rng.sample(compounds, rng.randint(1, 3))
        body = rng.sample(COMMON, 30) + rng.sample(compounds, rng.randint(10, 30))
        rng.shuffle(body)
        article = Article(
            municipality=city,
            service=service,
            title=" ".join(title_words),
            keywords=rng.choice(compounds),
            summary=" ".join(body[:20]),
            caller_script=" ".join(body[20:]),
            owner=owner,
            review_due=dt.date(2030, 1, 1),
            updated_at=now,
        )
        article.index_title = f"{article.title} {article.keywords} {service.name_de}"
        article.index_body = article.search_body()
        articles.append(article)
    articles = Article.objects.bulk_create(articles, batch_size=1000)
    if connection.vendor == "sqlite":  # bulk_create on SQLite returns ids; make sure
        articles = list(Article.objects.all())
    services.reindex_articles(articles)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return agent


def timed(fn, repeat=REPEAT):
    samples = []
    for _i in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main():
    from buergerbuero.callcenter import selectors
    from buergerbuero.callcenter.models import Article

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        agent_user = build()
        print(f"{connection.vendor}: {ARTICLES} articles loaded and indexed in {time.perf_counter() - t0:.1f} s")
        all_samples, baseline_samples = [], []
        for kind, queries in QUERIES.items():
            samples = []
            for q in queries:
                # Each keystroke is a new request: who is asking (membership, contracts) is read again.
                selectors.search_articles(selectors.viewer(agent_user), q)  # warm
                samples += timed(lambda q=q: selectors.search_articles(selectors.viewer(agent_user), q))
                word = q.split()[0]
                baseline_samples += timed(
                    lambda word=word: list(
                        Article.objects.filter(Q(index_title__icontains=word) | Q(index_body__icontains=word))
                        .order_by("id")[:10]
                        .values_list("id", flat=True)
                    )
                )
            all_samples += samples
            print(
                f"  {kind:16s} median {statistics.median(samples):6.2f} ms   p95 "
                f"{statistics.quantiles(samples, n=20)[-1]:6.2f} ms   ({len(queries)} queries × {REPEAT})"
            )
        median, base = statistics.median(all_samples), statistics.median(baseline_samples)
        print(f"  ALL              median {median:6.2f} ms   (target ≤ 20 ms)")
        print(f"  baseline LIKE    median {base:6.2f} ms   ratio search/baseline {median / base:.2f}")
        sample = selectors.search_articles(selectors.viewer(agent_user), "Personalausweis beantragen")
        print(f"  sanity: 'Personalausweis beantragen' → {len(sample.articles)} hits, mode {sample.mode}")
    finally:
        connection.creation.destroy_test_db(old_name if connection.vendor != "sqlite" else test_name, verbosity=0)


if __name__ == "__main__":
    main()
