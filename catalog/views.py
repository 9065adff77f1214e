"""Catalog pages. Thin: reads come from catalog.selectors, formats from catalog.matrix."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from catalog import aliases, charts, refresh, selectors
from catalog.forms import (
    CompareForm,
    ComponentFilterForm,
    FrameworkFilterForm,
    MatrixFilterForm,
    cleaned,
)
from catalog.matrix import (
    LEVEL_MEANINGS,
    LEVEL_WORDS,
    cell_label,
    export_csv,
    export_json,
)
from catalog.models import (
    Component,
    EntryType,
    FactProposal,
    Framework,
    Level,
    Support,
    web_url,
)
from catalog.services import COLLECTION, NAMES
from core.jsonsafe import HtmlSafeJSONEncoder
from core.pagecache import depends_on

PAGE_SIZE = 50
COMPARE_MIN, COMPARE_MAX = 2, 4


def _legend() -> list[dict[str, str]]:
    return [
        {"css": f"lv-{level.lower()}", "word": LEVEL_WORDS[level], "meaning": LEVEL_MEANINGS[level]}
        for level in Level
    ]


@require_safe
def framework_list(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("q"):  # a text query follows the search index, not versions
        depends_on(
            request,
            collections=[COLLECTION],
            params=[*FrameworkFilterForm.base_fields, "page"],
        )
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
        renamed = aliases.redirect_for(slug)  # another name of an entry
        if renamed is not None:
            return redirect(renamed.get_absolute_url(), permanent=True)
        raise Http404(slug)
    # Its version covers what the page shows: its facts, cells, relations, the names of
    # the entries they name and the wiki pages about it (catalog/services.py bumps it).
    depends_on(request, entry)
    detail = selectors.entry_detail(entry)
    what = entry.get_kind_display() if entry.is_framework else entry.get_category_display()
    description = entry.summary or f"{entry.name}: a {what.lower()} in the catalog."
    meta = {"title": entry.name, "description": Truncator(description).chars(160)}
    return render(
        request,
        template,
        {"entry": entry, "detail": detail, "legend": _legend(), "meta": meta},
    )


@require_safe
def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Framework, slug, "catalog/framework_detail.html")


@require_safe
def component_list(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=[*ComponentFilterForm.base_fields, "page"])
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
        name=data.get("q", ""),
    )
    return form, grid


@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=list(MatrixFilterForm.base_fields))
    form, grid = _matrix_from(request)
    return render(
        request,
        "catalog/matrix.html",
        {
            "form": form,
            "matrix": grid,
            "legend": _legend(),
            "filtered": bool(set(request.GET) - {"q"}),
            "kept": [(k, v) for k, values in request.GET.lists() if k != "q" for v in values],
        },
    )


@require_safe
def matrix_csv(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
    response = HttpResponse(export_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="matrix.csv"'
    return response


@require_safe
def matrix_json(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
    return HttpResponse(
        json.dumps(export_json(), ensure_ascii=False, indent=1, cls=HtmlSafeJSONEncoder),
        content_type="application/json; charset=utf-8",
    )


@require_safe
def matrix_svg(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=list(MatrixFilterForm.base_fields))
    _, grid = _matrix_from(request)
    return HttpResponse(charts.matrix_svg(grid), content_type="image/svg+xml; charset=utf-8")


def _timeline_entries():
    return list(Framework.objects.filter(first_release__isnull=False))


@require_safe
def timeline_svg(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
    return HttpResponse(
        charts.timeline_svg(_timeline_entries()), content_type="image/svg+xml; charset=utf-8"
    )


@require_safe
def charts_page(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
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
    """Frameworks side by side. Any number picked is a page, never an error: none shows
    the picker, one shows that framework with a prompt to add more, more than four shows
    the first four and says so."""
    wanted = list(dict.fromkeys(s.strip() for s in request.GET.getlist("f") if s.strip()))
    found, unknown = selectors.compare_entries(wanted[: COMPARE_MAX + 20])
    # The compared entries' versions cover their rows; the picker lists every framework.
    depends_on(request, *found, collections=[NAMES], params=["f"])
    notes = []
    if unknown:
        notes.append(
            "No framework called "
            + ", ".join(f"“{s}”" for s in unknown)
            + " in the catalog; check the spelling or pick from the list."
        )
    if len(found) > COMPARE_MAX:
        notes.append(
            f"You picked {len(found)}; here are the first {COMPARE_MAX}. "
            f"Compare at most {COMPARE_MAX} at a time."
        )
    entries = found[:COMPARE_MAX]
    prompt = ""
    if len(entries) == 1:
        prompt = f"Pick one to three more frameworks to compare with {entries[0].name}."
    elif not entries:
        prompt = f"Pick {COMPARE_MIN} to {COMPARE_MAX} frameworks, then press Compare."
    seen = {}
    for entry in entries:
        for cell in entry.support_row.all():
            seen.setdefault(cell.engine.slug, cell.engine)
    engines = sorted(seen.values(), key=lambda e: e.name.casefold())
    by_entry = [{c.engine.slug: c for c in e.support_row.all()} for e in entries]
    matrix_rows = [(engine, [cells.get(engine.slug) for cells in by_entry]) for engine in engines]
    names = ", ".join(e.name for e in entries)
    return render(
        request,
        "catalog/compare.html",
        {
            "form": CompareForm(initial={"f": [e.slug for e in entries]}),
            "entries": entries,
            "problems": notes,
            "prompt": prompt,
            "matrix_rows": matrix_rows,
            "legend": _legend(),
            "framework_type": EntryType.FRAMEWORK,
            "meta": {
                "title": f"Compare {names}" if entries else "Compare frameworks",
                "description": (
                    f"{names} side by side: kind, status, releases, Python versions, "
                    "licence, relations and template engines."
                    if entries
                    else "Python web frameworks side by side: pick two to four."
                ),
            },
        },
    )


@require_safe
def cell(request: HttpRequest, framework: str, engine: str) -> HttpResponse:
    """One matrix cell's evidence: its value as the source wrote it, notes and source."""
    support = get_object_or_404(
        Support.objects.select_related(
            "framework", "engine", "superseded_by", "evidence_page", "source", "source__page"
        ),
        framework__slug=framework,
        engine__slug=engine,
    )
    depends_on(request, support.framework, support.engine)  # a cell's change bumps both
    label = cell_label(support)
    return render(
        request,
        "catalog/cell.html",
        {
            "cell": support,
            "meaning": LEVEL_MEANINGS.get(support.level, ""),
            "evidence_url": web_url(support.evidence_url),
            "legend": _legend(),
            "meta": {
                "title": f"{support.framework.name} × {support.engine.name}: {label}",
                "description": (
                    f"Does {support.framework.name} work with {support.engine.name}? "
                    f"{label}: {LEVEL_MEANINGS.get(support.level, '')}; the evidence and source."
                ),
            },
        },
    )


