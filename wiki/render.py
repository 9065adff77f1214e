"""Rendering a page body, for every caller: save, preview, re-link, catalog description,
import.

:func:`render` resolves the link targets the body may name (a few indexed queries, here,
in the calling process), then converts the body in a time-limited worker process
(wiki/sandbox.py) with the pure converter (wiki/markup.py). A body the converter cannot
finish within ``WIKI_RENDER_TIMEOUT`` seconds — whatever its shape — comes back as its
escaped text with a note saying so; nothing is guessed from the text beforehand.
Callers render *before* opening the transaction that stores the result, so a slow
body never holds the database's write lock.

:func:`render_many` does the same for a bulk import, several workers at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from django.conf import settings

from wiki.links import MissingPageUrls, lookup_pages, registry, resolve_pages
from wiki.markup import Rendered, Targets, convert, defuse, link_candidates, unrendered
from wiki.sandbox import Failed, Overrun, Sandbox, run_many

logger = logging.getLogger(__name__)

TOO_SLOW = "This text took too long to format."
BROKEN = "This text could not be formatted."
MIN_ITEMS_FOR_WORKERS = 16

_sandbox = Sandbox()


def timeout() -> float:
    return float(getattr(settings, "WIKI_RENDER_TIMEOUT", 5.0))


def resolve_targets(body: str) -> Targets:
    """Every target the body may link to, resolved now (two or three queries)."""
    page_keys, prefixed = link_candidates(body)
    targets = Targets(
        pages=resolve_pages(page_keys),
        prefixes=registry.specs(),
        missing=MissingPageUrls.current(),
    )
    for name, keys in prefixed.items():
        for key, target in registry.get(name).resolve(keys).items():
            targets.prefixed[(name, key)] = target
    return targets


def _fallback(body: str, problem: Exception) -> Rendered:
    if isinstance(problem, Overrun):
        logger.warning("Rendering gave up after %.1f s (%d characters).", timeout(), len(body))
        return unrendered(body, TOO_SLOW)
    logger.error("Rendering failed: %s", problem)
    return unrendered(body, BROKEN)


def render(body: str) -> Rendered:
    """Markdown → sanitized HTML and the links it names, in bounded time."""
    body = defuse(body)
    targets = resolve_targets(body)
    try:
        return _sandbox.call(convert, body, targets, timeout=timeout())
    except (Overrun, Failed) as problem:
        return _fallback(body, problem)


def render_preview(body: str) -> str:
    """The admin's live preview: the same code path as a save."""
    return render(body).html


def render_many(
    items: list[tuple[object, str]], *, workers: int | None = None
) -> Iterator[tuple[object, Rendered]]:
    """Render many (key, body) pairs, yielding (key, Rendered) as they finish — in
    `workers` worker processes at once (one a core by default), each body in its own
    time. Targets are resolved here, as each body is handed out."""
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < MIN_ITEMS_FOR_WORKERS:
        for key, body in items:
            yield key, render(body)
        return
    bodies: dict[object, str] = {}

    def prepared():
        for key, body in items:
            body = bodies[key] = defuse(body)
            yield key, (body, resolve_targets(body))

    for key, result in run_many(convert, prepared(), workers=workers, timeout=timeout()):
        body = bodies.pop(key)
        yield key, _fallback(body, result) if isinstance(result, Exception) else result


def targets_moved_since(rendered: Rendered) -> bool:
    """Whether a link target the render resolved has appeared, moved or gone since (the
    render ran before this transaction): then the page is re-rendered after the commit."""
    pages = {link.key: link.target_pk for link in rendered.links if link.kind == "page"}
    if pages:
        now = {key: row[0] for key, row in lookup_pages(pages).items()}
        if any(now.get(key) != pk for key, pk in pages.items()):
            return True
    prefixed: dict[str, dict[str, bool]] = {}
    for link in rendered.links:
        if link.kind != "page":
            prefixed.setdefault(link.kind, {})[link.key] = link.resolved
    for kind, keys in prefixed.items():
        spec = registry.get(kind)
        if spec is None:
            continue
        found = spec.resolve(set(keys))
        if any((key in found and found[key].exists) != ok for key, ok in keys.items()):
            return True
    return False
