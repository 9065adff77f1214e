"""Catalog pages. Thin: reads come from catalog.selectors, formats from catalog.matrix."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from catalog import charts, selectors
from catalog.forms import (
    CompareForm,
    ComponentFilterForm,
    FrameworkFilterForm,
    MatrixFilterForm,
    cleaned,
)
from catalog.matrix import LEVEL_MEANINGS, LEVEL_WORDS, export_csv, export_json
from catalog.models import Component, EntryType, Framework, Level
from config.jsonsafe import HtmlSafeJSONEncoder

PAGE_SIZE = 50
COMPARE_MIN, COMPARE_MAX = 2, 4


def _legend() -> list[dict[str, str]]:
    return [
        {"css": f"lv-{level.lower()}", "word": LEVEL_WORDS[level], "meaning": LEVEL_MEANINGS[level]}
        for level in Level
    ]


@require_safe
def framework_list(request: HttpRequest) -> HttpResponse:
    form = FrameworkFilterForm(request.GET or None)
    frameworks = selectors.framework_list(request.GET)
    page = Paginator(frameworks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/framework_list.html",
        {
            "form": form,
            "page_obj": page,
            "total": page.paginator.count,
            "filtered": bool(set(request.GET) - {"sort", "page"}),
            "sort": request.GET.get("sort", "name"),
        },
    )


def _detail(request: HttpRequest, model, slug: str, template: str) -> HttpResponse:
    entry = selectors.get_entry(model, slug)
    if entry is None:
        other = Component if model is Framework else Framework
        moved = other.objects.filter(slug=slug).first()
        if moved is not None:
            return redirect(moved.get_absolute_url())
        raise Http404(slug)
    detail = selectors.entry_detail(entry)
    return render(request, template, {"entry": entry, "detail": detail, "legend": _legend()})


@require_safe
def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Framework, slug, "catalog/framework_detail.html")


@require_safe
def component_list(request: HttpRequest) -> HttpResponse:
    form = ComponentFilterForm(request.GET or None)
    components = selectors.filter_components(request.GET)
    page = Paginator(components, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/component_list.html",
        {"form": form, "page_obj": page, "total": page.paginator.count},
    )


@require_safe
def component_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Component, slug, "catalog/component_detail.html")


def _matrix_from(request: HttpRequest) -> tuple[MatrixFilterForm, selectors.Matrix]:
    form = MatrixFilterForm(request.GET or None)
    data = cleaned(MatrixFilterForm(request.GET))
    grid = selectors.build_matrix(
        frameworks=data.get("f"),
        engines=data.get("e"),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        only_with_data=data.get("data", False),
    )
    return form, grid


@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    form, grid = _matrix_from(request)
    return render(
        request,
        "catalog/matrix.html",
        {"form": form, "matrix": grid, "legend": _legend(), "filtered": bool(request.GET)},
    )


@require_safe
def matrix_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(export_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="matrix.csv"'
    return response


@require_safe
def matrix_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        json.dumps(export_json(), ensure_ascii=False, indent=1, cls=HtmlSafeJSONEncoder),
        content_type="application/json; charset=utf-8",
    )


@require_safe
def matrix_svg(request: HttpRequest) -> HttpResponse:
    _, grid = _matrix_from(request)
    return HttpResponse(charts.matrix_svg(grid), content_type="image/svg+xml; charset=utf-8")


def _timeline_entries():
    return list(Framework.objects.filter(first_release__isnull=False))


@require_safe
def timeline_svg(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        charts.timeline_svg(_timeline_entries()), content_type="image/svg+xml; charset=utf-8"
    )


@require_safe
def charts_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/charts.html",
        {
            # Both documents are built from escaped strings only (catalog.charts.esc).
            "heatmap": charts.matrix_svg(selectors.build_matrix(only_with_data=True)),
            "timeline": charts.timeline_svg(_timeline_entries()),
        },
    )


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    wanted = list(dict.fromkeys(s.strip() for s in request.GET.getlist("f") if s.strip()))
    entries, unknown = selectors.compare_entries(wanted[: COMPARE_MAX + 5])
    problems = []
    if unknown:
        problems.append(
            "No framework called "
            + ", ".join(f"“{s}”" for s in unknown)
            + " in the catalog; check the spelling or pick from the list."
        )
    if len(wanted) > COMPARE_MAX:
        problems.append(f"You picked {len(wanted)}; compare at most {COMPARE_MAX} at a time.")
    elif len(entries) < COMPARE_MIN and (wanted or request.GET):
        problems.append(f"Pick at least {COMPARE_MIN} frameworks to compare.")
    ok = not problems and COMPARE_MIN <= len(entries) <= COMPARE_MAX
    engines, matrix_rows = [], []
    if ok:
        seen = {}
        for entry in entries:
            for cell in entry.support_row.all():
                seen.setdefault(cell.engine.slug, cell.engine)
        engines = sorted(seen.values(), key=lambda e: e.name.casefold())
        by_entry = [{c.engine.slug: c for c in e.support_row.all()} for e in entries]
        matrix_rows = [
            (engine, [cells.get(engine.slug) for cells in by_entry]) for engine in engines
        ]
    return render(
        request,
        "catalog/compare.html",
        {
            "form": CompareForm(request.GET or None),
            "entries": entries if ok else [],
            "problems": problems,
            "matrix_rows": matrix_rows,
            "legend": _legend(),
            "framework_type": EntryType.FRAMEWORK,
        },
    )


@require_safe
def upkeep(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason", "")
    items, counts = selectors.upkeep(reason)
    return render(
        request,
        "catalog/upkeep.html",
        {
            "items": items,
            "counts": counts,
            "reasons": selectors.UPKEEP_REASONS,
            "reason": reason if reason in selectors.UPKEEP_REASONS else "",
            "stale_years": selectors.STALE_AFTER_DAYS // 365,
        },
    )
