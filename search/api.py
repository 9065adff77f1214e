"""What the rest of the site calls: run a search, complete a title, match frameworks.

Views and the catalog use these functions, never a backend directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from search.backends import IndexUnavailable, get_backend
from search.backends.base import PAGE_LEN, SearchResults, Suggestion
from search.models import DocKind
from search.query import ParsedQuery, parse

logger = logging.getLogger(__name__)

MAX_PAGE = 100
REQUEST_FILTERS = ("kind", "fkind", "status", "engine", "tag")


@dataclass
class Outcome:
    """A search as the views show it: results, or a plain message saying why not."""

    parsed: ParsedQuery
    results: SearchResults | None = None
    unavailable: IndexUnavailable | None = None
    messages: list[str] = field(default_factory=list)


def clean_filters(params) -> dict[str, str]:
    """kind=…&fkind=…&status=… from a request, kept only when they are plain values."""
    out = {}
    for name in REQUEST_FILTERS:
        value = str(params.get(name, "") or "").strip().lower()[:40]
        if value and all(c.isalnum() or c in "-_." for c in value):
            out[name] = value
    if out.get("kind") and out["kind"] not in DocKind.values:
        out.pop("kind")
    return out


def clean_page(value) -> int:
    try:
        page = int(str(value or "1")[:6])
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def run_search(
    raw: str, *, page: int = 1, pagelen: int = PAGE_LEN, filters: dict | None = None
) -> Outcome:
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
        results = backend.search(parsed, page=page, pagelen=pagelen, extra=filters)
        words = [t.word for t in parsed.words()]
        if words and (results.total == 0 or results.total < 3):
            corrections = backend.correct(words)
            if corrections:
                results.suggestion = parsed.display(corrections)
    except IndexUnavailable as exc:
        outcome.unavailable = exc
        return outcome
    if results.timed_out:
        outcome.messages.append("The search took too long; these are the results found so far.")
    outcome.results = results
    return outcome


def suggest(prefix: str, limit: int = 10) -> list[Suggestion]:
    """Up to `limit` title completions; an unavailable index gives none."""
    try:
        return get_backend().suggest(prefix, limit=min(max(limit, 1), 10))
    except IndexUnavailable:
        return []


def framework_ids_matching(q: str, limit: int = 1000) -> list[int] | None:
    """Framework entry ids matching the text query, best first — for the catalog list,
    to combine with its own filters (kind=micro, supports=jinja2). None when the query
    is empty or the index cannot answer (then the caller shows its unfiltered list)."""
    parsed = parse(q)
    if not parsed.has_positive:
        return None
    try:
        return get_backend().ids_matching(parsed, DocKind.FRAMEWORK, limit=limit)
    except IndexUnavailable:
        logger.warning("Search index unavailable: catalog text filter ignored.")
        return None
