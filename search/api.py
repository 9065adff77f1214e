"""What the rest of the site calls: run a search, complete a title, match an app's ids.

Views and the apps use these functions, never a backend directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from search import registry
from search.backends import IndexUnavailable, get_backend
from search.backends.base import PAGE_LEN, SearchResults, Suggestion
from search.expand import expand
from search.models import SearchMiss
from search.query import ParsedQuery, parse
from search.text import fold

logger = logging.getLogger(__name__)

MAX_PAGE = 100
MAX_MISSES = 10_000  # rows kept; past that, only known queries are counted
PARTIAL_NOTE = "No result has all of your words: these have some of them."


@dataclass
class Outcome:
    """A search as the views show it: results, or a plain message saying why not."""

    parsed: ParsedQuery
    results: SearchResults | None = None
    unavailable: IndexUnavailable | None = None
    messages: list[str] = field(default_factory=list)
    partial: bool = False  # the results match some of the words, not all
    corrected: str | None = None  # nothing matched: these are the results for this spelling


def clean_filters(params) -> dict[str, str]:
    """kind=…&fkind=…&status=… from a request, kept only when they are plain values of a
    registered filter."""
    out = {}
    for name in registry.filter_names().values():
        value = str(params.get(name, "") or "").strip().lower()[:40]
        if value and all(c.isalnum() or c in "-_." for c in value):
            out[name] = value
    if out.get("kind") and out["kind"] not in registry.kind_labels():
        out.pop("kind")
    return out


def clean_page(value) -> int:
    try:
        page = int(str(value or "1")[:6])
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def run_search(
    raw: str,
    *,
    page: int = 1,
    pagelen: int = PAGE_LEN,
    filters: dict | None = None,
    record: bool = False,
) -> Outcome:
    """Search as a reader means it: the query expanded (synonyms, words typed apart); when
    nothing has all the words, the best partial matches with a note; "did you mean" when
    few results; each long page's best section. record=True counts a query that found
    nothing (the search page does; the API and the catalog do not)."""
    parsed = parse(raw)
    outcome = Outcome(parsed=parsed, messages=list(parsed.notes))
    if parsed.is_empty and not filters:
        if raw.strip():
            outcome.messages.append(
                "Nothing in that query could be searched for: try a few plain words."
            )
        return outcome
    if not parsed.has_positive and not (filters or {}):
        outcome.messages.append("Add a word to search for, not only words to leave out.")
        return outcome
    backend = get_backend()
    try:
        expanded = expand(parsed)
        results = backend.search(expanded, page=page, pagelen=pagelen, extra=filters)
        words = [t.word for t in parsed.words()]
        if results.total == 0 and words and all(backend.is_stop_word(w) for w in words):
            listed = ", ".join(f"“{w}”" for w in words)
            outcome.messages.append(
                f"{listed} {'is' if len(words) == 1 else 'are'} too common to search for: "
                "add a more specific word."
            )
            outcome.results = results
            return outcome
        if results.total == 0 and record:
            record_miss(raw)
        relaxed = parsed.relaxed() if results.total == 0 else None
        if relaxed is not None:
            relaxed = expand(relaxed)
            partial = backend.search(relaxed, page=page, pagelen=pagelen, extra=filters)
            if partial.total:
                partial.query = results.query
                results = partial
                outcome.partial = True
                outcome.messages.append(PARTIAL_NOTE)
        if words and results.total < 3:
            corrections = backend.correct(words)
            if corrections:
                results.suggestion = parsed.display(corrections)
        if results.total == 0 and results.suggestion:
            # Nothing at all: show what the likely spelling finds, and say so.
            fixed = parse(results.suggestion)
            found = backend.search(expand(fixed), page=page, pagelen=pagelen, extra=filters)
            if found.total:
                found.suggestion = results.suggestion
                found.query = results.query
                outcome.corrected = results.suggestion
                results = found
                outcome.messages.append(
                    f"Nothing matches “{parsed.display()}”: showing results for "
                    f"“{results.suggestion}”."
                )
                relaxed = fixed
        shown = relaxed if (outcome.partial or outcome.corrected) else expanded
        _attach_sections(backend, expand(shown) if outcome.corrected else shown, results)
    except IndexUnavailable as exc:
        outcome.unavailable = exc
        return outcome
    if results.timed_out:
        outcome.messages.append("The search took too long; these are the results found so far.")
    outcome.results = results
    return outcome


def _attach_sections(backend, parsed: ParsedQuery, results: SearchResults) -> None:
    """Link a long page's hit to the section the words are in."""
    keys = [f"{h.kind}:{h.object_id}" for h in results.hits]
    if not keys or parsed.text is None:
        return
    sections = backend.best_sections(parsed, keys)
    for hit in results.hits:
        hit.section = sections.get(f"{hit.kind}:{hit.object_id}")


def record_miss(raw: str) -> None:
    """Count a query that found nothing (query, count, last seen); never fails a search."""
    query = " ".join(fold(raw).split())[:200]
    if not query:
        return
    try:
        with transaction.atomic():
            now = timezone.now()
            updated = SearchMiss.objects.filter(query=query).update(
                count=F("count") + 1, last_seen=now
            )
            if not updated and SearchMiss.objects.count() < MAX_MISSES:
                SearchMiss.objects.get_or_create(query=query)
    except DatabaseError as exc:  # a read-only or locked database: searching still works
        logger.warning("Could not count a query without results: %r", exc)


def suggest(prefix: str, limit: int = 10) -> list[Suggestion]:
    """Up to `limit` completions — entries, pages and sections; none when the index is
    unavailable."""
    try:
        return get_backend().suggest(prefix, limit=min(max(limit, 1), 10))
    except IndexUnavailable:
        return []


def ids_matching(q: str, kind: str, limit: int = 1000) -> list[int] | None:
    """Object ids of one kind matching the text query, best first — for an app's own list
    to combine with its filters. None when the query is empty or the index cannot answer
    (then the caller shows its unfiltered list)."""
    parsed = parse(q)
    if not parsed.has_positive:
        return None
    try:
        return get_backend().ids_matching(expand(parsed), kind, limit=limit)
    except IndexUnavailable:
        logger.warning("Search index unavailable: text filter ignored.")
        return None
