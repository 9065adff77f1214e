"""Bulk import and export of pages as JSON Lines: one {title, body, slug?, summary?, tags?}
object a line. Import goes through the same save service as every other write."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

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
    data["tags"] = tags
    return data


def _find_existing(data: dict) -> Page | None:
    if data.get("slug"):
        page = Page.objects.filter(slug=data["slug"]).first()
        if page:
            return page
    return Page.objects.filter(key=match_key(data["title"])).first()


def _apply(data: dict, author=None) -> str:
    page = _find_existing(data)
    if page is None:
        services.page_create(
            title=data["title"],
            body=data["body"],
            summary=data.get("summary") or "",
            tags=data["tags"],
            slug=data.get("slug") or None,
            author=author,
            comment="Imported",
        )
        return "created"
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
    return "unchanged" if page.revision_number == before else "updated"


def import_lines(
    lines: Iterable[str],
    *,
    batch_size: int = 200,
    author=None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import JSON Lines. Bad lines are reported (1-based numbers) and skipped; the good
    ones are kept. Each batch is one transaction; each line its own savepoint. Pages whose
    links the import satisfies are re-rendered once, after the last batch."""
    report = ImportReport()
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        with transaction.atomic(), services.deferred_relinking():
            for number, text in batch:
                try:
                    data = parse_line(text)
                    with transaction.atomic():
                        outcome = _apply(data, author)
                except BadLine as exc:
                    report.errors.append((number, str(exc)))
                    continue
                except ValidationError as exc:
                    report.errors.append((number, " ".join(exc.messages)))
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(len(batch))
        batch.clear()

    # One re-linking pass for the whole import, not one per batch: a page whose link
    # targets arrive in several later batches is re-rendered once, at the end.
    with services.deferred_relinking():
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            batch.append((number, text))
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
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
