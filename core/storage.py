"""Writes that must not wait long for a lock: a reader storing a copy of a page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# How long such a write waits for a lock before giving up (a later view tries again).
LOCK_WAIT_MS = 100


@contextmanager
def short_lock_wait(ms: int = LOCK_WAIT_MS) -> Iterator[None]:
    """A transaction that waits at most `ms` for a lock — SQLite's write lock (held by a
    save in progress), a PostgreSQL row lock — and raises DatabaseError instead of
    stalling the reader for the connection's usual 20 s."""
    with _sqlite_busy_timeout(ms), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(ms)}ms'")
        yield


@contextmanager
def _sqlite_busy_timeout(ms: int) -> Iterator[None]:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    # The connection's own wait (sqlite3.connect(timeout=…), in seconds; 5 by default).
    before = int(float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {before}")
