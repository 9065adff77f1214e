"""/search/ and its JSON twins. Thin: parsing, ranking and snippets live in search.api."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from core.jsonsafe import HtmlSafeJSONEncoder
from search import api, registry
from search.backends import get_backend
from search.text import fold

# A hit's badges: these facets' values, when the hit has them.
BADGE_FACETS = ("status",)


def urlquote(text: str) -> str:
    return quote(text, safe="")


def _params(request: HttpRequest) -> tuple[str, int, dict]:
    q = str(request.GET.get("q", ""))[:10_000]
    return q, api.clean_page(request.GET.get("page")), api.clean_filters(request.GET)


def _highlight_words(outcome) -> str:
    """The words the landing page marks (?highlight=…): those typed, not those left out."""
    words = [t.word for t in outcome.parsed.words()] if outcome else []
    return " ".join(dict.fromkeys(fold(w) for w in words))[:200]


def _hit_row(hit, labels: dict[str, str], highlight: str) -> dict:
    facets = registry.facets()
    badges = [
        (name, hit.facets[name], facets[name].labels.get(hit.facets[name], hit.facets[name]))
        for name in BADGE_FACETS
        if name in facets and hit.facets.get(name)
    ]
    target = hit.section or hit
    url = target.url
    if highlight:
        base, _, anchor = url.partition("#")
        joiner = "&" if "?" in base else "?"
        url = f"{base}{joiner}highlight={urlquote(highlight)}" + (f"#{anchor}" if anchor else "")
    return {
        "hit": hit,
        "url": url,
        "section": hit.section.title if hit.section else "",
        "snippet": mark_safe(target.snippet),  # escaped by the backend, <mark> ours
        "kind_label": labels.get(hit.kind, hit.kind),
        "badges": badges,
    }


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    q, page, filters = _params(request)
    outcome = None
    if q.strip() or filters:
        outcome = api.run_search(q, page=page, filters=filters, record=True)
    results = outcome.results if outcome else None
    facets = []
    if results is not None:
        for facet in registry.shown_facets():
            counts = results.facets.get(facet.name) or {}
            if counts:
                facets.append(
                    {
                        "name": facet.name,
                        "title": facet.title,
                        "active": filters.get(facet.name, ""),
                        "values": [
                            (value, facet.labels.get(value, value), n)
                            for value, n in counts.items()
                        ],
                    }
                )
    labels = registry.kind_labels()
    highlight = _highlight_words(outcome)
    context = {
        "q": q,
        "filters": filters,
        "outcome": outcome,
        "results": results,
        "hits": [_hit_row(hit, labels, highlight) for hit in (results.hits if results else [])],
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
                    "section": (
                        {"title": hit.section.title, "url": hit.section.url}
                        if hit.section
                        else None
                    ),
                }
                for hit in results.hits
            ],
            facets=results.facets,
            suggestion=results.suggestion,
            has_next=results.has_next,
            partial=outcome.partial,
        )
    return JsonResponse(data, encoder=HtmlSafeJSONEncoder)


@require_safe
def api_suggest(request: HttpRequest) -> JsonResponse:
    q = str(request.GET.get("q", ""))[:200]
    suggestions = api.suggest(q, limit=10)
    return JsonResponse(
        {
            "query": q,
            "suggestions": [
                {"title": s.title, "url": s.url, "kind": s.kind, "context": s.context}
                for s in suggestions
            ],
        },
        encoder=HtmlSafeJSONEncoder,
    )
