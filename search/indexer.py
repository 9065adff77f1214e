"""Keeping the index true: index tasks in the outbox (core/outbox.py), one writer at a time.

A change to an indexed object writes a ``search.index`` task in the changing transaction
(:func:`follow_changes`, the change step's search follower, or :func:`enqueue`); after
the commit the outbox runs it. The task's key names a document ("page:12"); whether it
is (re)indexed or removed is decided when it runs, by whether the document still exists.
Whoosh has one writer at a time: the topic's lock is a non-blocking, cross-process flock
on a file in the index directory, and a process that cannot take it leaves the work to
the holder, which looks again after releasing it. A batch is deleted only once the index
has committed it; failures are logged, never raised into the save, and retried.

Apps say which search documents an object of theirs becomes (:func:`register_model`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

from core import outbox
from core.changes import Changes
from search.backends import get_backend
from search.documents import load_documents, make_key
from search.models import IndexOp

TOPIC = "search.index"
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


def _topic_lock():
    if get_backend().name == "postgres":  # the database serializes its writers
        return contextlib.nullcontext(True)
    return indexer_lock(blocking=False)


# ---------------------------------------------------------------- what to index

# model label → the document kinds an object of it may be (an entry is a framework or a
# component; the one it is not is removed when the task runs).
_models: dict[str, tuple[str, ...]] = {}


def register_model(label: str, kinds: Iterable[str]) -> None:
    _models[label.lower()] = tuple(kinds)


def follow_changes(change: Changes) -> None:
    """The change step's search follower: changed and removed objects' documents."""
    keys = [
        make_key(kind, pk)
        for label, pk in sorted(change.changed | change.removed)
        for kind in _models.get(label, ())
    ]
    if keys:
        outbox.enqueue(TOPIC, keys)


def enqueue(kind: str, object_id: int, op: str = IndexOp.INDEX) -> None:
    """Ask for one document to be refreshed (or dropped) after the commit."""
    outbox.enqueue(TOPIC, [make_key(kind, object_id)])


# ---------------------------------------------------------------- running


def apply(keys: list[str]) -> None:
    """The outbox handler: build the documents that exist, drop the ones that don't."""
    wanted = []
    for key in keys:
        kind, _, pk = key.partition(":")
        wanted.append((kind, int(pk)))
    docs = load_documents(wanted)
    get_backend().apply(
        [d for d in docs.values() if d is not None],
        [key for key, doc in docs.items() if doc is None],
    )


def drain() -> int:
    """Run the pending index tasks unless another process is doing it."""
    return outbox.drain([TOPIC])


def drain_until_empty(backend=None) -> int:
    """Run them all; the caller holds the indexer lock (search_index)."""
    return outbox.drain([TOPIC], locks=False)


def register() -> None:
    outbox.register(
        TOPIC,
        apply,
        batch=BATCH,
        lock=_topic_lock,
        repair="`manage.py search_index --update` repairs the index.",
    )


__all__ = ["drain", "drain_until_empty", "enqueue", "indexer_lock", "register_model"]
