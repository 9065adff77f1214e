from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/placeholder.html", {"heading": "Frameworks"})


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/placeholder.html", {"heading": "Matrix"})
