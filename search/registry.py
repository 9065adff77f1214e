"""What can be searched: each app registers its kinds of documents here, search imports none.

An app says, once, in its AppConfig.ready()::

    registry.register(DocumentType(
        kind="framework", label="Framework",
        load=frameworks_by_id,        # ids -> {id: Document | None}
        all_ids=framework_ids,        # every id, for rebuild, update and check
        count=count_frameworks,
        facets=(Facet("fkind", "Framework kind", labels=...), STATUS),
    ))

The facets an app declares are the filter fields of the query language (`fkind:micro`),
the request filters (`?fkind=micro`), the facet counts beside the results and the values
both backends store — declared here once, read everywhere else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.documents import Document

# Filters every kind has, whatever the apps register.
KIND = "kind"
TAG = "tag"


@dataclass(frozen=True)
class Facet:
    """A filterable property of documents, e.g. fkind=micro.

    name: the filter's name in queries and URLs; title: its heading beside the results;
    labels: value -> what readers see; aliases: other names a query may use for it
    (`supports:` for `engine:`); shown: listed with counts beside the results (False for
    filter-only fields with many values)."""

    name: str
    title: str
    labels: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    shown: bool = True


@dataclass(frozen=True)
class DocumentType:
    kind: str
    label: str
    load: Callable[[Sequence[int]], Mapping[int, Document | None]]
    all_ids: Callable[[], Iterable[int]]
    count: Callable[[], int]
    facets: tuple[Facet, ...] = ()


_lock = threading.Lock()
_types: dict[str, DocumentType] = {}
_version = 0


def register(doc_type: DocumentType) -> None:
    """Add (or replace, e.g. on a second ready()) a kind of document."""
    global _version
    if not doc_type.kind.isidentifier() or doc_type.kind in (KIND, TAG):
        raise ValueError(f"Not a usable document kind: {doc_type.kind!r}")
    with _lock:
        _types[doc_type.kind] = doc_type
        _version += 1
        _cache.clear()


def unregister(kind: str) -> None:
    global _version
    with _lock:
        _types.pop(kind, None)
        _version += 1
        _cache.clear()


def types() -> list[DocumentType]:
    return list(_types.values())


def get(kind: str) -> DocumentType | None:
    return _types.get(kind)


def kind_labels() -> dict[str, str]:
    return {t.kind: t.label for t in _types.values()}


_cache: dict[str, object] = {}


def facets() -> dict[str, Facet]:
    """Every registered facet by name, in registration order; two apps declaring the same
    name share it (their labels merged)."""
    found = _cache.get("facets")
    if found is None:
        merged: dict[str, Facet] = {}
        for doc_type in _types.values():
            for facet in doc_type.facets:
                old = merged.get(facet.name)
                if old is None:
                    merged[facet.name] = facet
                else:
                    merged[facet.name] = Facet(
                        facet.name,
                        old.title,
                        {**old.labels, **facet.labels},
                        tuple(dict.fromkeys(old.aliases + facet.aliases)),
                        old.shown or facet.shown,
                    )
        found = _cache["facets"] = merged
    return found  # type: ignore[return-value]


def shown_facets() -> list[Facet]:
    """The kind first, then the registered facets listed beside results."""
    kind = Facet(KIND, "Kind", kind_labels())
    return [kind, *(f for f in facets().values() if f.shown)]


def filter_names() -> dict[str, str]:
    """Every name a query or URL may filter on (aliases included) -> the filter's name."""
    found = _cache.get("filters")
    if found is None:
        names = {KIND: KIND, TAG: TAG, "tags": TAG}
        for facet in facets().values():
            names[facet.name] = facet.name
            for alias in facet.aliases:
                names.setdefault(alias, facet.name)
        found = _cache["filters"] = names
    return found  # type: ignore[return-value]


def version() -> int:
    return _version
