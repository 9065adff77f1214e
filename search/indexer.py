"""Keeping the index true: the outbox, drained after commit by one process at a time.

Every save writes an IndexTask row in its own transaction (search.signals). After the
commit, :func:`drain` tries a non-blocking, cross-process lock (flock on a file in the
index directory). The holder applies rows in batches — one Whoosh commit per batch —
and deletes them only after that commit succeeded, looping until the outbox is empty.
A process that cannot get the lock returns at once: the holder re-checks the outbox
after releasing the lock, so a committed row is never left behind. Failures are logged,
never raised into the save; the rows stay for the next drain or `search_index --update`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from search.backends import get_backend
from search.documents import load_documents, make_key
from search.models import DocKind, IndexOp, IndexTask

logger = logging.getLogger(__name__)

BATCH = 200
LOCK_NAME = "indexer.lock"


class LockTimeout(Exception):
    pass


@contextlib.contextmanager
def indexer_lock(*, blocking: bool, timeout: float = 600.0) -> Iterator[bool]:
    """Yield True holding the indexer lock, or False (non-blocking) when another has it."""
    root = Path(settings.SEARCH_INDEX_DIR)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not blocking:
                    yield False
                    return
                if time.monotonic() > deadline:
                    raise LockTimeout(
                        f"Another process held the index lock for {timeout:.0f}s."
                    ) from None
                time.sleep(0.05)
        yield True
    finally:
        os.close(fd)  # releases the flock (the kernel also does if we are killed)


def enqueue(kind: str, object_id: int, op: str = IndexOp.INDEX) -> None:
    """Record a change in the current transaction; drain it after commit."""
    IndexTask.objects.create(kind=kind, object_id=object_id, op=op)
    if not getattr(settings, "SEARCH_AUTO_DRAIN", True):
        return
    # One callback per row: after the first has drained everything, the rest find the
    # outbox empty in one query.
    transaction.on_commit(drain_after_commit)


def drain_after_commit() -> None:
    try:
        drain()
    except Exception:
        logger.exception("Search indexing failed; `manage.py search_index --update` repairs it.")


def drain() -> int:
    """Apply the outbox unless another process is doing it. Returns rows applied."""
    backend = get_backend()
    if backend.name == "postgres":
        return drain_until_empty(backend)
    done = 0
    while True:
        with indexer_lock(blocking=False) as held:
            if not held:
                return done
            done += drain_until_empty(backend)
        # Between our last look and the release, another process may have committed a row
        # and failed to take the lock: look once more, outside the lock.
        if not IndexTask.objects.exists():
            return done


def drain_until_empty(backend=None) -> int:
    """Apply pending rows in batches, deleting each batch after its index commit."""
    backend = backend or get_backend()
    done = 0
    while True:
        if backend.name == "postgres":
            with transaction.atomic():
                rows = list(
                    IndexTask.objects.select_for_update(skip_locked=True).order_by("id")[:BATCH]
                )
                if not rows:
                    return done
                _apply(backend, rows)
                IndexTask.objects.filter(id__in=[r.id for r in rows]).delete()
        else:
            rows = list(IndexTask.objects.order_by("id")[:BATCH])
            if not rows:
                return done
            _apply(backend, rows)
            IndexTask.objects.filter(id__in=[r.id for r in rows]).delete()
        done += len(rows)


def _apply(backend, rows: list[IndexTask]) -> None:
    final: dict[tuple[str, int], str] = {}
    for row in rows:
        final[(row.kind, row.object_id)] = row.op
    wanted = [pair for pair, op in final.items() if op == IndexOp.INDEX]
    docs = load_documents(wanted)
    remove = [make_key(k, i) for (k, i), op in final.items() if op == IndexOp.REMOVE]
    remove += [key for key, doc in docs.items() if doc is None]
    backend.apply([d for d in docs.values() if d is not None], remove)


__all__ = ["DocKind", "drain", "drain_until_empty", "enqueue", "indexer_lock"]
