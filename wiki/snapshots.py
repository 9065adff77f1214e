"""Stored anonymous responses of wiki pages: a page view is one indexed query.

The first anonymous view of a page's bare URL renders it as usual and stores the body,
gzip-compressed, with its ETag and the layout stamp it was rendered under (PageSnapshot,
one row per page). Later anonymous views read that row by the page's slug — one query,
no template — and serve it: the gzip bytes as they are to clients that accept gzip, else
decompressed; a 304 when the reader already has it.

Never stale. Whatever changes what a page shows deletes its row in the changing
transaction (wiki/signals.py): its own save or re-render (page_saved), a change to the
set of pages linking to it (page_links_changed: its backlink count), a tag of it renamed
or deleted, its current author renamed or deleted. A deploy that changes the templates,
the static manifest (hashed file names), the site name or this code changes the layout
stamp, and rows of another layout are not served.

A view that renders while someone saves must not store what it read before the save
once the save has committed: it reads the content version (wiki.models.ContentVersion)
before reading the page, and stores only if the version is unchanged, checked under the
version row's lock in the storing transaction. Every invalidation bumps that version
first, under the same lock. Storing is best effort: it waits at most a moment for a
lock, and a failure is logged, never raised.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

logger = logging.getLogger(__name__)

# Bump when what the view puts into the response changes in a way the stamp cannot see.
FORMAT = 1
# How long storing waits for a lock before giving up (it is retried on a later view).
LOCK_WAIT_MS = 100
CONTENT_TYPE = "text/html; charset=utf-8"
VARY = "Cookie, Accept-Encoding"
_GZIP_WBITS = 31  # zlib with a gzip header and trailer


@dataclass(frozen=True)
class Snapshot:
    etag: str
    content: bytes  # gzip


# ---------------------------------------------------------------- layout stamp

_layout: str | None = None


def layout_stamp() -> str:
    """A hash of everything besides the page's data that shapes its HTML: the templates,
    the static files' (hashed) names, the site name, locale and time zone, and the code
    that builds the page. Computed once a process."""
    global _layout
    if _layout is None:
        _layout = _compute_layout()
    return _layout


def _compute_layout() -> str:
    import django

    from wiki import context_processors, views

    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode()
            digest.update(len(data).to_bytes(8, "big") + data)

    add(
        FORMAT,
        django.get_version(),
        settings.WIKI_SITE_NAME,
        settings.STATIC_URL,
        settings.LANGUAGE_CODE,
        settings.TIME_ZONE,
        settings.USE_TZ,
    )
    for module in (views, context_processors):
        add(Path(module.__file__).read_bytes())
    add(Path(__file__).read_bytes())
    for engine in settings.TEMPLATES:
        for directory in engine.get("DIRS", []):
            root = Path(directory)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                add(path.relative_to(root).as_posix(), path.read_bytes())
    add(_static_names())
    return digest.hexdigest()[:32]


def _static_names() -> str:
    """The manifest of hashed static file names, when the storage has one."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        hashed = getattr(staticfiles_storage, "hashed_files", None)
    except Exception:  # a missing or broken manifest: the names are whatever static() says
        logger.warning("static manifest unreadable for the snapshot layout stamp", exc_info=True)
        hashed = None
    return repr(sorted(hashed.items())) if hashed else type(staticfiles_storage._wrapped).__name__


def reset_layout_stamp(**kwargs) -> None:
    global _layout
    _layout = None


setting_changed.connect(reset_layout_stamp, dispatch_uid="wiki_snapshot_layout")


# ---------------------------------------------------------------- reading and serving


_select_sql: str | None = None


def _select() -> str:
    """The SQL of the one query, compiled by the ORM once a process (a join on the page's
    unique slug and the snapshot's primary key) and then run with the slug alone."""
    global _select_sql
    if _select_sql is None:
        from wiki.models import PageSnapshot

        query = (
            PageSnapshot.objects.filter(page__slug="-")
            .order_by()
            .values_list("layout", "etag", "content")
            .query
        )
        sql, params = query.get_compiler(connection=connection).as_sql()
        assert list(params) == ["-"], params
        _select_sql = sql
    return _select_sql


def fetch(slug: str) -> Snapshot | None:
    """The page's stored response in today's layout, by one indexed query; else None."""
    sql = _select()
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None or row[0] != layout_stamp():
        return None
    return Snapshot(etag=row[1], content=bytes(row[2]))


