"""PostgreSQL full-text search: for several web machines sharing one database, and for
indexes past what one machine's Whoosh directory serves well.

Documents (and the sections of long pages) live in search.SearchDocument with two
tsvectors under GIN indexes: `names` (title and other names) and `vector` (title and names
A, about and tags B, body C), built from folded text with its compounds spelled out.

A query never ranks every matching row. It takes a bounded candidate set — the exact
title, then the rows whose head (title, names, about, tags: weights A and B, under their
own GIN index on ts_filter(vector)) matches, at most CANDIDATES; only when those are fewer,
body matches up to the same cap — and ranks only those with ts_rank, an exact-name bonus,
a name bonus and the document's prior. Below the cap the total and the facet counts are
exact; above it they count the candidates and say "more than". "Did you mean" uses pg_trgm
over search.SearchWord; completion a trigram index on title_norm.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, IntegerField, Q, When
from django.db.models.functions import Length

from search import query as q
from search import registry
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
from search.text import MARK_END, MARK_START, exact_names, fold, normalize_title, with_compounds

logger = logging.getLogger(__name__)

CONFIG = "english"
TABLE = SearchDocument._meta.db_table
# ts_rank's weights for D, C, B, A.
RANK_WEIGHTS = "{0.05, 0.25, 0.6, 1.0}"
EXACT_BONUS = 10.0
NAME_BONUS = 0.3  # every word of the query in the title or another name
PRIOR_BONUS = 0.15
CANDIDATES = 200
GIN_FUZZY_LIMIT = 5000
# The head of a document's vector: title and names (A), about and tags (B); GIN-indexed.
HEAD = "ts_filter(d.vector, '{a,b}')"
HEADLINE_CHARS = 6000
_LEXEME_RE = re.compile(r"[^\W_]+")
_WORD_RE = re.compile(r"[a-z0-9]{3,30}")

COLUMNS = [
    "key", "kind", "object_id", "parent", "title", "context", "title_norm", "exact", "body",
    "tags", "facets", "prior", "url", "updated", "digest",
]  # fmt: skip
_UPSERT = (
    f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}, names, vector) VALUES "
    f"({', '.join(['%s'] * len(COLUMNS))}, "
    "setweight(to_tsvector(%s::regconfig, %s), 'A'), "
    "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
    "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
    "setweight(to_tsvector(%s::regconfig, %s), 'C')) "
    "ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in [*COLUMNS[1:], "names", "vector"])
)


def _bars(values: Iterable[str]) -> str:
    values = [v for v in values if v]
    return f"|{'|'.join(values)}|" if values else ""


def _plain(text: str) -> str:
    """PostgreSQL's text parser reads "<tag>" as markup and drops it; our bodies are
    already plain text, so angle brackets are shown as look-alikes and indexed as text."""
    return text.replace("<", "‹ ").replace(">", " ›")


def row_values(doc: Document) -> list:
    """The upsert's parameters for one document: columns, then the text of each vector."""
    names = " ".join(doc.names)
    title_text = fold(with_compounds(f"{doc.title} {names}"))
    about = fold(with_compounds(f"{doc.about} {' '.join(t.replace('-', ' ') for t in doc.tags)}"))
    return [
        doc.key[:200],
        doc.kind[:32],
        doc.object_id,
        doc.parent[:200],
        doc.title[:300],
        doc.context[:300],
        normalize_title(doc.title)[:300],
        _bars(exact_names(doc.title, *doc.names)),
        _plain(doc.body),
        _bars(fold(t) for t in doc.tags),
        _bars(fold(t) for t in doc.facet_tokens()),
        doc.prior,
        doc.url[:500],
        doc.updated,
        doc.digest,
        CONFIG,
        title_text,
        CONFIG,
        title_text,
        CONFIG,
        about,
        CONFIG,
        fold(with_compounds(_plain(doc.body))),
    ]


