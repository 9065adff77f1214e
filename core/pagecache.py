"""Whole-response caching of anonymous pages, per process, keyed by what they show.

A view that wants its response cached says what it shows::

    pagecache.depends_on(request, entry, *related, collections=["catalog"], params=["sort"])

— the objects on the page (their ``version`` as the view read them), the collections it
lists (their stamps, core.models.Stamp) and the GET parameters it reads. The middleware
stores the response with those versions; a later request is answered from it after one
query per model (and one for stamps) confirms that nothing it shows has changed since.
A change bumps only the versions of what it touched (core/changes.py): saving one
framework re-renders that framework's page and the pages that show it, nothing else.

The key is the scheme, the host, the path and only the parameters the view reads, so made-up query
strings share one entry; the store is bounded in bytes. Nothing is cached for a
logged-in reader, one with a session or pending messages, or a response that is not a
plain 200; views that declare nothing are never cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response

from core.changes import ref, stamps

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


# ---------------------------------------------------------------- the store


@dataclass
class Entry:
    deps: Deps
    etag: str
    content: bytes
    headers: dict[str, str]

    @property
    def size(self) -> int:
        return len(self.content) + 512


class ByteBoundedLRU:
    """Least recently used entries go first once their bytes pass the budget."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def set(self, key: tuple, item: Entry) -> None:
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

    def discard(self, key: tuple) -> None:
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
# The GET parameters each view reads, learned from its first response.
_params: dict[str, frozenset[str]] = {}


def clear() -> None:
    store.clear()
    _params.clear()


# ---------------------------------------------------------------- the middleware


def _anonymous(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request: HttpRequest, view: str, params: frozenset[str]) -> tuple:
    query = tuple(sorted((k, tuple(request.GET.getlist(k))) for k in params if k in request.GET))
    return (request.scheme, request.get_host(), request.path, view, query)


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
        params = _params.get(view)
        if params is not None:
            key = _key(request, view, params)
            cached = store.get(key)
            if cached is not None:
                if is_current(cached.deps):
                    return _respond(request, cached)
                store.discard(key)
        response = self.get_response(request)
        deps: Deps | None = request.__dict__.get("_pagecache_deps")
        if (
            deps is None
            or response.status_code != 200
            or response.streaming
            or response.cookies
            or response.has_header("Vary")
            or response.has_header("Content-Encoding")
        ):
            return response
        params = _params[view] = frozenset(deps.params)
        etag = f'"{deps.fingerprint()}"'
        entry = Entry(
            deps=deps,
            etag=etag,
            content=response.content,
            headers={k: v for k, v in response.items() if k in KEEP_HEADERS},
        )
        store.set(_key(request, view, params), entry)
        response["ETag"] = etag
        return response


def _respond(request: HttpRequest, entry: Entry) -> HttpResponse:
    not_modified = get_conditional_response(request, etag=entry.etag)
    if isinstance(not_modified, HttpResponseNotModified):
        return not_modified
    response = HttpResponse(entry.content, headers=entry.headers)
    response["ETag"] = entry.etag
    return response
