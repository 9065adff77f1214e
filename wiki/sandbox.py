"""Time-limited worker processes: a function call that cannot outlive its time.

Rendering Markdown is pure Python and C; no check inside it can stop a parse that goes
quadratic on a shape nobody foresaw. So the conversion runs in a worker process, and the
caller waits at most ``timeout`` seconds for the answer: a worker that overruns is
killed (a fresh one starts on the next call) and the caller gets :class:`Overrun`.

A :class:`Sandbox` is one long-lived worker, forked from this process the first time it
is needed, that runs one call at a time (a lock serializes the threads of a process).
:func:`run_many` keeps several busy at once for bulk work, each call with its own
deadline. Workers get their arguments and send results through a pipe; they touch no
database and exit when their parent goes away.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

logger = logging.getLogger(__name__)

_context = multiprocessing.get_context("fork")


class Overrun(Exception):
    """The call did not finish in its time; its worker was killed."""


class Failed(Exception):
    """The call raised in the worker, or the worker died."""


_DEFAULT_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD")


def _serve(conn: Connection, parent_end: Connection, parent_pid: int) -> None:
    """The worker's loop: run calls until the parent closes the pipe or goes away."""
    # A fork keeps the parent's signal handlers (a gunicorn worker's turn SIGTERM into
    # "finish the current request"): the worker must die when told to.
    for name in _DEFAULT_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    # The fork copied the parent's end of the pipe too: close it, or the pipe never
    # reports the parent's death. (Ends of other pipes the parent held are caught below.)
    parent_end.close()
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent_pid:  # orphaned: the parent died
                    return
                continue
            func, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = ("ok", func(*args))
        except BaseException as exc:  # reported to the parent, which decides
            result = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


class Sandbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: multiprocessing.Process | None = None
        self._conn: Connection | None = None
        self._pid = 0  # the process that started the worker (a fork must not reuse it)

    # -- one call, waited for

    def call(self, func: Callable[..., Any], *args: Any, timeout: float) -> Any:
        with self._lock:
            self.send(func, *args)
            return self.receive(timeout)

    # -- the two halves, for run_many

    def send(self, func: Callable[..., Any], *args: Any) -> None:
        conn = self._ensure()
        try:
            conn.send((func, args))
        except (BrokenPipeError, OSError):
            self.stop()
            self._ensure().send((func, args))

    def receive(self, timeout: float) -> Any:
        conn = self._conn
        assert conn is not None
        if not conn.poll(max(0.0, timeout)):
            self.stop()
            raise Overrun(f"no answer within {timeout:g} s")
        try:
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            self.stop()
            raise Failed("the worker process died") from exc
        if status != "ok":
            raise Failed(value)
        return value

    @property
    def connection(self) -> Connection | None:
        return self._conn

    def _ensure(self) -> Connection:
        if self._pid != os.getpid():  # inherited through a fork: not ours to use
            self._process, self._conn, self._pid = None, None, os.getpid()
        if self._process is None or not self._process.is_alive():
            self.stop()
            parent, child = _context.Pipe()
            process = _context.Process(
                target=_serve, args=(child, parent, os.getpid()), daemon=True, name="sandbox"
            )
            process.start()
            child.close()
            self._process, self._conn = process, parent
        assert self._conn is not None
        return self._conn

    def stop(self) -> None:
        process, conn = self._process, self._conn
        self._process, self._conn = None, None
        if conn is not None:
            conn.close()
        if process is not None and self._pid == os.getpid():
            if process.is_alive():
                process.kill()
            process.join(2)


def run_many(
    func: Callable[..., Any],
    items: Iterable[tuple[Any, tuple]],
    *,
    workers: int,
    timeout: float,
) -> Iterator[tuple[Any, Any]]:
    """Call func(*args) for every (key, args), `workers` at a time, each in its own time.
    Yields (key, result) as they finish — the result is an Overrun or Failed exception
    instance when the call did not succeed."""
    sandboxes = [Sandbox() for _ in range(max(1, workers))]
    free = list(sandboxes)
    busy: dict[Connection, tuple[Sandbox, Any, float]] = {}
    pending = iter(items)
    exhausted = False
    try:
        while True:
            while free and not exhausted:
                item = next(pending, None)
                if item is None:
                    exhausted = True
                    break
                key, args = item
                sandbox = free.pop()
                sandbox.send(func, *args)
                busy[sandbox.connection] = (sandbox, key, time.monotonic() + timeout)
            if not busy:
                return
            soonest = min(deadline for _, _, deadline in busy.values())
            for conn in wait(list(busy), timeout=max(0.0, soonest - time.monotonic())):
                sandbox, key, deadline = busy.pop(conn)
                try:
                    result = sandbox.receive(0)
                except (Overrun, Failed) as exc:
                    result = exc
                free.append(sandbox)
                yield key, result
            now = time.monotonic()
            for conn, (sandbox, key, deadline) in list(busy.items()):
                if deadline <= now:
                    del busy[conn]
                    sandbox.stop()
                    free.append(sandbox)
                    yield key, Overrun(f"no answer within {timeout:g} s")
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
