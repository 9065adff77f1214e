"""Root URLs. Reserved prefixes come before the wiki's catch-all slug routes."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import TemplateView

from catalog.sitemaps import CatalogPagesSitemap, EntrySitemap
from wiki.sitemaps import PageSitemap, WikiPagesSitemap
from wiki.views import front_page

SITEMAPS = {
    "site": WikiPagesSitemap,
    "pages": PageSitemap,
    "catalog": CatalogPagesSitemap,
    "entries": EntrySitemap,
}
# For crawlers and browsers: cached a day.
daily = cache_control(public=True, max_age=86400)


@daily
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page links to: send them to the icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", front_page, name="home"),
    path("admin/", admin.site.urls),
    path("catalog/", include("catalog.urls")),
    path("report/", include("corrections.urls")),
    path("", include("search.urls")),
    path("api/", include("catalog.api_urls")),
    path("wiki/", include("wiki.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "robots.txt",
        daily(TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
        name="robots",
    ),
    path(
        "opensearch.xml",
        daily(
            TemplateView.as_view(
                template_name="opensearch.xml",
                content_type="application/opensearchdescription+xml",
            )
        ),
        name="opensearch",
    ),
    path("favicon.ico", favicon, name="favicon"),
]

handler404 = "wiki.views.not_found"
handler400 = "core.errors.bad_request"
handler500 = "core.errors.server_error"
