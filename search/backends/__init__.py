"""Pick the backend named by settings.SEARCH_BACKEND ("whoosh" or "postgres")."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

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


# Loaded by name, as Django loads its own backends: a site imports only the engine it uses.
BACKENDS = {
    "whoosh": "search.backends.whoosh.WhooshBackend",
    "postgres": "search.backends.postgres.PostgresBackend",
}


def _make(name: str) -> SearchBackend:
    if name not in BACKENDS:
        raise ImproperlyConfigured(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}.")
    backend = import_string(BACKENDS[name])
    return backend(settings.SEARCH_INDEX_DIR) if name == "whoosh" else backend()