def _with_sections(docs: Iterable[Document]):
    for doc in docs:
        yield doc
        yield from doc.section_documents()


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
            gone = [*remove, *(d.key for d in docs)]
            if gone:
                # A document's sections go with it (and come back with it below).
                SearchDocument.objects.filter(parent__in=gone).delete()
                SearchDocument.objects.filter(key__in=remove).delete()
            if docs:
                self._insert(list(_with_sections(docs)))
                words = set()
                for doc in docs:
                    words.update(_WORD_RE.findall(fold(f"{doc.title} {doc.body}")))
                SearchWord.objects.bulk_create(
                    [SearchWord(word=w) for w in sorted(words)], ignore_conflicts=True
                )

    def _insert(self, rows: list[Document]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(_UPSERT, [row_values(d) for d in rows])

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
        return dict(SearchDocument.objects.filter(parent="").values_list("key", "digest"))

    def status(self) -> str | None:
        try:
            self._require_postgres()
        except IndexUnavailable as exc:
            return exc.message
        if not SearchDocument.objects.exists():
            return "The search index is empty."
        return None

    def is_stop_word(self, word: str) -> bool:
        return _is_stop_word(fold(word)[:60])

    # ------------------------------------------------------------ reading

    def _tsquery(self, node, weights: str = "") -> str | None:
        if isinstance(node, q.Term | q.Phrase):
            words = [node.word] if isinstance(node, q.Term) else list(node.words)
            lexemes = [lx for w in words for lx in _LEXEME_RE.findall(fold(w))]
            lexemes = [lx for lx in lexemes if not _is_stop_word(lx)]
            if not lexemes:
                return None
            weight = {"title": ":A", "body": ":C"}.get(node.field or "", weights)
            return "(" + " <-> ".join(f"'{lx}'{weight}" for lx in lexemes) + ")"
        if isinstance(node, q.Not):
            inner = self._tsquery(node.node, weights)
            return f"!{inner}" if inner else None
        if isinstance(node, q.And | q.Or):
            parts = [p for p in (self._tsquery(n, weights) for n in node.nodes) if p]
            if not parts:
                return None
            glue = " & " if isinstance(node, q.And) else " | "
            return "(" + glue.join(parts) + ")"
        return None

    def _where(self, pq: q.ParsedQuery, extra: dict | None) -> tuple[str, list]:
        """The filters as SQL over alias d (sections are never results on their own)."""
        sql, params = ["d.parent = ''"], []
        filters = list(pq.filters) + [q.Filter(k, v) for k, v in (extra or {}).items() if v]
        for f in filters:
            if f.field == registry.KIND:
                cond, value = "d.kind = %s", f.value
            elif f.field == registry.TAG:
                cond, value = "string_to_array(d.tags, '|') @> ARRAY[%s]", fold(f.value)
            else:
                cond = "string_to_array(d.facets, '|') @> ARRAY[%s]"
                value = f"{f.field}={fold(f.value)}"
            sql.append(f"NOT ({cond})" if f.negated else cond)
            params.append(value)
        return " AND ".join(sql), params

    def _candidates(self, pq: q.ParsedQuery, extra: dict | None, cursor):
        """[(id, kind, facets, score)] for at most 20 + CANDIDATES rows, and whether
        the cap was reached; None when there is nothing to search for."""
        where, params = self._where(pq, extra)
        tsq = self._tsquery(pq.text) if pq.text is not None else None
        positive_filters = any(not f.negated for f in pq.filters) or any((extra or {}).values())
        limit_ms = int(settings.SEARCH_TIME_LIMIT * 1000) * 4
        # gin_fuzzy_search_limit: a GIN scan of a very common word returns about this many
        # matches (a random sample) instead of building a bitmap of all of them. Far above
        # CANDIDATES, so it only ever thins what would be cut at the cap anyway.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true), "
            "set_config('gin_fuzzy_search_limit', %s, true)",
            [str(limit_ms), str(GIN_FUZZY_LIMIT)],
        )
        if tsq is None:
            if not positive_filters:
                return None
            cursor.execute(
                f"SELECT d.id, d.kind, d.facets, 0.0 FROM {TABLE} d WHERE {where} "
                "ORDER BY d.title LIMIT %s",
                [*params, CANDIDATES + 1],
            )
            rows = cursor.fetchall()
            return rows[:CANDIDATES], len(rows) > CANDIDATES
        name_words = pq.name_words()
        exact = normalize_title(" ".join(name_words)) if name_words else ""
        # Each part scores the rows it reads (one visit per row). First the exact title and
        # the rows matching in their head — title, names, about, tags: the A and B
        # weights, under their own GIN index — at most CANDIDATES; only when those are
        # fewer, the rows matching in the body too. A common word never makes PostgreSQL
        # read every matching row's body, and what is ranked is what ranks best anyway.
        tsq_sql = "to_tsquery(%s::regconfig, %s)"

        def select(part: int) -> str:
            return (
                f"SELECT d.id, d.kind, d.facets, ts_rank(%s::float4[], d.vector, {tsq_sql}, 1)"
                " + CASE WHEN d.exact LIKE %s THEN %s ELSE 0 END"
                f" + CASE WHEN d.names @@ {tsq_sql} THEN %s ELSE 0 END"
                f" + d.prior * %s, {part:d} FROM {TABLE} d"
            )

        like = f"%|{exact}|%" if exact else "-"
        select_params = [
            RANK_WEIGHTS, CONFIG, tsq, like, EXACT_BONUS, CONFIG, tsq, NAME_BONUS, PRIOR_BONUS,
        ]  # fmt: skip
        cursor.execute(
            f"({select(1)} WHERE d.title_norm = %s AND {where} LIMIT 20) UNION ALL "
            f"({select(2)} WHERE {HEAD} @@ {tsq_sql} AND {where} LIMIT %s)",
            [*select_params, exact, *params, *select_params, CONFIG, tsq, *params, CANDIDATES + 1],
        )
        rows = cursor.fetchall()
        head = sum(1 for r in rows if r[4] == 2)
        capped = head > CANDIDATES
        if not capped:
            cursor.execute(
                f"{select(3)} WHERE d.vector @@ {tsq_sql} AND NOT ({HEAD} @@ {tsq_sql}) "
                f"AND {where} LIMIT %s",
                [*select_params, CONFIG, tsq, CONFIG, tsq, *params, CANDIDATES - head + 1],
            )
            body = cursor.fetchall()
            capped = len(body) > CANDIDATES - head
            rows += body
        found: dict[int, tuple] = {}
        for row in rows:
            found.setdefault(row[0], row[:4])
        return list(found.values()), capped

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
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                found = self._candidates(pq, extra, cursor)
                if found is None:
                    return results
                rows, capped = found
                rows.sort(key=lambda r: (-r[3], r[0]))
                results.total, results.capped = len(rows), capped
                if facets:
                    results.facets = _facet_counts(rows)
                page_rows = rows[(page - 1) * pagelen : page * pagelen]
                results.hits = self._hits(cursor, pq, page_rows)
        except DatabaseError as exc:  # statement_timeout, or a query the server refuses
            logger.warning("PostgreSQL search failed: %r", exc)
            results.timed_out = True
        return results

    def _hits(self, cursor, pq: q.ParsedQuery, page_rows) -> list[Hit]:
        return [hit for _id, hit in self._hits_by_id(cursor, pq, page_rows)]

    def _hits_by_id(self, cursor, pq: q.ParsedQuery, page_rows) -> list[tuple[int, Hit]]:
        if not page_rows:
            return []
        tsq = self._tsquery(pq.text) if pq.text is not None else None
        ids = [r[0] for r in page_rows]
        scores = {r[0]: r[3] for r in page_rows}
        if tsq is not None:
            # Around the first occurrence of a query word (its first letters: a stem may
            # end sooner), not the whole body: ts_headline parses all it is given.
            lead = next(iter(_LEXEME_RE.findall(fold(" ".join(pq.name_words())))), "")[:5]
            headline = (
                "ts_headline(%s::regconfig, substr(d.body, "
                "greatest(1, strpos(lower(d.body), %s) - 200), %s), "
                "to_tsquery(%s::regconfig, %s), %s)"
            )
            options = (
                f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
                'MaxFragments=2, FragmentDelimiter=" … "'
            )
            params = [CONFIG, lead or " ", HEADLINE_CHARS, CONFIG, tsq, options]
        else:
            headline, params = "substr(d.body, 1, 220)", []
        cursor.execute(
            f"SELECT d.id, d.kind, d.object_id, d.title, d.url, d.facets, d.context, {headline} "
            f"FROM {TABLE} d WHERE d.id = ANY(%s)",
            [*params, ids],
        )
        by_id = {row[0]: row for row in cursor.fetchall()}
        hits = []
        for row_id in ids:
            row = by_id.get(row_id)
            if row is None:
                continue
            _id, kind, object_id, title, url, facets, context, snippet = row
            hits.append(
                (
                    row_id,
                    Hit(
                        kind=kind,
                        object_id=object_id,
                        title=title,
                        url=url,
                        snippet=escape(snippet or "")
                        .replace(MARK_START, "<mark>")
                        .replace(MARK_END, "</mark>"),
                        score=round(float(scores[row_id] or 0.0), 4),
                        facets=_first_values(facets),
                        context=context,
                    ),
                )
            )
        return hits

    def best_sections(self, pq: q.ParsedQuery, keys: list[str]) -> dict[str, Hit]:
        self._require_postgres()
        tsq = self._tsquery(pq.text) if pq.text is not None else None
        if not keys or tsq is None:
            return {}
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"""SELECT DISTINCT ON (d.parent) d.parent, d.id,
                           ts_rank(%s::float4[], d.vector, to_tsquery(%s::regconfig, %s), 1)
                    FROM {TABLE} d
                    WHERE d.parent = ANY(%s) AND d.vector @@ to_tsquery(%s::regconfig, %s)
                    ORDER BY d.parent, 3 DESC, d.id""",
                    [RANK_WEIGHTS, CONFIG, tsq, keys, CONFIG, tsq],
                )
                best = cursor.fetchall()
                hits = dict(self._hits_by_id(cursor, pq, [(r[1], "", "", r[2]) for r in best]))
        except DatabaseError as exc:
            logger.warning("PostgreSQL section search failed: %r", exc)
            return {}
        return {parent: hits[row_id] for parent, row_id, _rank in best if row_id in hits}

    def ids_matching(self, query: q.ParsedQuery, kind: str, limit: int = 1000) -> list[int]:
        results = self.search(query, page=1, pagelen=limit, extra={"kind": kind}, facets=False)
        return [h.object_id for h in results.hits]

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        self._require_postgres()
        words = normalize_title(prefix[:100]).split()[:6]
        if not words or sum(len(w) for w in words) < 2:
            return []
        qs = SearchDocument.objects.all()
        for w in words:
            w = w[:40]
            qs = qs.filter(
                Q(title_norm__startswith=w)
                | Q(title_norm__contains=f" {w}")
                | Q(exact__contains=f"|{w}")
                | Q(exact__contains=f" {w}")
            )
        wanted = " ".join(words)
        qs = qs.annotate(
            starts=Case(
                When(title_norm__startswith=wanted, then=0),
                When(exact__contains=f"|{wanted}", then=0),
                default=1,
                output_field=IntegerField(),
            ),
            is_section=Case(When(parent="", then=0), default=1, output_field=IntegerField()),
            length=Length("title"),
        ).order_by("starts", "-prior", "is_section", "length", "title")
        return [
            Suggestion(title=d.title, url=d.url, kind=d.kind, context=d.context) for d in qs[:limit]
        ]

    def correct(self, words: list[str]) -> dict[str, str]:
        self._require_postgres()
        corrections: dict[str, str] = {}
        for word in words:
            folded = fold(word)
            if len(folded) < 3 or folded.isdigit() or not _WORD_RE.fullmatch(folded):
                continue
            if _is_stop_word(folded) or SearchWord.objects.filter(word=folded).exists():
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


def _first_values(facets: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for token in (facets or "").strip("|").split("|"):
        name, _, value = token.partition("=")
        if value:
            out.setdefault(name, value)
    return out


def _facet_counts(rows) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for _id, kind, facets, _score in rows:
        by_kind = counts.setdefault(registry.KIND, {})
        by_kind[kind] = by_kind.get(kind, 0) + 1
        for token in (facets or "").strip("|").split("|"):
            name, _, value = token.partition("=")
            if value:
                values = counts.setdefault(name, {})
                values[value] = values.get(value, 0) + 1
    shown = [f.name for f in registry.shown_facets()]
    return {
        name: dict(sorted(counts.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0])))
        for name in shown
    }


@lru_cache(maxsize=4096)
def _is_stop_word(word: str) -> bool:
    """PostgreSQL's English stop list (the index drops these words)."""
    if not word or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT ts_lexize('english_stem', %s)", [word])
        row = cursor.fetchone()
    return row is not None and row[0] == []
