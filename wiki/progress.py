"""A minimal progress bar for management commands (stderr, only on a terminal)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, *, label: str = "", stream=None, width: int = 30):
        self.total = max(total, 0)
        self.done = 0
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * min(fraction, 1.0))
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total} ({rate:,.0f}/s)"
        )
        self.stream.flush()

    def finish(self) -> float:
        """End the bar; return the elapsed seconds."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        return time.perf_counter() - self.started
