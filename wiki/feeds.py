"""Atom feeds: recent changes, one page's changes, one tag's pages' changes.

Each entry carries what changed: the edit comment, who made it, and a short line diff
against the revision before (a few changed lines, escaped — never page HTML). The page
and tag feeds are linked from the pages they follow (<link rel="alternate">).
"""

from __future__ import annotations

import difflib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from core import activity
from core.activity import Activity
from core.pagecache import depends_on
from core.text import xml_safe
from wiki.models import Page, Revision, Tag
from wiki.selectors import recent_revisions

ITEMS = 50
DIFF_LINES = 12  # changed lines shown per entry
DIFF_LINE_CHARS = 160
DIFF_MAX_CHARS = 200_000  # bodies longer than this are not diffed in a feed


def short_diff(before: str | None, after: str) -> str:
    """The first DIFF_LINES changed lines, "+ added" / "- removed", each cut short."""
    if before is None:
        return ""
    if len(before) > DIFF_MAX_CHARS or len(after) > DIFF_MAX_CHARS:
        return "(A long page: see the diff for what changed.)"
    lines: list[str] = []
    more = 0
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm=""):
        if line.startswith(("---", "+++", "@@")):
            continue
        if len(lines) >= DIFF_LINES:
            more += 1
            continue
        text = line[1:]
        if len(text) > DIFF_LINE_CHARS:
            text = text[: DIFF_LINE_CHARS - 1] + "…"
        lines.append(f"{line[0]} {text}")
    if more:
        lines.append(f"… and {more} more changed line{'s' if more != 1 else ''}")
    return "\n".join(lines)


def with_previous(revisions: list[Revision]) -> list[Revision]:
    """Attach each revision's predecessor's title and body (one query for all)."""
    wanted = [(r.page_id, r.number - 1) for r in revisions if r.number > 1]
    previous: dict[tuple[int, int], tuple[str, str]] = {}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        query = Q.create([Q(page_id=p, number=n) for p, n in chunk], connector=Q.OR)
        for page_id, number, title, body in Revision.objects.filter(query).values_list(
            "page_id", "number", "title", "body"
        ):
            previous[(page_id, number)] = (title, body)
    for revision in revisions:
        revision.previous = previous.get((revision.page_id, revision.number - 1))
    return revisions


def _xml_safe(value):
    return xml_safe(value) if isinstance(value, str) else value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom with every text stripped of what XML cannot carry: one edit summary with a
    vertical tab made the whole feed a 500 (Django refuses to write such a document)."""

    def __init__(self, title, link, description, **kwargs):
        super().__init__(
            _xml_safe(title),
            link,
            _xml_safe(description),
            **{k: _xml_safe(v) for k, v in kwargs.items()},
        )

    def add_item(self, title, link, description, **kwargs):
        super().add_item(
            _xml_safe(title),
            link,
            _xml_safe(description),
            **{k: _xml_safe(v) for k, v in kwargs.items()},
        )


class RecentChangesFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    title = "Python Web Frameworks wiki — recent changes"
    subtitle = "The latest revisions of the wiki's pages."

    def link(self) -> str:
        return reverse("wiki:recent")

    def items(self):
        # Page revisions, and the changes other apps register (the catalog's), by time.
        pages = with_previous(list(recent_revisions()[:ITEMS]))
        others = [a for source in activity.sources() for a in source.newest(ITEMS)]
        merged = sorted(
            [*pages, *others],
            key=lambda item: item.when if isinstance(item, Activity) else item.created,
            reverse=True,
        )
        return merged[:ITEMS]

    def item_title(self, item) -> str:
        if isinstance(item, Activity):
            return f"{item.title}: {item.what}"
        return f"{item.title} (revision {item.number})"

    def item_guid(self, item) -> str:
        return self.item_link(item)

    def item_description(self, item) -> str:
        if isinstance(item, Activity):
            return format_html(
                "<p>{} — by {}</p><p>{}</p>", item.what, item.author, item.comment or ""
            )
        # The edit comment and a short diff, escaped: the feed never carries page HTML.
        # Atom declares the summary type="html", so readers that render it see text.
        summary = f"{item.comment or 'Edited'} — by {self.item_author_name(item)}"
        previous = getattr(item, "previous", None)
        notes = []
        if previous and previous[0] != item.title:
            notes.append(f"Renamed from “{previous[0]}”.")
        diff = short_diff(previous[1] if previous else None, item.body)
        if item.number == 1:
            notes.append("A new page.")
        elif not diff:
            notes.append("The text did not change.")
        return format_html(
            "<p>{}</p>{}{}",
            summary,
            format_html("<p>{}</p>", " ".join(notes)) if notes else "",
            format_html("<pre>{}</pre>", diff) if diff else "",
        )

    def item_link(self, item) -> str:
        if isinstance(item, Activity):
            return item.what_url
        if item.number > 1:
            return reverse(
                "wiki:page-diff",
                kwargs={"slug": item.page.slug, "old": item.number - 1, "new": item.number},
            )
        return item.page.get_absolute_url()

    def item_pubdate(self, item):
        return item.when if isinstance(item, Activity) else item.created

    def item_updateddate(self, item):
        return self.item_pubdate(item)

    def item_author_name(self, item) -> str:
        if isinstance(item, Activity):
            return item.author
        # Revisions with no editor came with the starting content or a bulk import.
        return item.author.get_username() if item.author else settings.WIKI_SITE_NAME


class PageChangesFeed(RecentChangesFeed):
    """The revisions of one page (/wiki/<slug>/feed/)."""

    def get_object(self, request, slug: str) -> Page:
        page = get_object_or_404(Page, slug=slug)
        depends_on(request, page)  # every new revision bumps the page's version
        return page

    def title(self, obj: Page) -> str:
        return f"{obj.title} — changes · {settings.WIKI_SITE_NAME}"

    def subtitle(self, obj: Page) -> str:
        return f"Every revision of “{obj.title}”, with what changed."

    def link(self, obj: Page) -> str:
        return reverse("wiki:page-history", kwargs={"slug": obj.slug})

    def items(self, obj: Page):
        revisions = obj.revisions.select_related("page", "author").order_by("-number")[:ITEMS]
        return with_previous(list(revisions))


class TagChangesFeed(RecentChangesFeed):
    """The revisions of the pages carrying one tag (/wiki/_tags/<tag>/feed/)."""

    def get_object(self, request, tag: str) -> Tag:
        depends_on(request, collections=["wiki"])
        return get_object_or_404(Tag, slug=tag)

    def title(self, obj: Tag) -> str:
        return f"Pages tagged “{obj.name}” — changes · {settings.WIKI_SITE_NAME}"

    def subtitle(self, obj: Tag) -> str:
        return f"The latest revisions of the pages tagged “{obj.name}”."

    def link(self, obj: Tag) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Tag):
        pages = Page.objects.filter(tags=obj).values("pk")
        revisions = recent_revisions().filter(page_id__in=pages)[:ITEMS]
        return with_previous(list(revisions))
