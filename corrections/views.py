"""The reader's side: a short form, a thank-you page, a polite 429."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from corrections import ratelimit, registry, services
from corrections.forms import ReportForm


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    on = request.GET.get("on", "")
    found = registry.find(on)
    if found is None:
        raise Http404("Nothing to report on at this address.")
    subject, obj = found
    context = {
        "subject": subject,
        "about": subject.describe(obj),
        "about_url": subject.public_url(obj),
        "on": on,
    }
    if request.method != "POST":
        return render(request, "corrections/report.html", {**context, "form": ReportForm()})
    form = ReportForm(request.POST)
    if form.is_trap:
        # A robot filled in the hidden field: thank it, store nothing.
        ratelimit.allow(request)
        return redirect("corrections:thanks")
    if not form.is_valid():
        return render(request, "corrections/report.html", {**context, "form": form}, status=400)
    if not ratelimit.allow(request):
        # Over the limit: say so politely and give the text back, so nothing is lost.
        return render(request, "corrections/limited.html", {**context, "form": form}, status=429)
    services.report_create(
        subject=subject,
        obj=obj,
        text=form.cleaned_data["text"],
        source_url=form.cleaned_data["source_url"],
    )
    return redirect("corrections:thanks")


@never_cache
@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "corrections/thanks.html")
