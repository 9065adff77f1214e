"""PostgreSQL full-text search: for several web machines sharing one database.

Documents live in search.SearchDocument with a weighted tsvector (title A, tags B,
body C, built from accent-folded text with the English stemmer) under a GIN index.
Indexing runs in the outbox drain right after commit; a rebuild replaces every row in
one transaction, so readers see the old index until it commits. "Did you mean" uses
pg_trgm similarity over search.SearchWord; completion a trigram index on title_norm.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from html import escape

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Length, Substr

from search import query as q
from search.backends.base import (
    PAGE_LEN,
    Hit,
    IndexUnavailable,
    Progress,
    SearchBackend,
    SearchResults,
    Suggestion,
)
from search.documents import Document
from search.models import SearchDocument, SearchWord
from search.spelling import best_correction
from search.text import MARK_END, MARK_START, fold, normalize_title

logger = logging.getLogger(__name__)

CONFIG = "english"
WEIGHTS = {"title": "A", "tags": "B", "body": "C"}
RANK_WEIGHTS = [0.1, 0.4, 0.6, 1.0]  # D, C, B, A
FACET_FIELDS = ("kind", "fkind", "status")
HEADLINE_CHARS = 20000
_LEXEME_RE = re.compile(r"[^\W_]+")
_WORD_RE = re.compile(r"[a-z0-9]{3,30}")
UPDATE_FIELDS = [
    "kind", "object_id", "title", "title_norm", "body", "tags", "fkind", "status", "engines",
    "url", "updated", "digest",
]  # fmt: skip


def _bars(values: Iterable[str]) -> str:
    values = [fold(v) for v in values if v]
    return f"|{'|'.join(values)}|" if values else ""


def _plain(text: str) -> str:
    """PostgreSQL's text parser reads "<tag>" as markup and drops it; our bodies are
    already plain text, so angle brackets are shown as look-alikes and indexed as text."""
    return text.replace("<", "‹ ").replace(">", " ›")


def _row(doc: Document) -> SearchDocument:
    return SearchDocument(
        key=doc.key,
        kind=doc.kind,
        object_id=doc.object_id,
        title=doc.title[:300],
        title_norm=normalize_title(doc.title)[:300],
        body=_plain(doc.body),
        tags=_bars(doc.tags),
        fkind=doc.fkind,
        status=doc.status,
        engines=_bars(doc.engines),
        url=doc.url[:500],
        updated=doc.updated,
        digest=doc.digest,
    )


def _vector(doc: Document):
    def part(text: str, weight: str):
        return SearchVector(Value(text, output_field=TextField()), config=CONFIG, weight=weight)

    return (
        part(fold(doc.title), "A")
        + part(" ".join(fold(t).replace("-", " ") for t in doc.tags), "B")
        + part(fold(_plain(doc.body)), "C")
    )


class PostgresBackend(SearchBackend):
    name = "postgres"

    def _require_postgres(self) -> None:
        if connection.vendor != "postgresql":
            raise IndexUnavailable(
                "SEARCH_BACKEND is 'postgres' but the database is not PostgreSQL.",
                fix="set SEARCH_BACKEND=whoosh",
            )

    # ------------------------------------------------------------ writing

    def apply(self, docs: list[Document], remove: list[str]) -> None:
        self._require_postgres()
        with transaction.atomic():
            if remove:
                SearchDocument.objects.filter(key__in=remove).delete()
            if docs:
                SearchDocument.objects.bulk_create(
                    [_row(d) for d in docs],
                    update_conflicts=True,
                    unique_fields=["key"],
                    update_fields=UPDATE_FIELDS,
                )
                for doc in docs:
                    SearchDocument.objects.filter(key=doc.key).update(vector=_vector(doc))
                words = set()
                for doc in docs:
                    words.update(_WORD_RE.findall(fold(f"{doc.title} {doc.body}")))
                SearchWord.objects.bulk_create(
                    [SearchWord(word=w) for w in sorted(words)], ignore_conflicts=True
                )

    def rebuild(
        self, docs: Iterable[Document], total: int, progress: Progress | None = None
    ) -> int:
        self._require_postgres()
        count = 0
        batch: list[Document] = []
        with transaction.atomic():  # readers keep the old rows until this commits
            SearchDocument.objects.all().delete()
            SearchWord.objects.all().delete()
            for doc in docs:
                batch.append(doc)
                count += 1
                if len(batch) >= 200:
                    self.apply(batch, [])
                    batch = []
                    if progress:
                        progress(count)
            self.apply(batch, [])
        if progress:
            progress(count)
        return count

    def stamps(self) -> dict[str, str]:
        self._require_postgres()
        return dict(SearchDocument.objects.values_list("key", "digest"))

    def status(self) -> str | None:
        try:
            self._require_postgres()
        except IndexUnavailable as exc:
            return exc.message
        if not SearchDocument.objects.exists():
            return "The search index is empty."
        return None

    # ------------------------------------------------------------ reading

    def _tsquery(self, node) -> str | None:
        if isinstance(node, q.Term | q.Phrase):
            words = [node.word] if isinstance(node, q.Term) else list(node.words)
            lexemes = [lx for w in words for lx in _LEXEME_RE.findall(fold(w))]
            if not lexemes:
                return None
            weight = f":{WEIGHTS[node.field]}" if node.field in WEIGHTS else ""
            return "(" + " <-> ".join(f"'{lx}'{weight}" for lx in lexemes) + ")"
        if isinstance(node, q.Not):
            inner = self._tsquery(node.node)
            return f"!{inner}" if inner else None
        if isinstance(node, q.And | q.Or):
            parts = [p for p in (self._tsquery(n) for n in node.nodes) if p]
            if not parts:
                return None
            glue = " & " if isinstance(node, q.And) else " | "
            return "(" + glue.join(parts) + ")"
        return None

    def _filtered(self, pq: q.ParsedQuery, extra: dict | None):
        qs = SearchDocument.objects.all()
        filters = list(pq.filters) + [q.Filter(k, v) for k, v in (extra or {}).items() if v]
        for f in filters:
            if f.field in ("tag", "engine"):
                column = "tags" if f.field == "tag" else "engines"
                cond = Q(**{f"{column}__contains": f"|{fold(f.value)}|"})
            else:
                cond = Q(**{f.field: f.value})
            qs = qs.exclude(cond) if f.negated else qs.filter(cond)
        return qs

    def _ranked(self, pq: q.ParsedQuery, extra: dict | None):
        qs = self._filtered(pq, extra)
        tsq = self._tsquery(pq.text) if pq.text is not None else None
        positive_filters = any(not f.negated for f in pq.filters) or bool(extra)
        if tsq is None:
            if not positive_filters:
                return None, None
            return qs.annotate(rank=Value(0.0)).order_by("title"), None
        sq = SearchQuery(tsq, search_type="raw", config=CONFIG)
        words = [t.word for t in pq.words() if t.field in (None, "title")]
        exact = normalize_title(" ".join(words)) if words else None
        qs = qs.filter(vector=sq).annotate(
            rank=SearchRank(F("vector"), sq, weights=RANK_WEIGHTS),
            exact=Case(When(title_norm=exact, then=1), default=0, output_field=IntegerField()),
        )
        return qs.order_by("-exact", "-rank", "title"), sq

    def search(
        self,
        pq: q.ParsedQuery,
        *,
        page: int = 1,
        pagelen: int = PAGE_LEN,
        extra: dict | None = None,
        facets: bool = True,
    ) -> SearchResults:
        self._require_postgres()
        results = SearchResults(query=pq.display(), hits=[], total=0, page=page, pagelen=pagelen)
        qs, sq = self._ranked(pq, extra)
        if qs is None:
            return results
        try:
            with transaction.atomic():
                limit_ms = int(settings.SEARCH_TIME_LIMIT * 1000) * 4
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = {limit_ms:d}")
                if facets:
                    for name in FACET_FIELDS:
                        counts = qs.order_by().values(name).annotate(n=Count("id"))
                        results.facets[name] = {
                            row[name]: row["n"]
                            for row in sorted(counts, key=lambda r: (-r["n"], r[name]))
                            if row[name]
                        }
                    results.total = sum(results.facets["kind"].values())
                page_qs = qs[(page - 1) * pagelen : page * pagelen]
                if sq is not None:
                    page_qs = page_qs.annotate(
                        headline=SearchHeadline(
                            Substr("body", 1, HEADLINE_CHARS),
                            sq,
                            config=CONFIG,
                            start_sel=MARK_START,
                            stop_sel=MARK_END,
                            max_words=30,
                            min_words=12,
                            max_fragments=2,
                            fragment_delimiter=" … ",
                        )
                    )
                rows = list(page_qs)
        except DatabaseError as exc:  # statement_timeout, or a query the server refuses
            logger.warning("PostgreSQL search failed: %r", exc)
            results.timed_out = True
            return results
        if not facets:
            results.total = len(rows)
        for row in rows:
            headline = getattr(row, "headline", "") or row.body[:220]
            results.hits.append(
                Hit(
                    kind=row.kind,
                    object_id=row.object_id,
                    title=row.title,
                    url=row.url,
                    snippet=escape(headline)
                    .replace(MARK_START, "<mark>")
                    .replace(MARK_END, "</mark>"),
                    score=round(
                        float(row.rank or 0.0) + (1000.0 if getattr(row, "exact", 0) else 0.0), 4
                    ),
                    status=row.status,
                    fkind=row.fkind,
                )
            )
        return results

    def ids_matching(self, query: q.ParsedQuery, kind: str, limit: int = 1000) -> list[int]:
        self._require_postgres()
        qs, _sq = self._ranked(query, {"kind": kind})
        if qs is None:
            return []
        return list(qs.values_list("object_id", flat=True)[:limit])

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        self._require_postgres()
        words = normalize_title(prefix[:100]).split()[:6]
        if not words or sum(len(w) for w in words) < 2:
            return []
        qs = SearchDocument.objects.all()
        for w in words:
            w = w[:40]
            qs = qs.filter(Q(title_norm__startswith=w) | Q(title_norm__contains=f" {w}"))
        wanted = " ".join(words)
        qs = qs.annotate(
            starts=Case(
                When(title_norm__startswith=wanted, then=0), default=1, output_field=IntegerField()
            ),
            length=Length("title"),
        ).order_by("starts", "length", "title")
        return [Suggestion(title=d.title, url=d.url, kind=d.kind) for d in qs[:limit]]

    def correct(self, words: list[str]) -> dict[str, str]:
        self._require_postgres()
        corrections: dict[str, str] = {}
        for word in words:
            folded = fold(word)
            if len(folded) < 3 or folded.isdigit() or not _WORD_RE.fullmatch(folded):
                continue
            if SearchWord.objects.filter(word=folded).exists():
                continue
            candidates = {
                w: (-sim,)
                for w, sim in SearchWord.objects.annotate(sim=TrigramSimilarity("word", folded))
                .filter(sim__gt=0.2)
                .order_by("-sim")
                .values_list("word", "sim")[:30]
            }
            best = best_correction(folded, candidates)
            if best:
                corrections[word.lower()] = best
        return corrections
