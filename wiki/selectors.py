"""Non-trivial reads: wanted pages, backlinks, recent changes, front-page figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse

from core.activity import Activity
from core.activity import Source as ActivitySource
from wiki.links import missing_page_url
from wiki.models import Page, PageLink, Revision


@dataclass
class WantedPage:
    key: str
    title: str
    wanted_by: list[Page]
    total: int = 0

    @property
    def count(self) -> int:
        return self.total or len(self.wanted_by)

    @property
    def more(self) -> int:
        return self.count - len(self.wanted_by)

    @property
    def url(self) -> str:
        return missing_page_url(self.title)


WANTED_BY_SHOWN = 20


def wanted_keys() -> QuerySet:
    """Missing link targets, most wanted first: rows of {target_key, n} to paginate."""
    return (
        PageLink.objects.filter(kind=PageLink.PAGE, target__isnull=True)
        .values("target_key")
        .annotate(n=Count("source", distinct=True))
        .order_by("-n", "target_key")
    )


def wanted_pages(rows=None) -> list[WantedPage]:
    """These missing link targets (by default all of them), each with the first pages that
    want it, A–Z, and how many do."""
    rows = list(wanted_keys() if rows is None else rows)
    keys = [row["target_key"] for row in rows]
    by_key: dict[str, WantedPage] = {k: WantedPage(k, "", []) for k in keys}
    links = (
        PageLink.objects.filter(kind=PageLink.PAGE, target__isnull=True, target_key__in=keys)
        .select_related("source")
        .only("target_key", "target_text", "source__title", "source__slug", "source__key")
        .order_by("source__key")
    )
    for link in links:
        wanted = by_key[link.target_key]
        wanted.title = wanted.title or link.target_text
        if len(wanted.wanted_by) < WANTED_BY_SHOWN:
            wanted.wanted_by.append(link.source)
    for row in rows:
        by_key[row["target_key"]].total = row["n"]
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


def recent_revisions() -> QuerySet[Revision]:
    """Revisions of live pages, newest first (pages in the recycle bin are left out)."""
    return (
        Revision.objects.filter(page__deleted__isnull=True)
        .select_related("page", "author")
        .order_by("-created", "-pk")
    )


def revision_activity(revision: Revision) -> Activity:
    if revision.number > 1:
        what = f"r{revision.number}"
        what_url = reverse(
            "wiki:page-diff",
            kwargs={
                "slug": revision.page.slug,
                "old": revision.number - 1,
                "new": revision.number,
            },
        )
    else:
        what, what_url = "new page", revision.page.get_absolute_url()
    return Activity(
        when=revision.created,
        title=revision.page.title,
        url=revision.page.get_absolute_url(),
        what=what,
        what_url=what_url,
        author=revision.author.get_username() if revision.author else settings.WIKI_SITE_NAME,
        comment=revision.comment,
        kind="page",
    )


PAGE_ACTIVITY = ActivitySource(
    name="wiki",
    count=lambda: recent_revisions().count(),
    newest=lambda n: [revision_activity(r) for r in recent_revisions()[:n]],
    collections=("wiki",),
)


def orphan_pages() -> QuerySet[Page]:
    return Page.objects.orphans().order_by("key")
