"""Atom feeds of catalog changes: all of them, and one entry's (its facts, cells and
relations). Each item carries what changed — the fields with their values before and after,
escaped — and links to the change's page. Linked from the pages they follow."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from catalog import history, selectors
from catalog.models import Entry, Revision
from core.pagecache import depends_on
from wiki.feeds import XmlSafeAtom1Feed

ITEMS = 50
VALUE_CHARS = 200


def _short(value) -> str:
    text = "—" if value in (None, "", []) else str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


class CatalogChangesFeed(Feed):
    """Every edit to the catalog (/catalog/changes/feed/); fixture loads are left out."""

    feed_type = XmlSafeAtom1Feed
    title = "Python Web Frameworks catalog — changes"
    subtitle = "Changes to the catalog's frameworks, components, grid cells and relations."

    def get_object(self, request, *args, **kwargs):
        depends_on(request, collections=["catalog"])
        return None

    def link(self) -> str:
        return reverse("catalog:grid")

    def items(self):
        return list(
            Revision.objects.exclude(via="fixtures").select_related("user", "entry")[:ITEMS]
        )

    def item_title(self, item: Revision) -> str:
        return f"{item.entry_name}: {history.describe(item)}"

    def item_description(self, item: Revision) -> str:
        rows = format_html_join(
            "",
            "<li>{}: {} → {}</li>",
            ((history.label(n), _short(a), _short(b)) for n, a, b in item.changed_fields()),
        )
        why = format_html("<p>Why: {}</p>", item.comment) if item.comment else ""
        return format_html(
            "<p>{} by {} ({})</p><ul>{}</ul>{}",
            item.get_action_display(),
            self.item_author_name(item),
            item.via,
            rows,
            why,
        )

    def item_link(self, item: Revision) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Revision):
        return item.created

    def item_updateddate(self, item: Revision):
        return item.created

    def item_author_name(self, item: Revision) -> str:
        return item.user.get_username() if item.user else settings.WIKI_SITE_NAME


class EntryChangesFeed(CatalogChangesFeed):
    """One framework's or component's changes (/catalog/<slug>/feed/), fixture loads
    included: they are part of its history."""

    def get_object(self, request, slug: str) -> Entry:
        entry = selectors.get_entry(Entry, slug)
        if entry is None:
            raise Http404(slug)
        depends_on(request, entry)  # every change to it bumps its version
        return entry

    def title(self, obj: Entry) -> str:
        return f"{obj.name} — changes · {settings.WIKI_SITE_NAME}"

    def subtitle(self, obj: Entry) -> str:
        return f"Every change to {obj.name}'s facts, grid cells and relations."

    def link(self, obj: Entry) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Entry):
        return list(Revision.objects.filter(entry=obj).select_related("user", "entry")[:ITEMS])
