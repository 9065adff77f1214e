"""The catalog's read-only JSON API: frameworks, components and capabilities.

Lists take exactly the parameters of the list pages (catalog.selectors.filter_frameworks
and filter_components read them, so a filter means the same thing in both places, and a
value they do not know is ignored as it is there). Details carry an entry's facts, its
relations, sources and grid cells. Responses are UTF-8 JSON written by
core.jsonsafe.HtmlSafeJSONEncoder, and cached by the shared page cache
(core/pagecache.py) with what they show, like the pages: a list by the catalog's stamp and
the parameters it reads, a detail by its entry's version.

Serialisers are plain functions of a model instance (and the request, for absolute URLs);
the reads they need beyond the selectors' are the few query functions below, each
prefetching what its serialiser touches: no query per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from catalog import aliases, grid, selectors
from catalog.cells import cell_label
from catalog.forms import ComponentFilterForm, FrameworkFilterForm
from catalog.models import (
    Capability,
    CapabilityGroup,
    Component,
    ComponentCategory,
    Entry,
    Framework,
    Relation,
    Source,
    Support,
    web_url,
)
from catalog.services import COLLECTION
from core.jsonsafe import HtmlSafeJSONEncoder
from core.pagecache import depends_on

PAGE_SIZE = 50
CONTENT_TYPE = "application/json; charset=utf-8"

# ---------------------------------------------------------------- responses


def json_response(data: object, *, status: int = 200) -> HttpResponse:
    """UTF-8 JSON with <, > and & escaped (core.jsonsafe), so no text is ever markup."""
    body = json.dumps(data, ensure_ascii=False, cls=HtmlSafeJSONEncoder)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)


def not_found(message: str) -> HttpResponse:
    return json_response({"error": message}, status=404)


def _absolute(request: HttpRequest, path: str) -> str | None:
    return request.build_absolute_uri(path) if path else None


def _page_url(request: HttpRequest, name: str, **kwargs: str) -> str | None:
    """A page's absolute URL, or None while the site has no such page (the grid's
    group and capability pages are being added)."""
    try:
        return request.build_absolute_uri(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return None


def api_url(request: HttpRequest, entry: Entry) -> str:
    name = "frameworks-detail" if entry.is_framework else "components-detail"
    return request.build_absolute_uri(reverse(f"catalog-api:{name}", kwargs={"slug": entry.slug}))


# ---------------------------------------------------------------- serialisers


def entry_ref(request: HttpRequest, entry: Entry) -> dict:
    """Another entry, as a detail names it."""
    return {
        "slug": entry.slug,
        "name": entry.name,
        "type": entry.type,
        "url": api_url(request, entry),
        "html_url": request.build_absolute_uri(entry.get_absolute_url()),
    }


def entry_summary(request: HttpRequest, entry: Entry) -> dict:
    """A list row (python_versions prefetched)."""
    data = {
        "slug": entry.slug,
        "name": entry.name,
        "url": api_url(request, entry),
        "html_url": request.build_absolute_uri(entry.get_absolute_url()),
    }
    if entry.is_framework:
        data["kind"] = entry.kind
    else:
        data["category"] = entry.category
    data.update(
        status=entry.status,
        licence=entry.licence,
        first_release=entry.first_release,
        latest_version=entry.latest_version,
        latest_release=entry.latest_release,
        python_versions=[v.name for v in entry.python_versions.all()],
        summary=entry.summary,
    )
    return data


def source_data(request: HttpRequest, source: Source | None) -> dict | None:
    if source is None:
        return None
    return {
        "key": source.key,
        "title": source.title,
        "url": _absolute(request, source.get_absolute_url()),
    }


def cell_data(request: HttpRequest, cell: Support) -> dict:
    """The evidence of one grid cell (its row or column named by the caller)."""
    return {
        "level": cell.level,
        "label": cell_label(cell),
        "uncertain": cell.uncertain,
        "undefined_in_source": cell.undefined_in_source,
        "superseded_by": cell.superseded_by.slug if cell.superseded_by_id else None,
        "notes": cell.notes,
        "evidence_url": web_url(cell.evidence_url) or None,
        "evidence_page_url": (
            request.build_absolute_uri(cell.evidence_page.get_absolute_url())
            if cell.evidence_page_id
            else None
        ),
        "source": source_data(request, cell.source),
        "last_verified": cell.last_verified,
    }


def capabilities_data(request: HttpRequest, cells: Iterable[Support]) -> dict:
    """An entry's row of the grid: {group slug: {name, cells: [...]}} in the grid's order."""
    groups: dict[str, dict] = {}
    for cell in cells:
        capability = cell.capability
        group = groups.setdefault(
            capability.group.slug, {"name": capability.group.name, "cells": []}
        )
        group["cells"].append(
            {
                "capability": capability.slug,
                "name": capability.name,
                "engine": cell.engine.slug if cell.engine_id else None,
                **cell_data(request, cell),
            }
        )
    return groups


def relation_data(request: HttpRequest, relation: Relation, other: Entry) -> dict:
    return {
        "type": relation.type,
        "label": relation.get_type_display(),
        "entry": entry_ref(request, other),
        "note": relation.note,
        "source": relation.source_doc.key if relation.source_doc_id else None,
    }


def entry_detail(request: HttpRequest, entry: Entry) -> dict:
    """Everything an entry's page shows, as data (see :func:`detail_bundle`)."""
    bundle = selectors.detail_bundle(entry)
    data = entry_summary(request, entry)
    data.update(
        homepage=web_url(entry.homepage) or None,
        repository=web_url(entry.repository) or None,
        end_year=entry.end_year,
        status_note=entry.status_note,
        python_note=entry.python_note,
        used_by=[line.strip() for line in entry.used_by.splitlines() if line.strip()],
        aliases=[alias.name for alias in bundle["aliases"]],
        description=entry.description,
        relations={
            "out": [relation_data(request, r, r.target) for r in bundle["relations_out"]],
            "in": [relation_data(request, r, r.source) for r in bundle["relations_in"]],
        },
        sources=[source_data(request, s) for s in entry.sources.all()],
        capabilities=capabilities_data(request, bundle["row"]),
    )
    if not entry.is_framework:
        column = bundle["column"]
        is_engine = entry.category == ComponentCategory.TEMPLATE_ENGINE or bool(column)
        data["supported_by"] = (
            [
                {"framework": entry_ref(request, cell.framework), **cell_data(request, cell)}
                for cell in column
            ]
            if is_engine
            else None
        )
    return data


