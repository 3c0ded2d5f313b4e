"""Ranking of knowledge-base search hits (pure, no ORM): the one results contract of both databases.

The database (SQLite FTS5 or PostgreSQL text search) only *finds candidates* — articles containing any
word of the expanded query, in scope and valid. Which of them are shown and in what order is decided
here, from the articles' texts, so SQLite and PostgreSQL give the same answer by construction.

1. Query words (stop words dropped) become *concepts*: the word's German Snowball stem plus the stems of
   its citizen synonyms (SYNONYMS: "umgezogen" → Umzug/Ummeldung/Wohnsitz, "Perso" → Personalausweis …)
   and of knowledge-base words that end in it (compound heads: "Ausweis" → "Personalausweis"). The last
   word also matches as a prefix while the agent types.
2. Filler words of callers ("neu", "brauche", "bitte" …, FILLER) are optional: they never decide whether
   an article is shown, they only break ties.
3. An article is shown only if it matches **every** other concept. With three or more concepts, if no
   article matches all, those missing exactly one are shown (mode "any"). A single common word shared
   with a two-word query ("Kfz ummelden", "Hund anmelden") is *not* a hit: nothing found is the honest
   answer when no article covers the topic.
4. Score per concept (best place it matches): title/keywords/service name 10 for the word itself, 6 for a
   synonym, compound or prefix; body 3 and 2. Sum over concepts (+0.5 per matched filler word); ties by
   article id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from buergerbuero.callcenter import text

# Citizen words → words the articles use (raw words; stemmed like everything else).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "umgezogen": ("umzug", "ummeldung", "anmelden", "wohnsitz"),
    "umziehen": ("umzug", "ummeldung", "anmelden", "wohnsitz"),
    "umzug": ("ummeldung", "anmelden", "wohnsitz"),
    "ziehe": ("umzug", "ummeldung", "anmelden", "wohnsitz"),
    "zuzug": ("umzug", "anmelden", "wohnsitz"),
    "zugezogen": ("umzug", "anmelden", "wohnsitz"),
    "ummelden": ("ummeldung", "anmelden", "umzug"),
    "ummeldung": ("anmelden", "umzug"),
    "melde": ("anmelden", "ummeldung", "anmeldung"),
    "melden": ("anmelden", "ummeldung", "anmeldung"),
    "anmelden": ("anmeldung", "ummeldung"),
    "perso": ("personalausweis",),
    "persos": ("personalausweis",),
    "ausweis": ("personalausweis",),
    "id": ("personalausweis",),
    "idkarte": ("personalausweis",),
    "pass": ("reisepass",),
    "verloren": ("verlust", "gestohlen", "verlustanzeige"),
    "verlegt": ("verlust", "verloren"),
    "gestohlen": ("verlust", "verloren", "diebstahl"),
    "geklaut": ("verlust", "gestohlen", "diebstahl"),
    "weg": ("verlust", "verloren"),
    "abgelaufen": ("gültig", "gültigkeit", "verlängerung"),
    "hochzeit": ("eheschließung", "heirat"),
    "heiraten": ("eheschließung", "heirat"),
    "führungszeugnis": ("polizeiliches",),
}
# Words callers add that say nothing about the topic.
FILLER = frozenset(
    text.stem(w)
    for w in [
        "neu",
        "neue",
        "neuer",
        "neuen",
        "neues",
        "brauche",
        "brauchen",
        "benötige",
        "benötigen",
        "möchte",
        "möchten",
        "will",
        "wollen",
        "bitte",
        "hallo",
        "frage",
        "fragen",
        "info",
        "infos",
        "information",
        "informationen",
        "hilfe",
        "dringend",
        "schnell",
        "gerne",
        "wissen",
        "mal",
    ]
)

TITLE_EXACT, TITLE_NEAR, BODY_EXACT, BODY_NEAR, FILLER_BONUS = 10.0, 6.0, 3.0, 2.0, 0.5
MIN_COMPOUND_HEAD = 5  # "ausweis" may end "personalausweis"; shorter words would end too many


@dataclass(frozen=True, slots=True)
class Concept:
    word: str  # as typed (lower case)
    stem: str
    near: frozenset[str]  # synonym and compound stems
    prefix: bool  # the last word while typing
    optional: bool  # a filler word

    def words(self) -> list[str]:
        """Raw/stemmed words the candidate search must look for."""
        return [self.word, *sorted(self.near)]


@dataclass(frozen=True, slots=True)
class Doc:
    id: int
    title: frozenset[str]  # stems of title, keywords and service name
    body: frozenset[str]  # stems of the body


def concepts(query: str, *, typing: bool, compounds: Mapping[str, Iterable[str]] | None = None) -> list[Concept]:
    """The query's concepts; `compounds` maps a query word to knowledge-base words ending in it."""
    words = list(dict.fromkeys(text.terms(query)))[:8]
    out = []
    for i, word in enumerate(words):
        stem = text.stem(word)
        near = {text.stem(s) for s in SYNONYMS.get(word, ())}
        near |= {text.stem(c) for c in (compounds or {}).get(word, ())}
        near.discard(stem)
        out.append(Concept(word, stem, frozenset(near), typing and i == len(words) - 1, stem in FILLER))
    return out


def _match(concept: Concept, stems: frozenset[str]) -> str | None:
    """ "exact", "near" or None."""
    if concept.stem in stems:
        return "exact"
    if concept.near & stems:
        return "near"
    if len(concept.stem) >= MIN_COMPOUND_HEAD and any(s.endswith(concept.stem) for s in stems):
        return "near"  # a compound with this head
    if concept.prefix and len(concept.stem) >= 2 and any(s.startswith(concept.stem) for s in stems):
        return "near"
    return None


def _concept_score(concept: Concept, doc: Doc) -> float:
    in_title = _match(concept, doc.title)
    if in_title:
        return TITLE_EXACT if in_title == "exact" else TITLE_NEAR
    in_body = _match(concept, doc.body)
    if in_body:
        return BODY_EXACT if in_body == "exact" else BODY_NEAR
    return 0.0


@dataclass(frozen=True, slots=True)
class Ranked:
    ids: list[int]
    mode: str  # "all", "any" or "none"
    unmatched: list[Concept]  # required concepts no document matched (candidates for typo correction)


def rank(query_concepts: list[Concept], docs: Iterable[Doc], *, limit: int = 10) -> Ranked:
    required = [c for c in query_concepts if not c.optional] or list(query_concepts)
    optional = [c for c in query_concepts if c.optional and c not in required]
    scored: list[tuple[int, float, int]] = []  # (missing, -score, id)
    matched_anywhere: set[str] = set()
    for doc in docs:
        scores = [_concept_score(c, doc) for c in required]
        for c, s in zip(required, scores, strict=True):
            if s:
                matched_anywhere.add(c.word)
        missing = sum(1 for s in scores if not s)
        if missing > 1 or (missing and len(required) < 3) or missing == len(required):
            continue
        bonus = sum(FILLER_BONUS for c in optional if _concept_score(c, doc))
        scored.append((missing, -(sum(scores) + bonus), doc.id))
    unmatched = [c for c in required if c.word not in matched_anywhere]
    if not scored:
        return Ranked([], "none", unmatched)
    best_missing = min(m for m, _s, _i in scored)
    hits = sorted((s, i) for m, s, i in scored if m == best_missing)
    return Ranked([i for _s, i in hits[:limit]], "all" if best_missing == 0 else "any", unmatched)