def accepts_gzip(request: HttpRequest) -> bool:
    """gzip listed in Accept-Encoding with a q-value above zero."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" not in header:
        return False
    for item in header.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        q = re.search(r"q\s*=\s*([0-9.]+)", params)
        try:
            return q is None or float(q.group(1)) > 0
        except ValueError:
            return False
    return False


def gzip_etag(etag: str) -> str:
    """The ETag of the gzip representation: a different entity tag, as a strong
    validator must be for different bytes."""
    return etag[:-1] + '-gz"' if etag.endswith('"') else etag + "-gz"


def if_none_match(request: HttpRequest, etag: str) -> bool:
    """If-None-Match names either representation of this content (or is *)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = {etag, gzip_etag(etag)}
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") in wanted:
            return True
    return False


def _headers(etag: str, gz: bool) -> dict[str, str]:
    return {"ETag": gzip_etag(etag) if gz else etag, "Cache-Control": "no-cache", "Vary": VARY}


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 if the reader already has this content (in either representation)."""
    if not if_none_match(request, etag):
        return None
    return HttpResponseNotModified(headers=_headers(etag, accepts_gzip(request)))


def respond(request: HttpRequest, snapshot: Snapshot) -> HttpResponse:
    """The response for a snapshot: 304, the gzip bytes, or the decompressed body."""
    if (response := not_modified(request, snapshot.etag)) is not None:
        return response
    gz = accepts_gzip(request)
    headers = _headers(snapshot.etag, gz)
    if gz:
        headers["Content-Encoding"] = "gzip"
        body = snapshot.content
    else:
        body = zlib.decompress(snapshot.content, _GZIP_WBITS)
    return HttpResponse(body, content_type=CONTENT_TYPE, headers=headers)


def compress(body: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
    return packer.compress(body) + packer.flush()


# ---------------------------------------------------------------- storing


def content_version() -> int:
    """Read before the page is: store() refuses if it moved on meanwhile."""
    from wiki.pagecache import current_version

    return current_version()


def store(page_id: int, version: int, snapshot: Snapshot) -> bool:
    """Store the page's snapshot if no change has committed since `version` was read.
    Best effort: False (and nothing stored) when the version moved on, a lock was not
    granted within LOCK_WAIT_MS, or the database refused."""
    from wiki.models import ContentVersion, PageSnapshot

    outermost = not connection.in_atomic_block
    try:
        with _short_lock_wait(), transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
            # The version row's lock: taken by every invalidation before it deletes
            # (SQLite: the IMMEDIATE transaction's write lock serializes the same way).
            locked = (
                ContentVersion.objects.select_for_update()
                .filter(pk=1)
                .values_list("number", flat=True)
            )
            now = next(iter(locked), None)
            if now is None:  # no row to lock (a flushed database): make it, store later
                ContentVersion.objects.get_or_create(pk=1, defaults={"number": version + 1})
                return False
            if now != version:
                return False
            PageSnapshot.objects.bulk_create(
                [
                    PageSnapshot(
                        page_id=page_id,
                        layout=layout_stamp(),
                        etag=snapshot.etag,
                        content=snapshot.content,
                    )
                ],
                update_conflicts=True,
                unique_fields=["page"],
                update_fields=["layout", "etag", "content"],
            )
        return True
    except DatabaseError:
        logger.info("page snapshot of %s not stored", page_id, exc_info=True)
        return False


@contextmanager
def _short_lock_wait():
    """SQLite: wait at most LOCK_WAIT_MS for the write lock (not the connection's 20 s)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    # The connection's own wait (sqlite3.connect(timeout=…), in seconds; 5 by default).
    before = int(float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {before}")


# ---------------------------------------------------------------- invalidation


def _fence() -> None:
    """Bump the content version (taking its row lock until this transaction ends)."""
    from wiki.models import ContentVersion

    if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def invalidate(page_ids: Iterable[int]) -> None:
    """Delete these pages' snapshots; call inside the transaction that changes them.
    Bumps the content version first, so a view rendering concurrently cannot store what
    it read before this change (see store())."""
    from wiki.models import PageSnapshot

    ids = sorted({int(pk) for pk in page_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        _fence()
        for start in range(0, len(ids), 500):
            PageSnapshot.objects.filter(page_id__in=ids[start : start + 500]).delete()


def invalidate_query(page_ids: QuerySet) -> None:
    """Like invalidate(), with the pages given as a subquery (a tag's, an author's)."""
    from wiki.models import PageSnapshot

    with transaction.atomic(savepoint=False):
        _fence()
        PageSnapshot.objects.filter(page_id__in=page_ids).delete()


# ---------------------------------------------------------------- warming


def warm(slugs: Iterable[str] | None = None) -> int:
    """Store the snapshot of every page (or of these) that has none in today's layout, as
    its first anonymous view would: after a bulk import or a deploy that changed the
    layout, so that readers do not pay the first views. Returns how many were rendered."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.urls import resolve, reverse

    from wiki.models import Page, PageSnapshot

    current = PageSnapshot.objects.filter(layout=layout_stamp()).values("page_id")
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
