"""The search backend interface: what views, the indexer and the command rely on.

Two implementations: :mod:`search.backends.whoosh` (embedded, the default) and
:mod:`search.backends.postgres` (PostgreSQL full-text search, for several web machines).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from search.documents import Document
from search.query import ParsedQuery

PAGE_LEN = 10


class IndexUnavailable(Exception):
    """The index is missing, unreadable or from another schema: search cannot answer."""

    def __init__(self, message: str, *, fix: str = "python manage.py search_index --rebuild"):
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark> around matches
    score: float
    facets: dict[str, str] = field(default_factory=dict)  # name -> (first) value
    context: str = ""  # for a section: its page's title
    section: Hit | None = None  # the best-matching section of a long page


@dataclass
class SearchResults:
    query: str
    hits: list[Hit]
    total: int
    page: int
    pagelen: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    timed_out: bool = False
    notes: list[str] = field(default_factory=list)
    capped: bool = False  # total counts only up to a bound: "more than N results"

    @property
    def has_next(self) -> bool:
        return self.page * self.pagelen < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.pagelen))


@dataclass
class Suggestion:
    title: str
    url: str
    kind: str
    context: str = ""  # for a section: its page's title


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    stale: list[str] = field(default_factory=list)  # indexed from older content
    extra: list[str] = field(default_factory=list)  # in the index, gone from the database
    indexed: int = 0
    expected: int = 0
    problem: str | None = None  # the index could not be read at all

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.problem)


Progress = Callable[[int], None]


class SearchBackend(ABC):
    name: str

    def index(self, docs: Iterable[Document]) -> int:
        """Add or replace documents; returns how many."""
        docs = list(docs)
        self.apply(docs, [])
        return len(docs)

    def remove(self, keys: Iterable[str]) -> int:
        """Remove documents by key; returns how many were asked for."""
        keys = list(keys)
        self.apply([], keys)
        return len(keys)

    @abstractmethod
    def apply(self, docs: list[Document], remove: list[str]) -> None:
        """Index and remove in one commit (the outbox drain)."""

    @abstractmethod
    def search(
        self,
        query: ParsedQuery,
        *,
        page: int = 1,
        pagelen: int = PAGE_LEN,
        extra: dict | None = None,
    ) -> SearchResults:
        """Ranked results for one page; extra holds filters from the request (kind=...)."""

    def best_sections(self, query: ParsedQuery, keys: list[str]) -> dict[str, Hit]:
        """For these documents, the best section matching the query (document key → the
        section's hit); documents without a matching section are left out."""
        return {}

    def is_stop_word(self, word: str) -> bool:
        """Too common to be indexed: searching it alone finds nothing, and is no typo."""
        return False

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Title completions for what has been typed so far."""

    @abstractmethod
    def correct(self, words: list[str]) -> dict[str, str]:
        """Misspelled word → best known word, for the words not found in the index."""

    @abstractmethod
    def rebuild(
        self, docs: Iterable[Document], total: int, progress: Progress | None = None
    ) -> int:
        """Build a fresh index from these documents and swap it in. Returns the count."""

    @abstractmethod
    def stamps(self) -> dict[str, str]:
        """key → digest of every indexed document (for check and update)."""

    def notice(self) -> str | None:
        """A cheap warning worth showing beside results (e.g. an incomplete index)."""
        return None

    @abstractmethod
    def status(self) -> str | None:
        """None when searchable; otherwise a plain message saying what is wrong."""

    def check(self, expected: dict[str, str]) -> CheckReport:
        """Compare key → digest from the database with the index."""
        report = CheckReport(expected=len(expected))
        try:
            indexed = self.stamps()
        except IndexUnavailable as exc:
            report.problem = exc.message
            report.missing = sorted(expected)
            return report
        report.indexed = len(indexed)
        report.missing = sorted(k for k in expected if k not in indexed)
        report.extra = sorted(k for k in indexed if k not in expected)
        report.stale = sorted(k for k, d in expected.items() if k in indexed and indexed[k] != d)
        return report

    def ids_matching(self, query: ParsedQuery, kind: str, limit: int = 1000) -> list[int]:
        """Object ids of this kind matching the query, best first."""
        results = self.search(query, page=1, pagelen=limit, extra={"kind": kind}, facets=False)
        return [h.object_id for h in results.hits]
