from django.urls import path

from catalog import feeds, views, views_choose

app_name = "catalog"

# Fixed paths first: "<slug>/" would swallow them.
urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/<slug:framework>/<slug:engine>/", views.cell, name="cell"),
    path("matrix.csv", views.matrix_csv, name="matrix-csv"),
    path("matrix.json", views.matrix_json, name="matrix-json"),
    path("matrix.svg", views.matrix_svg, name="matrix-svg"),
    path("timeline.svg", views.timeline_svg, name="timeline-svg"),
    path("charts/", views.charts_page, name="charts"),
    path("compare/", views.compare, name="compare"),
    path("grid/", views.grid_index, name="grid"),
    path("grid.csv", views.grid_csv, name="grid-csv"),
    path("grid.json", views.grid_json, name="grid-json"),
    path("grid/<slug:group>/", views.grid_group, name="grid-group"),
    path("capabilities/<slug:slug>/", views.capability_detail, name="capability"),
    path("changes/feed/", feeds.CatalogChangesFeed(), name="changes-feed"),
    path("changes/<int:pk>/", views.revision_detail, name="revision"),
    path("changes/<int:pk>/revert/", views.revision_revert, name="revision-revert"),
    path("history/<slug:slug>/compare/", views.history_compare, name="history-compare"),
    path("choose/", views_choose.choose, name="choose"),
    path("choose.json", views_choose.choose_json, name="choose-json"),
    path("upkeep/", views.upkeep, name="upkeep"),
    path("upkeep/proposals/<int:pk>/accept/", views.proposal_accept, name="proposal-accept"),
    path("upkeep/proposals/<int:pk>/reject/", views.proposal_reject, name="proposal-reject"),
    path("components/", views.component_list, name="component-list"),
    path("components/<slug:slug>/", views.component_detail, name="component-detail"),
    path("components/<slug:slug>/history/", views.component_history, name="component-history"),
    path("components/<slug:slug>/feed/", feeds.EntryChangesFeed(), name="component-feed"),
    path("<slug:slug>/history/", views.framework_history, name="framework-history"),
    path("<slug:slug>/feed/", feeds.EntryChangesFeed(), name="entry-feed"),
    path("<slug:slug>/", views.framework_detail, name="framework-detail"),
]
