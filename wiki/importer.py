"""Bulk import and export of pages as JSON Lines: one {title, body, slug?, summary?, tags?}
object a line. Import goes through the same save service as every other write."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.text import clean_text
from wiki import services
from wiki.models import Page
from wiki.naming import match_key

FIELDS = ("title", "body", "slug", "summary", "tags")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)


class BadLine(ValueError):
    pass


def parse_line(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object")
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise BadLine(f"unknown field(s): {', '.join(sorted(unknown))}")
    for name in ("title", "body"):
        if not isinstance(data.get(name), str):
            raise BadLine(f"“{name}” is required and must be a string")
    for name in ("slug", "summary"):
        if name in data and not isinstance(data[name], str | type(None)):
            raise BadLine(f"“{name}” must be a string")
    tags = data.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadLine("“tags” must be a list of strings")
    # Control characters are dropped here, at the way in (the title keeps them, to be refused).
    data["tags"] = [clean_text(t, multiline=False) for t in tags]
    data["body"] = clean_text(data["body"])
    if data.get("summary"):
        data["summary"] = clean_text(data["summary"], multiline=False)
    return data


def _update(page: Page, data: dict, author=None) -> tuple[str, Page]:
    before = page.revision_number
    page = services.page_update(
        page=page,
        title=data["title"],
        body=data["body"],
        summary=data.get("summary") or "",
        tags=data["tags"],
        author=author,
        comment="Imported",
    )
    return ("unchanged" if page.revision_number == before else "updated"), page


def _create_now(data: dict, author=None) -> Page:
    return services.page_create(
        title=data["title"],
        body=data["body"],
        summary=data.get("summary") or "",
        tags=data["tags"],
        slug=data.get("slug") or None,
        author=author,
        comment="Imported",
    )


class _Known:
    """The pages a batch's lines name (by slug, by title key) and the base slugs they would
    take, fetched in one query and kept true as the batch writes."""

    def __init__(self, rows: list[dict]):
        self.slugs: set[str] = set()
        keys, bases = set(), set()
        for data in rows:
            keys.add(match_key(data["title"]))
            if data.get("slug"):
                self.slugs.add(data["slug"])
            with contextlib.suppress(ValidationError):
                bases.add(services.slug_base(data["title"], data.get("slug") or None))
        self.by_slug: dict[str, Page] = {}
        self.by_key: dict[str, Page] = {}
        self.taken: set[str] = set()
        found = Page.objects.filter(Q(slug__in=self.slugs | bases) | Q(key__in=keys)).only(
            "pk", "slug", "key", "revision_number"
        )
        for page in found:
            self.add(page)

    def add(self, page: Page) -> None:
        self.by_slug[page.slug] = page
        self.by_key[page.key] = page
        self.taken.add(page.slug)

    def forget(self, page: Page) -> None:
        self.by_slug = {s: p for s, p in self.by_slug.items() if p.pk != page.pk}
        self.by_key = {k: p for k, p in self.by_key.items() if p.pk != page.pk}

    def find(self, data: dict) -> Page | None:
        """The page a line updates: the one with its slug, else the one with its title."""
        if data.get("slug") and data["slug"] in self.by_slug:
            return self.by_slug[data["slug"]]
        return self.by_key.get(match_key(data["title"]))


class _Batch:
    """One batch of lines: updates go through page_update at once (each renders before
    its own short transaction); new pages are validated here — with the batch's lookups
    done in one query — and inserted together in one transaction
    (services.pages_insert), to be rendered after the last batch."""

    def __init__(self, report: ImportReport, author, created_ids: list[int]):
        self.report = report
        self.author = author
        self.created_ids = created_ids
        self.pending: list[tuple[int, dict, services.NewPage]] = []
        self.keys: set[str] = set()
        self.slugs: set[str] = set()
        self.known: _Known | None = None

    def error(self, number: int, exc: Exception) -> None:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        self.report.errors.append((number, message))

    def count(self, outcome: str) -> None:
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)

    def run(self, lines: list[tuple[int, str]]) -> None:
        parsed = []
        for number, text in lines:
            try:
                parsed.append((number, parse_line(text)))
            except BadLine as exc:
                self.error(number, exc)
        self.known = _Known([data for _, data in parsed])
        for number, data in parsed:
            self.line(number, data)
        self.insert_pending()

    def line(self, number: int, data: dict) -> None:
        known = self.known
        if match_key(data["title"]) in self.keys or (data.get("slug") or "") in self.slugs:
            self.insert_pending()  # the same page twice in a batch: the second updates it
        page = known.find(data)
        try:
            if page is not None:
                outcome, page = _update(page, data, self.author)
                known.forget(page)
                known.add(page)
                self.count(outcome)
                return
            try:
                base = services.slug_base(data["title"], data.get("slug") or None)
            except ValidationError:
                base = None
            new = services.prepare_new_page(
                title=data["title"],
                body=data["body"],
                summary=data.get("summary") or "",
                tags=data["tags"],
                slug=data.get("slug") or None,
                taken_slugs=self.slugs,
                title_taken=match_key(data["title"]) in known.by_key,
                base_slug_taken=base is None or base in known.taken,
            )
        except ValidationError as exc:
            self.error(number, exc)
            return
        self.pending.append((number, data, new))
        self.keys.add(match_key(new.title))
        self.slugs.update({new.slug, data.get("slug") or new.slug})

    def insert_pending(self) -> None:
        pending, self.pending = self.pending, []
        self.keys, self.slugs = set(), set()
        if not pending:
            return
        try:
            with transaction.atomic():
                pages = services.pages_insert([new for _, _, new in pending])
        except IntegrityError:
            # Someone else took a title or slug since we looked: one line at a time, so
            # that only the clashing line is reported.
            for number, data, _ in pending:
                try:
                    self.known.add(_create_now(data, self.author))
                    self.count("created")
                except ValidationError as exc:
                    self.error(number, exc)
                except IntegrityError:
                    self.error(
                        number,
                        ValueError("another page with this title or slug was saved meanwhile"),
                    )
            return
        for page in pages:
            self.known.add(page)
        self.created_ids.extend(page.pk for page in pages)
        self.report.created += len(pages)


def import_lines(
    lines: Iterable[str],
    *,
    batch_size: int = 200,
    author=None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import JSON Lines. Bad lines are reported (1-based numbers) and skipped; the good
    ones are kept. New pages are inserted batch by batch (a transaction each) and rendered
    once, after the last batch, when every title of the import exists
    (services.pages_render_new, in `workers` processes); pages of the import that link to
    each other are therefore rendered once, with blue links. Older pages that name the
    new titles are re-rendered afterwards by the outbox (wiki/relink.py)."""
    report = ImportReport()
    created_ids: list[int] = []
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        _Batch(report, author, created_ids).run(batch)
        if progress:
            progress(len(batch))
        batch.clear()

    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        batch.append((number, text))
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    services.pages_render_new(created_ids, author=author, comment="Imported", workers=workers)
    return report


def export_lines() -> Iterator[str]:
    pages = Page.objects.order_by("title").prefetch_related("tags")
    for page in pages.iterator(chunk_size=500):
        record = {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "tags": sorted(tag.name for tag in page.tags.all()),
            "body": page.body,
        }
        yield json.dumps(record, ensure_ascii=False)