@require_safe
@staff_member_required
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
            "proposals": list(refresh.pending_proposals()),
            "can_decide": refresh.can_decide(request.user),
        },
    )


def _proposal_for_decision(request: HttpRequest, pk: int) -> FactProposal:
    if not refresh.can_decide(request.user):
        raise PermissionDenied("Accepting and rejecting facts needs the right to change entries.")
    return get_object_or_404(FactProposal.objects.select_related("entry"), pk=pk)


@staff_member_required
@require_POST
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor accepts a fact refresh_facts proposed: the entry changes (or, if it
    changed since the proposal was made, nothing does and the page says why)."""
    proposal = _proposal_for_decision(request, pk)
    try:
        entry = refresh.accept_proposal(proposal, user=request.user)
    except refresh.ProposalError as error:
        messages.error(request, str(error))
    else:
        label = refresh.FIELD_LABELS.get(proposal.field, proposal.field)
        messages.success(
            request, f"Accepted: {entry.name}’s {label} is now {refresh.show(proposal.proposed)}."
        )
    return redirect(proposal.get_absolute_url())


@staff_member_required
@require_POST
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor rejects a proposed fact: refresh_facts does not propose it again."""
    proposal = _proposal_for_decision(request, pk)
    try:
        refresh.reject_proposal(proposal, user=request.user)
    except refresh.ProposalError as error:
        messages.error(request, str(error))
    else:
        label = refresh.FIELD_LABELS.get(proposal.field, proposal.field)
        messages.success(
            request,
            f"Rejected: {proposal.entry.name}’s {label} stays; "
            f"{refresh.show(proposal.proposed)} will not be proposed again.",
        )
    return redirect(proposal.get_absolute_url())
