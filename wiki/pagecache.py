"""Whole-response caching of anonymous wiki and catalog pages, per process.

Key: the database's content version (wiki.models.ContentVersion) and the full path. Any
save or delete of wiki or catalog content bumps the version inside its own transaction,
so a cached page is never served once the change that outdates it has committed. One
cheap query per request instead of the view's queries and template. The bare URLs of wiki
pages are not cached here: they are served from per-page snapshots (wiki/snapshots.py),
which a save outdates one page at a time, not all at once. Search pages are not
cached (they follow the search index, not the version); nor is anything for a logged-in
user, with a session or pending messages, or any response but a plain 200.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

CACHED_PREFIXES = ("/wiki/", "/catalog/")
CACHED_EXACT = {"/"}
# The bare URL of a wiki page is served from its stored snapshot (wiki/snapshots.py) by
# one query; it skips this cache and its version query. (Reserved names start with "_".)
SNAPSHOT_PATH = re.compile(r"/wiki/[^/_][^/]*/\Z")


def current_version() -> int:
    from wiki.models import ContentVersion

    number = ContentVersion.objects.values_list("number", flat=True).first()
    return number or 0


def bump() -> None:
    """Called inside the transaction that changes content (see the receivers below)."""
    from wiki.models import ContentVersion

    with transaction.atomic():
        if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1):
            ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path
    if path not in CACHED_EXACT and not path.startswith(CACHED_PREFIXES):
        return False
    if not request.META.get("QUERY_STRING") and SNAPSHOT_PATH.match(path):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not getattr(settings, "PAGE_CACHE_ENABLED", True) or not _cacheable(request):
            return self.get_response(request)
        cache = caches["pages"]
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"{current_version()}:{request.method}:{path}"
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            etag = headers.get("ETag")
            if etag and etag in request.headers.get("If-None-Match", ""):
                return HttpResponseNotModified(headers={"ETag": etag})
            return HttpResponse(content, headers=headers)
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "Vary" not in response
        ):
            headers = {
                k: v for k, v in response.items() if k in ("Content-Type", "ETag", "Cache-Control")
            }
            cache.set(key, (response.content, headers))
        return response
