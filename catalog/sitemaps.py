"""Sitemap sections for the catalog: every framework and component, and the grid pages."""

from django.urls import reverse

from catalog.models import Entry
from wiki.sitemaps import SiteSitemap


class EntrySitemap(SiteSitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return Entry.objects.only("type", "slug", "updated").order_by("pk")

    def lastmod(self, entry: Entry):
        return entry.updated


class CatalogPagesSitemap(SiteSitemap):
    """The lists, the support matrix, the comparison and the charts."""

    changefreq = "weekly"

    def items(self):
        return [
            "catalog:framework-list",
            "catalog:component-list",
            "catalog:matrix",
            "catalog:compare",
            "catalog:charts",
        ]

    def location(self, name: str) -> str:
        return reverse(name)
