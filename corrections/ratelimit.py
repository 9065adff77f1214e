"""How many reports one address may send: CORRECTIONS_RATE_LIMIT per
CORRECTIONS_RATE_WINDOW seconds, counted in Django's cache.

The address is the client's as django-axes sees it (its AXES_IPWARE_* settings: behind a
proxy, PROXY_COUNT says which X-Forwarded-For entry is the reader's), so log-in
throttling and report throttling agree. With the default per-process cache each web
process counts on its own; point CACHES at a shared cache to count across them.
"""

from __future__ import annotations

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    address = get_client_ip_address(request) or "unknown"
    digest = hashlib.sha256(address.encode(), usedforsecurity=False).hexdigest()[:32]
    return f"corrections:rate:{digest}"


def allow(request: HttpRequest) -> bool:
    """Count one report from this address; False once it is over the limit."""
    key = _key(request)
    window = settings.CORRECTIONS_RATE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= settings.CORRECTIONS_RATE_LIMIT
