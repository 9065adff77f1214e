"""/api/: the catalog's read-only JSON API (catalog/api.py), next to the search app's
/api/search/ and /api/suggest/ (search/urls.py)."""

from django.urls import path

from catalog import api

app_name = "catalog-api"

urlpatterns = [
    path("", api.index, name="index"),
    path("frameworks/", api.framework_list, name="frameworks"),
    path("frameworks/<slug:slug>/", api.framework_detail, name="frameworks-detail"),
    path("components/", api.component_list, name="components"),
    path("components/<slug:slug>/", api.component_detail, name="components-detail"),
    path("capabilities/", api.capability_list, name="capabilities"),
]
