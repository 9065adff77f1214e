"""The chooser's pages: /catalog/choose/ (a GET form and its answer) and
/catalog/choose.json (the same answer as JSON). The ranking is catalog/choose.py's."""

from __future__ import annotations

import json
from itertools import groupby
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalog import choose as chooser
from catalog.models import PythonVersion, Status
from catalog.services import COLLECTION
from core.jsonsafe import HtmlSafeJSONEncoder
from core.pagecache import depends_on

# Cached pages are only as current as the code that ranked them.


def _choice(request: HttpRequest) -> tuple[chooser.Choice, dict, list[str]]:
    # Declared before any catalog row is read; the response shows only these params.
    depends_on(request, collections=[COLLECTION], params=list(chooser.PARAMS))
    capabilities = chooser.capabilities_by_slug()
    versions = list(PythonVersion.objects.values_list("name", flat=True))
    choice = chooser.choose(request.GET, capabilities=capabilities, python_versions=versions)
    return choice, capabilities, versions


@require_safe
def choose(request: HttpRequest) -> HttpResponse:
    choice, capabilities, versions = _choice(request)
    query = choice.query
    required = {c.slug for c in query.require}
    preferred = {c.slug for c in query.prefer}
    groups = [
        {
            "group": group,
            "open": not query or any(c.slug in required | preferred for c in rows),
            "rows": [
                {"capability": c, "required": c.slug in required, "preferred": c.slug in preferred}
                for c in rows
            ],
        }
        for group, rows in (
            (group, list(rows))
            for group, rows in groupby(capabilities.values(), key=lambda c: c.group)
        )
    ]
    compare = choice.compare_slugs()
    asked = any(name in request.GET for name in chooser.PARAMS)
    return render(
        request,
        "catalog/choose.html",
        {
            "choice": choice,
            "query": query,
            "groups": groups,
            "python_versions": versions,
            "statuses": [
                {"value": value, "label": label, "checked": value in query.status}
                for value, label in Status.choices
            ],
            "compare_url": (
                reverse("catalog:compare") + "?" + urlencode([("f", s) for s in compare])
                if compare
                else ""
            ),
            "json_url": reverse("catalog:choose-json") + _query_string(request),
            "asked": asked,
            # Filtered answers are for people, not search engines.
            "noindex": asked,
            "meta": {
                "title": "Choose a framework",
                "description": (
                    "Tick the capabilities a Python web framework must have and those you "
                    "would like: the frameworks that fit, ranked, and why the others do not."
                ),
            },
        },
    )


def _query_string(request: HttpRequest) -> str:
    """The chooser's own params only (the page cache keys on nothing else)."""
    pairs = [(k, v) for k in chooser.PARAMS for v in request.GET.getlist(k)[: chooser.MAX_VALUES]]
    return "?" + urlencode(pairs) if pairs else ""


@require_safe
def choose_json(request: HttpRequest) -> HttpResponse:
    choice, _, _ = _choice(request)
    return HttpResponse(
        json.dumps(choice.as_json(), ensure_ascii=False, indent=1, cls=HtmlSafeJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
