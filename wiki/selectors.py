"""Non-trivial reads: wanted pages, backlinks, recent changes, front-page figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from wiki.links import missing_page_url
from wiki.models import Page, PageLink, Revision


@dataclass
class WantedPage:
    key: str
    title: str
    wanted_by: list[Page]

    @property
    def count(self) -> int:
        return len(self.wanted_by)

    @property
    def url(self) -> str:
        return missing_page_url(self.title)


def wanted_pages(limit: int = 500) -> list[WantedPage]:
    """Missing link targets, most wanted first, with the pages that want them."""
    top = list(
        PageLink.objects.filter(kind=PageLink.PAGE, target__isnull=True)
        .values("target_key")
        .annotate(n=Count("source", distinct=True))
        .order_by("-n", "target_key")[:limit]
    )
    keys = [row["target_key"] for row in top]
    by_key: dict[str, WantedPage] = {k: WantedPage(k, "", []) for k in keys}
    links = (
        PageLink.objects.filter(kind=PageLink.PAGE, target__isnull=True, target_key__in=keys)
        .select_related("source")
        .order_by("source__key")
    )
    for link in links:
        wanted = by_key[link.target_key]
        wanted.title = wanted.title or link.target_text
        wanted.wanted_by.append(link.source)
    return [by_key[k] for k in keys]


def backlinks(page: Page) -> QuerySet[Page]:
    """Other pages linking here, A–Z: selected through PageLink's indexed target column
    (no DISTINCT over whole page rows)."""
    sources = PageLink.objects.filter(target=page).exclude(source_id=page.pk).values("source_id")
    return Page.objects.filter(pk__in=sources).order_by("key")


def backlink_count(page: Page) -> int:
    """How many other pages link here: counted on PageLink's indexed target column, not
    with backlinks(page).count(), whose DISTINCT over whole Page rows (bodies included)
    took 200 ms for a page with thousands of backlinks."""
    return (
        PageLink.objects.filter(target=page)
        .exclude(source_id=page.pk)
        .values("source_id")
        .distinct()
        .count()
    )


def pages_linking_to(kind: str, key: str) -> QuerySet[Page]:
    """Pages with a prefixed link such as [[framework:flask]] (for the catalog)."""
    return (
        Page.objects.filter(outgoing_links__kind=kind, outgoing_links__target_key=key)
        .distinct()
        .order_by("key")
    )


def recent_revisions() -> QuerySet[Revision]:
    return Revision.objects.select_related("page", "author").order_by("-created", "-pk")


def orphan_pages() -> QuerySet[Page]:
    return Page.objects.orphans().order_by("key")
