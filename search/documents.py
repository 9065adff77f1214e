"""One search document per entry: wiki pages, frameworks and components.

Frameworks and template engines carry their support-matrix notes, so a note such as
"Jinja2 via an adapter" finds both. Bodies are plain text: Markdown rendered by the
wiki's renderer, then stripped, so link labels stay and markup goes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify

from search.models import DocKind
from search.text import clean, html_to_text, markdown_to_text

logger = logging.getLogger(__name__)

YES_LEVELS = {"DEFAULT", "YES"}


@dataclass
class Document:
    kind: str
    object_id: int
    title: str
    body: str
    url: str
    updated: datetime | None = None
    tags: list[str] = field(default_factory=list)
    fkind: str = ""
    status: str = ""
    engines: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def __post_init__(self) -> None:
        self.kind = str(self.kind)  # a plain str, not the TextChoices member

    @property
    def digest(self) -> str:
        """Fingerprint of everything indexed: `--check` and `--update` compare it."""
        parts = [
            self.kind,
            self.title,
            self.body,
            self.url,
            "|".join(self.tags),
            self.fkind,
            self.status,
            "|".join(self.engines),
        ]
        return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def make_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def _entry_url(entry) -> str:
    try:
        return entry.get_absolute_url()
    except NoReverseMatch:  # the catalog's detail routes may not exist yet
        return f"{reverse('catalog:framework-list')}#{entry.slug}"


def page_document(page) -> Document:
    revision = page.current_revision
    if revision is not None and revision.html and revision.body == page.body:
        body = html_to_text(revision.html)
    else:
        body = markdown_to_text(page.body)
    if page.summary:
        body = f"{clean(page.summary)} {body}"
    return Document(
        kind=DocKind.PAGE,
        object_id=page.pk,
        title=page.title,
        body=body,
        url=page.get_absolute_url(),
        updated=page.updated,
        tags=sorted({slugify(t.name, allow_unicode=True) for t in page.tags.all()}),
    )


def entry_document(entry) -> Document:
    from catalog.models import EntryType

    is_framework = entry.type == EntryType.FRAMEWORK
    if entry.description_html:
        description = html_to_text(entry.description_html)
    else:
        description = markdown_to_text(entry.description)
    parts = [entry.summary, description, entry.status_note, entry.python_note]
    versions = [v.name for v in entry.python_versions.all()]
    if versions:
        parts.append("Python " + " ".join(versions))
    engines: list[str] = []
    if is_framework:
        for cell in entry.support_row.all():
            parts.append(f"{cell.engine.name}: {cell.get_level_display()}. {cell.notes}")
            if cell.level in YES_LEVELS:
                engines.append(cell.engine.slug)
    else:
        for cell in entry.support_column.all():
            parts.append(f"{cell.framework.name}: {cell.get_level_display()}. {cell.notes}")
    tags = [entry.kind] if is_framework else [entry.category]
    return Document(
        kind=DocKind.FRAMEWORK if is_framework else DocKind.COMPONENT,
        object_id=entry.pk,
        title=entry.name,
        body=clean(" ".join(p for p in parts if p)),
        url=_entry_url(entry),
        updated=entry.updated,
        tags=sorted(t for t in tags if t),
        fkind=entry.kind if is_framework else "",
        status=entry.status,
        engines=sorted(set(engines)),
    )


def _pages():
    from wiki.models import Page

    return Page.objects.select_related("current_revision").prefetch_related("tags")


def _entries():
    from catalog.models import Entry

    return Entry.objects.prefetch_related(
        "python_versions", "support_row__engine", "support_column__framework"
    )


def entry_kind(entry) -> str:
    return DocKind.FRAMEWORK if entry.type == "framework" else DocKind.COMPONENT


def load_documents(keys: Iterable[tuple[str, int]]) -> dict[str, Document | None]:
    """Build the documents for these (kind, id) pairs; None for ones that no longer exist
    (or whose kind changed, e.g. an entry retyped from component to framework)."""
    wanted = set(keys)
    found: dict[str, Document | None] = {make_key(k, i): None for k, i in wanted}
    page_ids = [i for k, i in wanted if k == DocKind.PAGE]
    entry_ids = [i for k, i in wanted if k != DocKind.PAGE]
    for start in range(0, len(page_ids), 500):
        for page in _pages().filter(pk__in=page_ids[start : start + 500]):
            found[make_key(DocKind.PAGE, page.pk)] = page_document(page)
    for start in range(0, len(entry_ids), 500):
        for entry in _entries().filter(pk__in=entry_ids[start : start + 500]):
            doc = entry_document(entry)
            if doc.key in found:
                found[doc.key] = doc
    return found


def all_documents(batch: int = 500) -> Iterator[Document]:
    """Every document, streamed in batches (rebuild, update, check)."""
    for qs, build in ((_pages(), page_document), (_entries(), entry_document)):
        ids = list(qs.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            for obj in qs.filter(pk__in=ids[start : start + batch]).order_by("pk"):
                yield build(obj)


def count_documents() -> int:
    from catalog.models import Entry
    from wiki.models import Page

    return Page.objects.count() + Entry.objects.count()
