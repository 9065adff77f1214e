"""/api/: the catalog's read-only JSON API (catalog/api.py). Mounted after the search
app's /api/search/ and /api/suggest/, which the last route here would otherwise answer."""

from django.urls import path, re_path

from catalog import api

app_name = "catalog-api"

urlpatterns = [
    path("", api.index, name="index"),
    path("frameworks/", api.framework_list, name="frameworks"),
    path("frameworks/<slug:slug>/", api.framework_detail, name="frameworks-detail"),
    path("components/", api.component_list, name="components"),
    path("components/<slug:slug>/", api.component_detail, name="components-detail"),
    path("capabilities/", api.capability_list, name="capabilities"),
    # Any other /api/…/ address: a JSON 404, not the wiki's HTML page. (Only those ending
    # in "/": the others are sent there first by APPEND_SLASH, as everywhere on the site.)
    re_path(r"^(?P<rest>.*/)$", api.unknown, name="unknown"),
]
