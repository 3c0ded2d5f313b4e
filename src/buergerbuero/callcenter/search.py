"""Knowledge-base full-text search on SQLite FTS5 and PostgreSQL `german` text search, one results contract.

The database finds *candidates*: articles in the caller's scope, valid on the day, that contain any
stem of the expanded query (the words, their citizen synonyms and compound forms from the vocabulary,
the last word also as a prefix), up to CANDIDATES of them by id. Which candidates are shown and in
which order is decided by the pure `ranking` module on the articles' stemmed texts — the same Python on
both databases (see its docstring for the contract: every topic word must match, filler words are
optional, title before body, honest "nothing found" instead of weak single-word matches).
If a required word matches nothing, it is replaced by the closest words of the knowledge base's
vocabulary by trigram similarity (≥ 0.35, words of 5+ letters: typo tolerance) and the search runs again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from buergerbuero.callcenter import ranking, text
from buergerbuero.callcenter.models import Article, SearchTerm, SearchTrigram

MIN_SIMILARITY = 0.35
MIN_TYPO_WORD = 5  # shorter words ("Kfz", "Hund") are not corrected into other words
MAX_VOCAB_WORD = 60
CANDIDATES = 400
MAX_COMPOUNDS = 20

# (municipality id, service ids or None for every service); None as a whole = no restriction.
Scope = list[tuple[int, frozenset[int] | None]] | None


@dataclass(frozen=True, slots=True)
class Result:
    ids: list[int]
    mode: str  # "all", "any", "typo" or "none"
    corrected: str = ""  # the words the typo fallback searched for


# --- index maintenance (called by services) ---


def index_article(article: Article) -> None:
    """Keep the SQLite FTS5 shadow row of an article in step (PostgreSQL's column is generated)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM callcenter_article_fts WHERE rowid = %s", [article.pk])
        cursor.execute(
            "INSERT INTO callcenter_article_fts(rowid, title, body) VALUES (%s, %s, %s)",
            [article.pk, text.stemmed(article.index_title), text.stemmed(article.index_body)],
        )


def remove_article(article_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM callcenter_article_fts WHERE rowid = %s", [article_id])


def add_vocabulary(words) -> None:
    """Words for the typo fallback (new ones only)."""
    wanted = {w for w in words if 3 <= len(w) <= MAX_VOCAB_WORD and not w.isdigit() and w not in text.STOPWORDS}
    if not wanted:
        return
    known = set(SearchTerm.objects.filter(word__in=wanted).values_list("word", flat=True))
    new = sorted(wanted - known)
    if not new:
        return
    terms = SearchTerm.objects.bulk_create(
        [SearchTerm(word=w, grams=len(text.trigrams(w))) for w in new], ignore_conflicts=True
    )
    if any(t.pk is None for t in terms):  # SQLite with ignore_conflicts does not return ids
        terms = list(SearchTerm.objects.filter(word__in=new))
    SearchTrigram.objects.bulk_create(
        [SearchTrigram(term=t, gram=g) for t in terms for g in text.trigrams(t.word)],
        ignore_conflicts=True,
        batch_size=2000,
    )


# --- query ---


def _scope_sql(scope: Scope) -> tuple[str, list]:
    if scope is None:
        return "1=1", []
    if not scope:
        return "1=0", []
    parts, params = [], []
    for municipality, services in scope:
        if services is None:
            parts.append("a.municipality_id = %s")
            params.append(municipality)
        elif services:
            marks = ", ".join(["%s"] * len(services))
            parts.append(f"(a.municipality_id = %s AND a.service_id IN ({marks}))")
            params.extend([municipality, *sorted(services)])
    return ("(" + " OR ".join(parts) + ")" if parts else "1=0"), params


def _run(
    words: list[str], *, any_word: bool, prefix: bool, scope: Scope, day: dt.date, limit: int, by_id: bool = False
) -> list[int]:
    if not words:
        return []
    scope_sql, scope_params = _scope_sql(scope)
    valid_sql = "(a.valid_from IS NULL OR a.valid_from <= %s) AND (a.valid_to IS NULL OR a.valid_to >= %s)"
    if connection.vendor == "postgresql":
        joiner = " | " if any_word else " & "
        query = joiner.join(w + (":*" if prefix and i == len(words) - 1 else "") for i, w in enumerate(words))
        sql = (
            "SELECT a.id FROM callcenter_article a, to_tsquery('german'::regconfig, %s) q "
            f"WHERE a.search_vector @@ q AND {scope_sql} AND {valid_sql} "
            + ("ORDER BY a.id LIMIT %s" if by_id else "ORDER BY ts_rank(a.search_vector, q) DESC, a.id LIMIT %s")
        )
        params = [query, *scope_params, day, day, limit]
    else:
        stems = [text.stem(w) for w in words]
        joiner = " OR " if any_word else " "
        query = joiner.join(
            f'"{s}"' + ("*" if prefix and i == len(stems) - 1 else "") for i, s in enumerate(stems) if s
        )
        if not query:
            return []
        # CROSS JOIN keeps the full-text index the outer loop (SQLite does not reorder it): with a plain JOIN and
        # ORDER BY a.id the planner walked the articles in id order and ran the MATCH once per article – 0.5–1.5 s
        # per keystroke on 5,000 articles (docs/benchmarks.md, "Call center"). FTS5 yields rowids in order.
        sql = (
            "SELECT a.id FROM callcenter_article_fts f CROSS JOIN callcenter_article a ON a.id = f.rowid "
            f"WHERE callcenter_article_fts MATCH %s AND {scope_sql} AND {valid_sql} "
            + (
                "ORDER BY f.rowid LIMIT %s"
                if by_id
                else "ORDER BY bm25(callcenter_article_fts, 10.0, 1.0), a.id LIMIT %s"
            )
        )
        params = [query, *scope_params, day.isoformat(), day.isoformat(), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def corrections(word: str, limit: int = 2) -> list[str]:
    """The knowledge-base words closest to `word` by trigram similarity (best first)."""
    grams = text.trigrams(word)
    candidates = (
        SearchTrigram.objects.filter(gram__in=grams)
        .values("term_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "term_id")[:40]
    )
    shared = {row["term_id"]: row["shared"] for row in candidates}
    scored = []
    for term in SearchTerm.objects.filter(id__in=shared):
        similarity = shared[term.id] / (len(grams) + term.grams - shared[term.id])
        if similarity >= MIN_SIMILARITY and term.word != word:
            scored.append((-similarity, term.word))
    return [w for _s, w in sorted(scored)[:limit]]


def compounds(words: list[str]) -> dict[str, list[str]]:
    """Knowledge-base words that end in a query word ("ausweis" → "personalausweis"): compound heads."""
    out: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= ranking.MIN_COMPOUND_HEAD:
            found = SearchTerm.objects.filter(word__endswith=word).exclude(word=word).order_by("word")
            out[word] = list(found.values_list("word", flat=True)[:MAX_COMPOUNDS])
    return out


_DOCS: dict[tuple[int, object], ranking.Doc] = {}
_MAX_DOCS = 20_000


def _docs(ids: list[int]) -> list[ranking.Doc]:
    """Stemmed texts of the candidates; kept per process by (id, updated_at), so an edit is never stale."""
    rows = Article.objects.filter(pk__in=ids).values_list("pk", "updated_at")
    out, missing = [], []
    for pk, updated in rows:
        doc = _DOCS.get((pk, updated))
        (out.append(doc) if doc is not None else missing.append(pk))
    if missing:
        if len(_DOCS) > _MAX_DOCS:
            _DOCS.clear()
        for pk, updated, title, body in Article.objects.filter(pk__in=missing).values_list(
            "pk", "updated_at", "index_title", "index_body"
        ):
            doc = ranking.Doc(pk, frozenset(text.stemmed(title).split()), frozenset(text.stemmed(body).split()))
            _DOCS[(pk, updated)] = doc
            out.append(doc)
    return out


def _find(concepts: list[ranking.Concept], *, scope: Scope, day: dt.date, limit: int) -> ranking.Ranked:
    words = list(dict.fromkeys(w for c in concepts for w in c.words()))
    last = concepts[-1]
    prefix = last.prefix
    if prefix:  # the candidate query puts the prefix on its last word: the typed one
        words = [w for w in words if w != last.word] + [last.word]
    ids = _run(words, any_word=True, prefix=prefix, scope=scope, day=day, limit=CANDIDATES, by_id=True)
    return ranking.rank(concepts, _docs(ids), limit=limit)


def search(query: str, *, scope: Scope, day: dt.date, limit: int = 10) -> Result:
    words = text.terms(query)[:8]
    if not words or all(len(w) < 2 for w in words):
        return Result([], "none")
    typing = not query.endswith(" ")
    concepts = ranking.concepts(query, typing=typing, compounds=compounds(words))
    found = _find(concepts, scope=scope, day=day, limit=limit)
    if found.ids:
        return Result(found.ids, found.mode)
    if not found.unmatched:
        return Result([], "none")
    fixed_words: list[str] = []
    fixed: list[ranking.Concept] = []
    for concept in concepts:
        if concept not in found.unmatched:
            fixed.append(concept)
            continue
        options = corrections(concept.word) if len(concept.word) >= MIN_TYPO_WORD else []
        if not options:
            return Result([], "none")  # a topic word nothing resembles: no article covers it
        fixed_words.extend(options)
        # The corrections stand in for the typed word: any of them matches the concept.
        best = text.stem(options[0])
        near = frozenset(text.stem(o) for o in options[1:]) - {best}
        fixed.append(ranking.Concept(options[0], best, near, False, concept.optional))
    found = _find(fixed, scope=scope, day=day, limit=limit)
    if found.ids:
        return Result(found.ids, "typo", " ".join(dict.fromkeys(fixed_words)))
    return Result([], "none")
