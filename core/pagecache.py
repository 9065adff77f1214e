"""Whole-response caching of anonymous pages, keyed by what they show.

A view that wants its response cached says what it shows::

    pagecache.depends_on(request, entry, collections=["catalog"], params=["sort"])

— the objects on the page (their ``version`` as the view read them), the collections it
lists (their stamps, core.models.Stamp) and the GET parameters it reads. The middleware
stores the response, gzip-compressed, with those versions; a later request is answered
from it after one query per model (and one for stamps) confirms that nothing it shows
has changed since. A change bumps only the versions of what it touched
(core/changes.py): saving one framework re-renders that framework's page and the pages
that show it, nothing else.

Stored twice: in this process's memory (bounded in bytes) and in the database
(core.models.CachedPage), so that a page is rendered once for every worker and machine —
a new or recycled worker reads it from the table instead of rendering it again. A copy
made from data that changed while it rendered carries the versions it read, which the
change has outdated: it is never served.

The key is the scheme, the host, the path and only the parameters the view reads, so
made-up query strings share one entry. Nothing is cached for a logged-in reader, one with
a session or pending messages, or a response that is not a plain 200; views that declare
nothing are never cached.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from core import layout
from core.changes import ref, stamps
from core.compression import compress, respond_stored
from core.models import CachedPage
from core.storage import short_lock_wait

logger = logging.getLogger(__name__)

KEEP_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")


@dataclass
class Deps:
    objects: dict[str, dict[int, int]] = field(default_factory=dict)
    collections: dict[str, int] = field(default_factory=dict)
    params: set[str] = field(default_factory=set)

    def fingerprint(self) -> str:
        parts = [
            repr(sorted((label, sorted(v.items())) for label, v in self.objects.items())),
            repr(sorted(self.collections.items())),
        ]
        return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:24]

    def as_json(self) -> dict:
        return {
            "objects": {
                label: {str(pk): v for pk, v in vs.items()} for label, vs in self.objects.items()
            },
            "collections": self.collections,
            "params": sorted(self.params),
        }

    @classmethod
    def from_json(cls, data: dict) -> Deps:
        return cls(
            objects={
                label: {int(pk): v for pk, v in vs.items()}
                for label, vs in data.get("objects", {}).items()
            },
            collections=dict(data.get("collections", {})),
            params=set(data.get("params", [])),
        )


def depends_on(
    request: HttpRequest,
    *objects: models.Model,
    collections: list[str] | tuple[str, ...] = (),
    params: list[str] | tuple[str, ...] = (),
) -> None:
    """Declare what this response shows (see the module's docstring). Call it before
    reading the data a collection's list is made of; objects carry the version read."""
    deps: Deps = request.__dict__.setdefault("_pagecache_deps", Deps())
    for obj in objects:
        if obj is None:
            continue
        label, pk = ref(obj)
        deps.objects.setdefault(label, {})[pk] = obj.version
    new = [c for c in collections if c not in deps.collections]
    if new:
        deps.collections.update(stamps(new))
    deps.params.update(params)


def is_current(deps: Deps) -> bool:
    if deps.collections and stamps(list(deps.collections)) != deps.collections:
        return False
    for label, versions in deps.objects.items():
        model = apps.get_model(label)
        found = dict(model._base_manager.filter(pk__in=list(versions)).values_list("pk", "version"))
        if found != versions:
            return False
    return True


# ---------------------------------------------------------------- the stores


@dataclass
class Entry:
    deps: Deps
    etag: str
    content: bytes  # gzip
    headers: dict[str, str]

    @property
    def size(self) -> int:
        return len(self.content) + 512


class ByteBoundedLRU:
    """Least recently used entries go first once their bytes pass the budget."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def set(self, key: str, item: Entry) -> None:
        if item.size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._items[key] = item
            self.bytes += item.size
            while self.bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= dropped.size

    def discard(self, key: str) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


store = ByteBoundedLRU(getattr(settings, "PAGE_CACHE_BYTES", 32 * 1024 * 1024))
# Learned from each view's first plain 200 in this process, for its bare URL and for URLs
# with a query apart: the GET parameters it reads, or None when it declares nothing (a
# wiki page's bare URL is served from its snapshot, wiki/snapshots.py): not looked up.
_params: dict[tuple[str, bool], frozenset[str] | None] = {}


def clear() -> None:
    store.clear()
    _params.clear()


def _load(key: str) -> Entry | None:
    """The shared copy, if there is one for today's layout (one query)."""
    row = (
        CachedPage.objects.filter(key=key, layout=layout.stamp())
        .values_list("deps", "etag", "headers", "content")
        .first()
    )
    if row is None:
        return None
    deps, etag, headers, content = row
    return Entry(Deps.from_json(deps), etag, bytes(content), headers)


def _save(key: str, entry: Entry) -> None:
    """Share the copy with every process: best effort, never waiting long for a lock."""
    try:
        with short_lock_wait():
            CachedPage.objects.bulk_create(
                [
                    CachedPage(
                        key=key,
                        layout=layout.stamp(),
                        deps=entry.deps.as_json(),
                        etag=entry.etag,
                        headers=entry.headers,
                        content=entry.content,
                    )
                ],
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["layout", "deps", "etag", "headers", "content", "stored"],
            )
    except DatabaseError:
        logger.info("cached page not shared", exc_info=True)


# ---------------------------------------------------------------- the middleware


def _anonymous(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request: HttpRequest, view: str, params: frozenset[str]) -> str:
    query = sorted((k, request.GET.getlist(k)) for k in params if k in request.GET)
    parts = (request.scheme, request.get_host(), request.path, view, query)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or not getattr(settings, "PAGE_CACHE_ENABLED", True)
            or not _anonymous(request)
        ):
            return self.get_response(request)
        try:
            view = resolve(request.path_info).view_name
        except Resolver404:
            return self.get_response(request)
        kind = (view, bool(request.GET))
        params = _params.get(kind, frozenset() if not request.GET else ...)
        # (a bare URL has the same key whatever the view reads; … = not known yet)
        if params is not None and params is not ...:
            key = _key(request, view, params)
            cached = store.get(key) or _load(key)
            if cached is not None:
                if is_current(cached.deps):
                    store.set(key, cached)
                    _params.setdefault(kind, frozenset(cached.deps.params))
                    return respond_stored(request, cached.etag, cached.content, cached.headers)
                store.discard(key)
        response = self.get_response(request)
        deps: Deps | None = request.__dict__.get("_pagecache_deps")
        plain = response.status_code == 200 and not response.streaming and not response.cookies
        if deps is None and plain:
            _params[kind] = None
        if (
            deps is None
            or not plain
            or response.has_header("Vary")
            or response.has_header("Content-Encoding")
        ):
            return response
        params = _params[kind] = frozenset(deps.params)
        key = _key(request, view, params)
        entry = Entry(
            deps=deps,
            etag=f'"{deps.fingerprint()}{layout.stamp()[:8]}"',
            content=compress(response.content),
            headers={k: v for k, v in response.items() if k in KEEP_HEADERS},
        )
        store.set(key, entry)
        _save(key, entry)
        return respond_stored(request, entry.etag, entry.content, entry.headers)
