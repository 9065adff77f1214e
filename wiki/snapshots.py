"""Stored anonymous responses of wiki pages: a page view is one indexed query.

The first anonymous view of a page's bare URL renders it as usual and stores the body,
gzip-compressed, with its ETag, the page's ``version`` it was rendered from and the
layout stamp (core/layout.py) — one PageSnapshot row per page. Later anonymous views
read, by the page's slug and in one query, the row whose version is the page's current
one, and serve it: the gzip bytes as they are to clients that accept gzip, else
decompressed; a 304 when the reader already has it.

Never stale, and nothing to delete: whatever changes what a page shows bumps its version
in the changing transaction (core/changes.py), and a row made from another version is
not served. A view that rendered while a save committed stores a row labelled with the
version it read, which the save has already outdated. A deploy that changes templates,
static names or the page-building code changes the layout stamp.

This module stores and reads rows; the HTTP side (ETags, 304s, gzip negotiation) is in
wiki/http.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.db.models import F
from django.test import RequestFactory
from django.urls import resolve, reverse

from core import layout
from core.storage import short_lock_wait
from wiki.models import Page, PageSnapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    etag: str
    content: bytes  # gzip


_select_sql: str | None = None


def _select() -> str:
    """The SQL of the one query, compiled by the ORM once a process (a join on the page's
    unique slug and the snapshot's primary key) and then run with the slug alone."""
    global _select_sql
    if _select_sql is None:
        query = (
            PageSnapshot.objects.filter(page__slug="-")
            .order_by()
            .values_list("layout", "etag", "content", "version", "page__version")
            .query
        )
        sql, params = query.get_compiler(connection=connection).as_sql()
        assert list(params) == ["-"], params
        _select_sql = sql
    return _select_sql


def fetch(slug: str) -> Snapshot | None:
    """The page's stored response for its current version in today's layout, else None."""
    with connection.cursor() as cursor:
        cursor.execute(_select(), [slug])
        row = cursor.fetchone()
    if row is None or row[0] != layout.stamp() or row[3] != row[4]:
        return None
    return Snapshot(etag=row[1], content=bytes(row[2]))


def store(page_id: int, version: int, snapshot: Snapshot) -> bool:
    """Store the page's snapshot as made from `version`. Best effort: it waits at most a
    moment for a lock (a save holding SQLite's write lock must not stall a reader), and a
    failure is logged, never raised (the next view tries again)."""
    try:
        with short_lock_wait():
            _upsert(page_id, version, snapshot)
        return True
    except DatabaseError:
        logger.info("page snapshot of %s not stored", page_id, exc_info=True)
        return False


def _upsert(page_id: int, version: int, snapshot: Snapshot) -> None:
    PageSnapshot.objects.bulk_create(
        [
            PageSnapshot(
                page_id=page_id,
                version=version,
                layout=layout.stamp(),
                etag=snapshot.etag,
                content=snapshot.content,
            )
        ],
        update_conflicts=True,
        unique_fields=["page"],
        update_fields=["version", "layout", "etag", "content"],
    )


def warm(slugs=None) -> int:
    """Store the snapshot of every page (or of these) that has none for its version in
    today's layout, as its first anonymous view would: after a bulk import or a deploy
    that changed the layout, so readers do not pay the first views. Returns how many."""
    current = PageSnapshot.objects.filter(layout=layout.stamp(), version=F("page__version")).values(
        "page_id"
    )
    pages = Page.objects.exclude(pk__in=current).order_by("pk")
    if slugs is not None:
        pages = pages.filter(slug__in=list(slugs))
    factory = RequestFactory()
    rendered = 0
    for slug in pages.values_list("slug", flat=True).iterator():
        path = reverse("wiki:page", kwargs={"slug": slug})
        request = factory.get(path)
        request.user = AnonymousUser()
        request.resolver_match = match = resolve(path)  # as the handler sets it
        if match.func(request, *match.args, **match.kwargs).status_code == 200:
            rendered += 1
    return rendered