def capability_data(request: HttpRequest, capability: Capability, group: CapabilityGroup) -> dict:
    return {
        "slug": capability.slug,
        "name": capability.name,
        "definition": capability.definition,
        "group": group.slug,
        "engine": capability.engine.slug if capability.engine_id else None,
        "html_url": _page_url(request, "catalog:capability", slug=capability.slug),
    }


# ---------------------------------------------------------------- views


def _page_link(request: HttpRequest, form_fields: Iterable[str], number: int) -> str:
    """The list's URL for another page, with only the parameters the list reads (what
    the page cache keys on), so a made-up parameter never reaches a cached answer."""
    query = [(k, v) for k in form_fields if k != "page" for v in request.GET.getlist(k)]
    query.append(("page", str(number)))
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


def _paginated(request: HttpRequest, qs: QuerySet[Entry], form_fields: Iterable[str]) -> dict:
    page: Page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    fields = list(form_fields)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "next": _page_link(request, fields, page.next_page_number()) if page.has_next() else None,
        "previous": _page_link(request, fields, page.previous_page_number())
        if page.has_previous()
        else None,
        "results": [entry_summary(request, e) for e in page.object_list],
    }


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    depends_on(request)  # the same for every reader of this host

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    return json_response(
        {
            "frameworks": url("catalog-api:frameworks"),
            "framework": url("catalog-api:frameworks") + "{slug}/",
            "components": url("catalog-api:components"),
            "component": url("catalog-api:components") + "{slug}/",
            "capabilities": url("catalog-api:capabilities"),
            "search": url("search:api-search"),
            "suggest": url("search:api-suggest"),
            "matrix": url("catalog:matrix-json"),
            "framework_params": [*FrameworkFilterForm.base_fields, "page"],
            "component_params": [*ComponentFilterForm.base_fields, "page"],
            "page_size": PAGE_SIZE,
        }
    )


@require_safe
def framework_list(request: HttpRequest) -> HttpResponse:
    fields = [*FrameworkFilterForm.base_fields, "page"]
    if not request.GET.get("q"):  # as the list page: a text query follows the search index
        depends_on(request, collections=[COLLECTION], params=fields)
    qs = selectors.filter_frameworks(request.GET).prefetch_related("python_versions")
    return json_response(_paginated(request, qs, fields))


@require_safe
def component_list(request: HttpRequest) -> HttpResponse:
    fields = [*ComponentFilterForm.base_fields, "page"]
    depends_on(request, collections=[COLLECTION], params=fields)
    qs = selectors.filter_components(request.GET).prefetch_related("python_versions")
    return json_response(_paginated(request, qs, fields))


def _detail(request: HttpRequest, model: type[Entry], slug: str) -> HttpResponse:
    entry = selectors.get_entry(model, slug)
    if entry is None:
        # As the pages: the other type's entry is a redirect (302: an entry's type can
        # change), another name of an entry a permanent one; anything else not found.
        other = Component if model is Framework else Framework
        moved = other.objects.filter(slug=slug).first()
        if moved is not None:
            return HttpResponseRedirect(api_url(request, moved))
        renamed = aliases.redirect_for(slug)
        if renamed is not None:
            return HttpResponsePermanentRedirect(api_url(request, renamed))
        what = "framework" if model is Framework else "component"
        return not_found(f"No {what} “{slug}” in the catalog.")
    # Its version covers what it shows: facts, cells, relations, the names they show.
    depends_on(request, entry)
    return json_response(entry_detail(request, entry))


@require_safe
def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Framework, slug)


@require_safe
def component_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Component, slug)


@require_safe
def capability_list(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
    groups = grid.groups()
    return json_response(
        {
            "groups": [
                {
                    "slug": group.slug,
                    "name": group.name,
                    "description": group.description,
                    "html_url": _page_url(request, "catalog:grid-group", group=group.slug),
                    "capabilities": [
                        capability_data(request, c, group) for c in group.capabilities.all()
                    ],
                }
                for group in groups
            ]
        }
    )
