"""Root URLs. Reserved prefixes come before the wiki's catch-all slug routes."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from wiki.sitemaps import PageSitemap
from wiki.views import front_page

urlpatterns = [
    path("", front_page, name="home"),
    path("admin/", admin.site.urls),
    path("catalog/", include("catalog.urls")),
    path("", include("search.urls")),
    path("wiki/", include("wiki.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"pages": PageSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]

handler404 = "wiki.views.not_found"
handler400 = "config.errors.bad_request"
handler500 = "config.errors.server_error"
