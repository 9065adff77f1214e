"""The outbox: follow-up work written in the changing transaction, done after it commits.

A change that makes slow work necessary — re-rendering the pages that link to a renamed
title, indexing a document — writes a :class:`core.models.Task` row in its own
transaction (:func:`enqueue`), so the work survives a crash. After the commit,
:func:`kick` has it done: in a background thread of the same process (the web server's
default: the request that saved does not wait), right there (``inline``: management
commands and tests), or not at all (``off``: only ``manage.py work`` drains). Any number
of processes, on one machine or several, may drain at once:

- a batch is claimed by writing a fresh claim id and a lease into its rows
  (``UPDATE … WHERE claim = ''``), then read back by that id, so two workers never run
  the same row at the same time — and a worker that dies leaves its rows to be taken
  again when the lease runs out;
- a row asked for again while it runs is reset (claim emptied), so the worker that
  finishes the older request leaves it for another round instead of deleting it;
- a batch that fails is retried later with a growing delay; the error is kept on the row
  and logged, never raised into the save that asked for it.

Topics are registered by the apps that do the work (``register("wiki.render", …)``);
this module knows none of them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Task

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Topic:
    name: str
    # Does the work for a batch of keys. Raising retries the whole batch later.
    handle: Callable[[list[str]], None]
    batch: int = 100
    # A non-blocking exclusive lock yielding True when held (the Whoosh writer's file
    # lock): a process that cannot take it leaves the topic to the one that holds it.
    lock: Callable[[], AbstractContextManager[bool]] | None = None
    # What an operator can run to repair what a failing batch left undone.
    repair: str = ""


_topics: dict[str, Topic] = {}


def register(
    name: str,
    handle: Callable[[list[str]], None],
    *,
    batch: int = 100,
    lock: Callable[[], AbstractContextManager[bool]] | None = None,
    repair: str = "",
) -> None:
    _topics[name] = Topic(name, handle, batch, lock, repair)


def topics() -> list[str]:
    return list(_topics)


# ---------------------------------------------------------------- writing


def enqueue(topic: str, keys: Iterable[str]) -> int:
    """Ask for work on these keys, in the current transaction. Returns how many."""
    if topic not in _topics:
        raise LookupError(f"No outbox topic {topic!r} is registered.")
    unique = list(dict.fromkeys(str(k) for k in keys))
    if not unique:
        return 0
    Task.objects.bulk_create(
        [Task(topic=topic, key=key, claim="", attempts=0, not_before=None) for key in unique],
        update_conflicts=True,
        unique_fields=["topic", "key"],
        update_fields=["claim", "attempts", "not_before"],
        batch_size=500,
    )
    # After the commit (at once outside a transaction). A second kick after the same
    # commit finds the work done.
    transaction.on_commit(kick)
    return len(unique)


# ---------------------------------------------------------------- draining


def pending(topic: str | None = None) -> int:
    qs = Task.objects.all()
    return (qs.filter(topic=topic) if topic else qs).count()


def pending_ids(topic: str) -> list[int]:
    return list(Task.objects.filter(topic=topic).values_list("id", flat=True))


def forget(ids: list[int]) -> None:
    """Drop these rows unrun (a rebuild that covers them)."""
    for start in range(0, len(ids), 500):
        Task.objects.filter(id__in=ids[start : start + 500]).delete()


def _available(topic: str):
    now = timezone.now()
    return Task.objects.filter(topic=topic).filter(
        Q(claim="", not_before__isnull=True)
        | Q(claim="", not_before__lte=now)
        | Q(not_before__lte=now - LEASE)  # a claim whose worker died
    )


def _claim(topic: Topic) -> tuple[str, list[Task]]:
    ids = list(_available(topic.name).order_by("id").values_list("id", flat=True)[: topic.batch])
    if not ids:
        return "", []
    claim = uuid.uuid4().hex
    now = timezone.now()
    # Only rows still free: of two workers that read the same ids, each gets the rows
    # its UPDATE found free, and reads back exactly those.
    _available(topic.name).filter(id__in=ids).update(claim=claim, not_before=now)
    return claim, list(Task.objects.filter(claim=claim).order_by("id"))


def run_batch(topic_name: str) -> int:
    """Claim and run one batch of a topic. Returns how many rows it completed (0 when
    there was none to claim, or the batch failed and waits for a retry)."""
    topic = _topics[topic_name]
    claim, rows = _claim(topic)
    if not rows:
        return 0
    try:
        topic.handle([row.key for row in rows])
    except Exception as exc:
        logger.exception(
            "Outbox %s: a batch of %d failed; it will be retried (`manage.py work`). %s",
            topic.name,
            len(rows),
            topic.repair,
        )
        _failed(claim, rows, exc)
        return 0
    # Rows asked for again meanwhile had their claim reset: they stay for another round.
    Task.objects.filter(claim=claim).delete()
    return len(rows)


def _failed(claim: str, rows: list[Task], exc: Exception) -> None:
    attempts = max(row.attempts for row in rows) + 1
    delay = min(MAX_BACKOFF, timedelta(seconds=2**attempts))
    Task.objects.filter(claim=claim).update(
        claim="",
        attempts=attempts,
        not_before=timezone.now() + delay,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )


_state = threading.local()


def drain(
    names: Iterable[str] | None = None, *, seconds: float | None = None, locks: bool = True
) -> int:
    """Run the available work of these topics (all by default) until none is left, or
    until `seconds` have passed. Returns how many rows were completed. Work that a task
    asks for while it runs is picked up by the same loop."""
    if getattr(_state, "draining", False):
        return 0
    _state.draining = True
    try:
        return _drain(names, seconds, locks)
    finally:
        _state.draining = False


def _drain(names: Iterable[str] | None, seconds: float | None, locks: bool) -> int:
    deadline = None if seconds is None else time.monotonic() + seconds
    wanted = set(names) if names is not None else set(_topics)
    skipped: set[str] = set()  # topics another process holds the lock of: theirs to drain
    done = 0
    while deadline is None or time.monotonic() < deadline:
        # One query for which topics have work (one topic's work may add another's).
        busy = _busy_topics() & wanted - skipped
        if not busy:
            break
        for name in sorted(busy, key=list(_topics).index):
            ran, held = _drain_topic(_topics[name], deadline, locks)
            done += ran
            if not held:
                skipped.add(name)
    return done


def _busy_topics() -> set[str]:
    now = timezone.now()
    return set(
        Task.objects.filter(
            Q(claim="", not_before__isnull=True)
            | Q(claim="", not_before__lte=now)
            | Q(not_before__lte=now - LEASE)
        )
        .values_list("topic", flat=True)
        .distinct()
    )


def _drain_topic(topic: Topic, deadline: float | None, locks: bool) -> tuple[int, bool]:
    """Run batches until none is left. Returns how many rows ran, and False if another
    process holds the topic's lock (then that one drains it, and looks again after).
    `locks=False`: the caller already holds it."""
    done = 0
    while True:
        locked = topic.lock is not None and locks
        with topic.lock() if locked else contextlib.nullcontext(True) as held:
            if not held:
                return done, False
            while deadline is None or time.monotonic() < deadline:
                n = run_batch(topic.name)
                if not n:
                    break
                done += n
        # Between our last look and the lock's release another process may have written
        # a row and failed to take the lock: look once more, outside it.
        if not locked or (deadline is not None and time.monotonic() >= deadline):
            return done, True
        if not _available(topic.name).exists():
            return done, True


# ---------------------------------------------------------------- after commit


def mode() -> str:
    """inline (drain in the committing thread), thread (in this process's background
    drainer) or off (only `manage.py work`)."""
    return getattr(settings, "OUTBOX_DRAIN", "") or _default_mode


_default_mode = "inline"


def serve_in_background() -> None:
    """Called by the WSGI entry point: a web process drains in a background thread, so
    the request that saved does not wait for the follow-up work."""
    global _default_mode
    _default_mode = "thread"


def kick() -> None:
    how = mode()
    if how == "off":
        return
    if how == "thread":
        _drainer.wake()
        return
    try:
        drain()
    except Exception:
        logger.exception("Outbox drain failed; `manage.py work` will retry it.")


class _BackgroundDrainer:
    """At most one draining thread per process; woken after every commit that wrote
    rows, it drains until nothing is left and then ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def wake(self) -> None:
        with self._lock:
            self._again = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._again:
                        self._thread = None
                        return
                    self._again = False
                try:
                    drain()
                except Exception:
                    logger.exception("Outbox drain failed; `manage.py work` will retry it.")
        finally:
            connections.close_all()

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


_drainer = _BackgroundDrainer()


def wait_for_background(timeout: float = 30.0) -> None:
    """Tests and commands: let this process's background drainer finish."""
    _drainer.join(timeout)
