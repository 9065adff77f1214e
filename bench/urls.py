"""config.urls plus /_bench/trivial/: the floor a Django view costs on this server."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import handler404
from config.urls import urlpatterns as site_urlpatterns


@require_GET
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("_bench/trivial/", trivial, name="bench-trivial"), *site_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
