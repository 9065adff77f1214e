from django.urls import path

from catalog import views, views_choose

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
    path("choose/", views_choose.choose, name="choose"),
    path("choose.json", views_choose.choose_json, name="choose-json"),
    path("upkeep/", views.upkeep, name="upkeep"),
    path("components/", views.component_list, name="component-list"),
    path("components/<slug:slug>/", views.component_detail, name="component-detail"),
    path("<slug:slug>/", views.framework_detail, name="framework-detail"),
]
