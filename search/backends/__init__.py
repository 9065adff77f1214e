"""Pick the backend named by settings.SEARCH_BACKEND ("whoosh" or "postgres")."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from search.backends.base import IndexUnavailable, SearchBackend

__all__ = ["IndexUnavailable", "SearchBackend", "get_backend", "reset_backends"]

_lock = threading.Lock()
_backends: dict[tuple, SearchBackend] = {}


def get_backend() -> SearchBackend:
    name = getattr(settings, "SEARCH_BACKEND", "whoosh")
    key = (name, str(settings.SEARCH_INDEX_DIR))
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                backend = _backends[key] = _make(name)
    return backend


def reset_backends() -> None:
    """Forget this process's backends (and their open searchers), as a new process would."""
    with _lock:
        _backends.clear()


def _make(name: str) -> SearchBackend:
    if name == "whoosh":
        from search.backends.whoosh import WhooshBackend

        return WhooshBackend(settings.SEARCH_INDEX_DIR)
    if name == "postgres":
        from search.backends.postgres import PostgresBackend

        return PostgresBackend()
    raise ImproperlyConfigured(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}.")
