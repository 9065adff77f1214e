from django.urls import path

from wiki import feeds, views

app_name = "wiki"

# Reserved names start with "_" (slugs never do), and come before the slug routes.
urlpatterns = [
    path("", views.page_list, name="page-list"),
    path("_recent/", views.recent_changes, name="recent"),
    path("_recent/feed/", feeds.RecentChangesFeed(), name="recent-feed"),
    path("_wanted/", views.wanted, name="wanted"),
    path("_orphans/", views.orphans, name="orphans"),
    path("_tags/<str:tag>/", views.tag_detail, name="tag"),
    path("<str:slug>/", views.page_detail, name="page"),
    path("<str:slug>/history/", views.page_history, name="page-history"),
    path("<str:slug>/diff/<int:old>/<int:new>/", views.page_diff, name="page-diff"),
    path("<str:slug>/backlinks/", views.page_backlinks, name="page-backlinks"),
]
