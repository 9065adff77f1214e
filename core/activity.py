"""Recent changes from more than one app, without the wiki knowing the others.

The wiki's Recent changes page and Atom feed list its page revisions; other apps (the
catalog: entries, grid cells, relations) register a *source* here, and the wiki merges
their changes in by time. Sources name the collections whose stamps their changes bump,
so cached Recent changes pages follow them too.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    """One change as Recent changes shows it."""

    when: datetime.datetime
    title: str  # what changed: "Django"
    url: str  # the thing itself
    what: str  # how: "ASGI: No → Yes"
    what_url: str  # the change: its before/after
    author: str
    comment: str
    kind: str = "catalog"


@dataclass(frozen=True)
class Source:
    name: str
    count: Callable[[], int]
    newest: Callable[[int], list[Activity]]  # the newest n, newest first
    collections: tuple[str, ...] = ()


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.name] = source


def sources() -> list[Source]:
    return list(_sources.values())


def collections() -> list[str]:
    return sorted({c for s in _sources.values() for c in s.collections})


class Merged(Sequence):
    """Several newest-first streams as one, by time: len() adds their counts, a slice
    takes the newest `stop` of each and merges them (what a Paginator asks for)."""

    def __init__(self, streams: list[Source]):
        self.streams = streams

    def __len__(self) -> int:
        return sum(s.count() for s in self.streams)

    def __getitem__(self, index):
        if isinstance(index, slice):
            stop = index.stop if index.stop is not None else len(self)
            merged = heapq.merge(
                *(s.newest(stop) for s in self.streams), key=lambda a: a.when, reverse=True
            )
            return list(merged)[index]
        return self[index : index + 1][0]
