"""/search/ and its JSON twins. Thin: parsing, ranking and snippets live in search.api."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from catalog.models import FrameworkKind, Status
from core.jsonsafe import HtmlSafeJSONEncoder
from search import api
from search.backends import get_backend
from search.models import DocKind

FACET_LABELS = {
    "kind": dict(DocKind.choices),
    "fkind": dict(FrameworkKind.choices),
    "status": dict(Status.choices),
}
FACET_TITLES = {"kind": "Kind", "fkind": "Framework kind", "status": "Status"}


def _params(request: HttpRequest) -> tuple[str, int, dict]:
    q = str(request.GET.get("q", ""))[:10_000]
    return q, api.clean_page(request.GET.get("page")), api.clean_filters(request.GET)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    q, page, filters = _params(request)
    outcome = api.run_search(q, page=page, filters=filters) if (q.strip() or filters) else None
    results = outcome.results if outcome else None
    facets = []
    if results is not None:
        for name in ("kind", "fkind", "status"):
            counts = results.facets.get(name) or {}
            if counts:
                facets.append(
                    {
                        "name": name,
                        "title": FACET_TITLES[name],
                        "active": filters.get(name, ""),
                        "values": [
                            (value, FACET_LABELS[name].get(value, value), n)
                            for value, n in counts.items()
                        ],
                    }
                )
    context = {
        "q": q,
        "filters": filters,
        "outcome": outcome,
        "results": results,
        "hits": [
            {"hit": hit, "snippet": mark_safe(hit.snippet), "kind_label": DocKind(hit.kind).label}
            for hit in (results.hits if results else [])
        ],
        "facets": facets,
        "notice": get_backend().notice() if outcome and outcome.unavailable is None else None,
        "first_number": (results.page - 1) * results.pagelen + 1 if results else 1,
    }
    return render(request, "search/results.html", context)


@require_safe
def api_search(request: HttpRequest) -> JsonResponse:
    q, page, filters = _params(request)
    outcome = api.run_search(q, page=page, filters=filters)
    data = {
        "query": outcome.parsed.display(),
        "total": 0,
        "page": page,
        "results": [],
        "facets": {},
        "suggestion": None,
        "messages": outcome.messages,
    }
    if outcome.unavailable is not None:
        data["error"] = outcome.unavailable.message
        return JsonResponse(data, status=503, encoder=HtmlSafeJSONEncoder)
    results = outcome.results
    if results is not None:
        data.update(
            total=results.total,
            results=[
                {
                    "kind": hit.kind,
                    "title": hit.title,
                    "url": hit.url,
                    "snippet": hit.snippet,
                    "score": hit.score,
                }
                for hit in results.hits
            ],
            facets=results.facets,
            suggestion=results.suggestion,
            has_next=results.has_next,
        )
    return JsonResponse(data, encoder=HtmlSafeJSONEncoder)


@require_safe
def api_suggest(request: HttpRequest) -> JsonResponse:
    q = str(request.GET.get("q", ""))[:200]
    suggestions = api.suggest(q, limit=10)
    return JsonResponse(
        {
            "query": q,
            "suggestions": [{"title": s.title, "url": s.url, "kind": s.kind} for s in suggestions],
        },
        encoder=HtmlSafeJSONEncoder,
    )
