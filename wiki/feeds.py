"""Atom feed of recent changes."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from core.text import xml_safe
from wiki.models import Revision
from wiki.selectors import recent_revisions


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
        return recent_revisions()[:50]

    def item_title(self, item: Revision) -> str:
        return f"{item.title} (revision {item.number})"

    def item_description(self, item: Revision) -> str:
        # Plain text: the feed carries the edit comment, never page HTML. Atom declares the
        # summary type="html", so the text is escaped for readers that render it.
        return escape(f"{item.comment or 'Edited'} — by {self.item_author_name(item)}")

    def item_link(self, item: Revision) -> str:
        if item.number > 1:
            return reverse(
                "wiki:page-diff",
                kwargs={"slug": item.page.slug, "old": item.number - 1, "new": item.number},
            )
        return item.page.get_absolute_url()

    def item_pubdate(self, item: Revision):
        return item.created

    def item_updateddate(self, item: Revision):
        return item.created

    def item_author_name(self, item: Revision) -> str:
        # Revisions with no editor came with the starting content or a bulk import.
        return item.author.get_username() if item.author else settings.WIKI_SITE_NAME
