from django.contrib.sitemaps import Sitemap

from wiki.models import Page


class PageSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Page.objects.only("slug", "updated").order_by("pk")

    def lastmod(self, page: Page):
        return page.updated
