"""Search documents: what an app hands to search, and how search gets them.

Apps build Documents from their own objects and register a loader (search.registry);
search knows nothing of wiki pages or catalog entries. A Document is plain text in
fields of different weight:

- title: the name readers know it by;
- names: other names (aliases, former names, spellings) — weighted like the title;
- about: what it is, in words (category, kind, status, licence, users, first release,
  related entries: "built on Werkzeug") — weighted above the body;
- body: the text itself; sections: a long page's parts, each searchable on its own and
  linked by its heading's anchor;
- tags and facets: filter values (facets by the names the type registered);
- prior: 0..1, how central the document is (links to it, relations): it breaks ties and
  orders title suggestions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from search import registry


@dataclass
class Section:
    anchor: str  # the heading's id in the rendered page
    heading: str
    body: str


@dataclass
class Document:
    kind: str
    object_id: int
    title: str
    body: str
    url: str
    updated: datetime | None = None
    tags: list[str] = field(default_factory=list)
    facets: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    about: str = ""
    sections: list[Section] = field(default_factory=list)
    prior: float = 0.0
    # Set on the documents search derives for sections: the page's key and title.
    parent: str = ""
    context: str = ""

    def __post_init__(self) -> None:
        self.kind = str(self.kind)  # a plain str, not a TextChoices member

    @property
    def key(self) -> str:
        if self.parent:
            return f"{self.parent}#{self.url.rsplit('#', 1)[-1]}"
        return make_key(self.kind, self.object_id)

    def facet_tokens(self) -> list[str]:
        """The facets as "name=value" tokens, the form both backends store."""
        return sorted(
            {f"{name}={value}" for name, values in self.facets.items() for value in values if value}
        )

    @property
    def digest(self) -> str:
        """Fingerprint of everything indexed: `--check` and `--update` compare it."""
        parts = [
            self.kind,
            self.title,
            self.body,
            self.url,
            "|".join(self.tags),
            "|".join(self.facet_tokens()),
            "|".join(self.names),
            self.about,
            f"{self.prior:.3f}",
            *(f"{s.anchor}\x1e{s.heading}\x1e{s.body}" for s in self.sections),
        ]
        return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()

    def section_documents(self) -> list[Document]:
        """One document per section, for the backends: linked to the heading's anchor."""
        base = self.url.split("#", 1)[0]
        return [
            Document(
                kind=self.kind,
                object_id=self.object_id,
                title=s.heading,
                body=s.body,
                url=f"{base}#{s.anchor}",
                updated=self.updated,
                prior=self.prior,
                parent=self.key,
                context=self.title,
            )
            for s in self.sections
            if s.anchor and s.body
        ]


def make_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


BATCH = 500


def load_documents(keys: Iterable[tuple[str, int]]) -> dict[str, Document | None]:
    """Build the documents for these (kind, id) pairs through each kind's registered
    loader; None for ones that no longer exist, whose kind changed (an entry retyped from
    component to framework), or whose kind is no longer registered."""
    by_kind: dict[str, set[int]] = {}
    for kind, object_id in keys:
        by_kind.setdefault(str(kind), set()).add(int(object_id))
    found: dict[str, Document | None] = {}
    for kind, ids in by_kind.items():
        for object_id in ids:
            found[make_key(kind, object_id)] = None
        doc_type = registry.get(kind)
        if doc_type is None:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH):
            for object_id, doc in doc_type.load(ordered[start : start + BATCH]).items():
                if doc is not None and doc.kind == kind:
                    found[make_key(kind, object_id)] = doc
    return found


def all_documents(batch: int = BATCH) -> Iterator[Document]:
    """Every document of every registered kind, streamed in batches (rebuild, update,
    check)."""
    for doc_type in registry.types():
        ids = sorted(doc_type.all_ids())
        for start in range(0, len(ids), batch):
            docs = doc_type.load(ids[start : start + batch])
            for object_id in ids[start : start + batch]:
                doc = docs.get(object_id)
                if doc is not None and doc.kind == doc_type.kind:
                    yield doc


def count_documents() -> int:
    return sum(t.count() for t in registry.types())
