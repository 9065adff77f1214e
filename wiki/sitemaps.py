"""The sitemap's sections: every wiki page (here), every catalog entry and the catalog's
grid pages (catalog/sitemaps.py). With SITE_URL set, addresses use its scheme and host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from wiki.models import Page


class SiteSitemap(Sitemap):
    """A section whose addresses follow SITE_URL when it is set, else the request's."""

    def get_protocol(self, protocol=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)


class PageSitemap(SiteSitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Page.objects.only("slug", "updated").order_by("pk")

    def lastmod(self, page: Page):
        return page.updated


class WikiPagesSitemap(SiteSitemap):
    """The front page and the list of all pages."""

    changefreq = "daily"

    def items(self):
        return ["home", "wiki:page-list"]

    def location(self, name: str) -> str:
        return reverse(name)
