from django.urls import path, register_converter
from django.urls.converters import StringConverter

from wiki import (
    converters,  # noqa: F401  (registers the dbint URL converter)
    feeds,
    views,
)

app_name = "wiki"


class PageSlugConverter(StringConverter):
    """Any segment but one with a NUL: no page has one, and PostgreSQL refuses NUL in a
    query (a 500); such URLs are simply not found."""

    regex = "[^/\x00]+"


register_converter(PageSlugConverter, "pageslug")

# Reserved names start with "_" (slugs never do), and come before the slug routes.
urlpatterns = [
    path("", views.page_list, name="page-list"),
    path("_recent/", views.recent_changes, name="recent"),
    path("_recent/feed/", feeds.RecentChangesFeed(), name="recent-feed"),
    path("_wanted/", views.wanted, name="wanted"),
    path("_orphans/", views.orphans, name="orphans"),
    path("_tags/<pageslug:tag>/", views.tag_detail, name="tag"),
    path("<pageslug:slug>/", views.page_detail, name="page"),
    path("<pageslug:slug>/history/", views.page_history, name="page-history"),
    path("<pageslug:slug>/diff/<dbint:old>/<dbint:new>/", views.page_diff, name="page-diff"),
    path("<pageslug:slug>/backlinks/", views.page_backlinks, name="page-backlinks"),
]
