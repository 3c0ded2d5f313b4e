"""The knowledge-base search results contract. CI runs this file on SQLite FTS5 and on PostgreSQL.

Same corpus, same expectations on both databases: stemming, stop words, prefix while typing, the
AND → OR → typo fallback, ranking title before body, scope (contract, municipality) and validity.
"""

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.callcenter import selectors, services


def titles(world, user, query):
    return [a.title for a in selectors.search_articles(world.viewer(user), query).articles]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("Personalausweis", "Personalausweis beantragen"),
        ("personalausweise", "Personalausweis beantragen"),  # stemmed
        ("Persona", "Personalausweis beantragen"),  # prefix while typing
        ("perso", "Personalausweis beantragen"),  # keyword, prefix
        ("Wie melde ich mich nach dem Umzug an", "Wohnsitz anmelden"),  # stop words, OR fallback
        ("Umzüge", "Wohnsitz anmelden"),  # umlaut + plural through the stemmer
        ("Fuhrungszeugnis", "Führungszeugnis beantragen"),  # umlaut left out
        ("Führunszeugnis", "Führungszeugnis beantragen"),  # typo
        ("Persnalausweis", "Personalausweis beantragen"),  # typo
    ],
)
def test_same_first_hit_on_every_database(world, query, expected_first):
    assert titles(world, "clerk", query)[0] == expected_first


def test_modes_tell_how_the_answer_was_found(world):
    v = world.viewer("clerk")
    assert selectors.search_articles(v, "Ausweis beantragen").mode == "all"
    # A word no article knows beside a common one is not a weak hit but nothing found (ranking.py, rule 3).
    meteor = selectors.search_articles(v, "Ausweis Meteorit")
    assert (meteor.mode, meteor.articles) == ("none", [])
    # With three topic words, articles missing one are shown when none has all three.
    assert selectors.search_articles(v, "Ausweis Fingerabdrücke Meteorit").mode == "any"
    typo = selectors.search_articles(v, "Persnalausweis")
    assert typo.mode == "typo" and "personalausweis" in typo.corrected
    assert selectors.search_articles(v, "Quantenchromodynamik").articles == []
    assert selectors.search_articles(v, "und die").articles == []  # stop words only


def test_title_hit_ranks_before_body_hit(world):
    # "Ausweis" is a keyword (title weight) of the ID-card article and appears only in the bodies of others.
    found = titles(world, "clerk", "Ausweis ")
    assert found[0] == "Personalausweis beantragen"
    assert set(found[1:]) == {"Wohnsitz anmelden", "Führungszeugnis beantragen"}


def test_agent_sees_only_contract_services_of_contract_municipalities(world):
    agent = titles(world, "agent", "Waffenschein")
    clerk = titles(world, "clerk", "Waffenschein")
    assert clerk == ["Kleiner Waffenschein"]
    assert agent == []  # not part of the contract
    # The agent's personalausweis hits are Castrop-Rauxel's only, never the other city's.
    hits = selectors.search_articles(world.viewer("agent"), "Personalausweis").articles
    assert {a.municipality_id for a in hits} == {world.city.pk}
    assert titles(world, "other_agent", "Personalausweis") == []  # no contract at all


def test_second_municipality_sees_only_its_own_articles(world):
    hits = selectors.search_articles(world.viewer("other_clerk"), "Personalausweis").articles
    assert hits and {a.municipality_id for a in hits} == {world.other_city.pk}


def test_expired_and_future_articles_are_not_found(world):
    today = timezone.localdate()
    services.save_article(
        viewer=world.viewer("clerk"),
        leika_key=world.services["personalausweis"].leika_key,
        title="Personalausweis beantragen",
        summary="alt",
        caller_script="alt",
        review_due=today,
        valid_to=today - dt.timedelta(days=1),
    )
    assert "Personalausweis beantragen" not in titles(world, "clerk", "Personalausweis")
    services.save_article(
        viewer=world.viewer("clerk"),
        leika_key=world.services["personalausweis"].leika_key,
        title="Personalausweis beantragen",
        summary="neu",
        caller_script="neu",
        review_due=today,
        valid_from=today + dt.timedelta(days=1),
    )
    assert "Personalausweis beantragen" not in titles(world, "clerk", "Personalausweis")


def test_edit_updates_the_index(world):
    services.save_article(
        viewer=world.viewer("clerk"),
        leika_key=world.services["fuehrungszeugnis"].leika_key,
        title="Führungszeugnis beantragen",
        keywords="Leumundszeugnis",
        summary="Das Führungszeugnis stellt das Bundesamt für Justiz aus.",
        caller_script="Online beantragen.",
        review_due=timezone.localdate(),
    )
    assert titles(world, "clerk", "Leumundszeugnis") == ["Führungszeugnis beantragen"]
    assert titles(world, "clerk", "schnellsten") == []  # the old text is gone from the index
