"""Knowledge-base full-text search on SQLite FTS5 and PostgreSQL `german` text search, one results contract.

Contract (tested on both databases with the same corpus and expectations):
1. The query is split into words; stop words (PostgreSQL's german.stop) are dropped; every word is
   matched by its German Snowball stem; the last word also matches as a prefix while the agent types.
2. All words must match (AND). If nothing matches, any word may match (OR).
3. If still nothing matches, each word is replaced by the closest words of the knowledge base's
   vocabulary by trigram similarity (≥ 0.35, typo tolerance), and the OR query runs again.
4. Results are ranked: a hit in title/keywords/service name (weight A) beats a hit in the body (B);
   ties by article id. Only articles in the caller's scope and valid on the day are returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from buergerbuero.callcenter import text
from buergerbuero.callcenter.models import Article, SearchTerm, SearchTrigram

MIN_SIMILARITY = 0.35
MAX_VOCAB_WORD = 60

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


def _run(words: list[str], *, any_word: bool, prefix: bool, scope: Scope, day: dt.date, limit: int) -> list[int]:
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
            "ORDER BY ts_rank(a.search_vector, q) DESC, a.id LIMIT %s"
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
        sql = (
            "SELECT a.id FROM callcenter_article_fts f JOIN callcenter_article a ON a.id = f.rowid "
            f"WHERE callcenter_article_fts MATCH %s AND {scope_sql} AND {valid_sql} "
            "ORDER BY bm25(callcenter_article_fts, 10.0, 1.0), a.id LIMIT %s"
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


def search(query: str, *, scope: Scope, day: dt.date, limit: int = 10) -> Result:
    words = text.terms(query)[:8]
    if not words or all(len(w) < 2 for w in words):
        return Result([], "none")
    prefix = not query.endswith(" ")
    ids = _run(words, any_word=False, prefix=prefix, scope=scope, day=day, limit=limit)
    if ids:
        return Result(ids, "all")
    if len(words) > 1:
        ids = _run(words, any_word=True, prefix=prefix, scope=scope, day=day, limit=limit)
        if ids:
            return Result(ids, "any")
    fixed: list[str] = []
    for word in words:
        fixed.extend(corrections(word) if len(word) >= 4 else [])
    if fixed:
        ids = _run(fixed, any_word=True, prefix=False, scope=scope, day=day, limit=limit)
        if ids:
            return Result(ids, "typo", " ".join(dict.fromkeys(fixed)))
    return Result([], "none")
