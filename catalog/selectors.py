"""Catalog reads: filtered lists, detail bundles, the matrix, upkeep, comparisons.

``filter_frameworks(params)`` is the public entry point the search app combines with its
full-text query: it takes GET-style params and returns a plain QuerySet of frameworks.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from catalog import grid
from catalog.forms import (
    COMPONENT_SORTS,
    FRAMEWORK_SORTS,
    ComponentFilterForm,
    FrameworkFilterForm,
    cleaned,
    engines_queryset,
)
from catalog.links import entry_keys
from catalog.models import (
    Component,
    Entry,
    EntryType,
    Framework,
    Level,
    Relation,
    Source,
    Support,
)
from search.api import ids_matching
from wiki.models import Page
from wiki.naming import name_order

STALE_AFTER_DAYS = 2 * 365


def _order(qs: QuerySet, sort: str | None, allowed: Mapping[str, str]) -> QuerySet:
    """Sorted by a column, then by name as a person reads it (aiohttp before Zope)."""
    sort = sort if sort in allowed else "name"
    name = sort.lstrip("-")
    if name == "name":
        return qs.order_by(name_order("name", descending=sort.startswith("-")), "pk")
    expr = F(name).desc(nulls_last=True) if sort.startswith("-") else F(name).asc(nulls_last=True)
    return qs.order_by(expr, name_order("name"), "pk")


def _text(qs: QuerySet, q: str | None) -> QuerySet:
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(summary__icontains=q) | Q(slug__icontains=q))
    return qs


def filter_frameworks(params: Mapping[str, str] | None = None) -> QuerySet[Framework]:
    """Frameworks matching kind/status/python/supports[/supports_level]/q, sorted by ``sort``.

    Unknown or invalid values are ignored. ``supports=jinja2`` means the framework supports
    the engine by default or as an option (DEFAULT or YES); ``supports_level=default`` narrows
    it to DEFAULT.
    """
    data = cleaned(FrameworkFilterForm(params or {}))
    qs = Framework.objects.all()
    if "kind" in data:
        qs = qs.filter(kind=data["kind"])
    if "status" in data:
        qs = qs.filter(status=data["status"])
    if "python" in data:
        qs = qs.filter(python_versions__name=data["python"])
    if "supports" in data:
        levels = (
            [Level.DEFAULT]
            if data.get("supports_level") == "default"
            else [
                Level.DEFAULT,
                Level.YES,
            ]
        )
        cells = Support.objects.filter(engine__slug=data["supports"], level__in=levels)
        qs = qs.filter(pk__in=cells.values("framework_id"))
    if data.get("q"):
        return _search_frameworks(qs, data["q"], data.get("sort"))
    return _order(qs, data.get("sort"), FRAMEWORK_SORTS)


def _search_frameworks(qs: QuerySet, q: str, sort: str | None) -> QuerySet:
    """The text query through the search engine (stemmed, ranked), combined with the
    filters above; name/summary substrings still match ("fla" finds Flask). Without a
    usable index, the substring match alone."""
    ids = ids_matching(q, EntryType.FRAMEWORK)
    if ids is None:
        return _order(_text(qs, q), sort, FRAMEWORK_SORTS)
    substring = Q(name__icontains=q) | Q(summary__icontains=q) | Q(slug__icontains=q)
    qs = qs.filter(Q(pk__in=ids) | substring)
    if sort in FRAMEWORK_SORTS or not ids:
        return _order(qs, sort, FRAMEWORK_SORTS)
    rank = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)),
        default=Value(len(ids)),
        output_field=IntegerField(),
    )
    return qs.order_by(rank, name_order("name"), "pk")


def framework_list(params: Mapping[str, str] | None = None) -> QuerySet[Framework]:
    """filter_frameworks plus what the list page shows (Python versions)."""
    return filter_frameworks(params).prefetch_related("python_versions")


def filter_components(params: Mapping[str, str] | None = None) -> QuerySet[Component]:
    data = cleaned(ComponentFilterForm(params or {}))
    qs = Component.objects.all()
    if "category" in data:
        qs = qs.filter(category=data["category"])
    if "status" in data:
        qs = qs.filter(status=data["status"])
    qs = _text(qs, data.get("q"))
    return _order(qs, data.get("sort"), COMPONENT_SORTS)


# ---------------------------------------------------------------- detail


@dataclass
class EntryDetail:
    entry: Entry
    relations_out: list[Relation]
    relations_in: list[Relation]
    cells: list[Support]  # its template-matrix row (framework) or column (engine)
    pages_about: list[Page]
    pages_linking: list[Page]
    groups: list[grid.GroupCells] = field(default_factory=list)  # a framework's grid


def pages_linking_to_entry(entry: Entry) -> QuerySet[Page]:
    """Wiki pages with a [[framework:…]] or [[component:…]] link naming this entry (by any
    of its names)."""
    keys = entry_keys(slug=entry.slug, name=entry.name)
    for key, slug in entry.aliases.values_list("key", "slug"):
        keys |= {key, slug}
    return (
        Page.objects.filter(
            outgoing_links__kind__in=["framework", "component"],
            outgoing_links__target_key__in=keys,
        )
        .distinct()
        .order_by("key")
    )


def entry_detail(entry: Entry) -> EntryDetail:
    relations = Relation.objects.select_related("source", "target", "source_doc__page")
    groups = []
    if entry.is_framework:
        every = list(grid.cells().filter(framework=entry))
        groups = grid.framework_groups(entry, every)
        cells = sorted((c for c in every if c.engine_id), key=lambda c: c.engine.name.casefold())
    else:
        cells = list(grid.cells().filter(engine=entry).order_by(name_order("framework__name")))
    return EntryDetail(
        entry=entry,
        relations_out=list(
            relations.filter(source=entry).order_by("type", name_order("target__name"))
        ),
        relations_in=list(
            relations.filter(target=entry).order_by("type", name_order("source__name"))
        ),
        cells=cells,
        pages_about=list(entry.pages.order_by("key")),
        pages_linking=list(pages_linking_to_entry(entry)),
        groups=groups,
    )


def detail_bundle(entry: Entry) -> dict:
    """An entry's aliases, relations both ways, its grid row (every capability, Templates
    included, in the grid's order) and, for an engine, its column: five queries."""
    relations = Relation.objects.select_related("source", "target", "source_doc")
    return {
        "aliases": list(entry.aliases.all()),
        "relations_out": list(
            relations.filter(source=entry).order_by("type", name_order("target__name"))
        ),
        "relations_in": list(
            relations.filter(target=entry).order_by("type", name_order("source__name"))
        ),
        "row": list(
            grid.cells()
            .filter(framework=entry)
            .order_by(
                "capability__group__order",
                "capability__group__name",
                "capability__order",
                name_order("capability__name"),
            )
        ),
        "column": (
            []
            if entry.is_framework
            else list(grid.cells().filter(engine=entry).order_by(name_order("framework__name")))
        ),
    }


def get_entry(model, slug: str) -> Entry | None:
    return (
        model.objects.prefetch_related(
            "python_versions", Prefetch("sources", queryset=Source.objects.select_related("page"))
        )
        .filter(slug=slug)
        .first()
    )


# ---------------------------------------------------------------- matrix


@dataclass
class MatrixRow:
    framework: Entry
    cells: list[Support | None]


@dataclass
class Matrix:
    engines: list[Entry]
    rows: list[MatrixRow]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cell_count(self) -> int:
        return sum(self.counts.values())


def build_matrix(
    *,
    frameworks: list[str] | None = None,
    engines: list[str] | None = None,
    kind: str = "",
    status: str = "",
    only_with_data: bool = False,
    name: str = "",
) -> Matrix:
    """The grid, frameworks × template engines, in three queries; `name` keeps the rows
    whose framework name contains it."""
    engine_qs = engines_queryset()
    if engines:
        engine_qs = engine_qs.filter(slug__in=engines)
    engine_list = list(engine_qs)
    fw_qs = Entry.objects.filter(Q(type="framework") | Q(support_row__isnull=False)).distinct()
    if frameworks:
        fw_qs = fw_qs.filter(slug__in=frameworks)
    if kind:
        fw_qs = fw_qs.filter(kind=kind)
    if status:
        fw_qs = fw_qs.filter(status=status)
    if name:
        fw_qs = fw_qs.filter(name__icontains=name)
    fw_list = list(fw_qs.order_by(name_order("name")))
    fw_ids = {f.pk for f in fw_list}
    engine_ids = {e.pk for e in engine_list}
    grid: dict[tuple[int, int], Support] = {}
    counts: dict[str, int] = {}
    for cell in Support.objects.filter(
        framework_id__in=fw_ids, engine_id__in=engine_ids
    ).select_related("framework", "capability", "engine", "superseded_by", "evidence_page"):
        grid[(cell.framework_id, cell.engine_id)] = cell
        counts[cell.level] = counts.get(cell.level, 0) + 1
    rows = [MatrixRow(f, [grid.get((f.pk, e.pk)) for e in engine_list]) for f in fw_list]
    if only_with_data:
        rows = [r for r in rows if any(r.cells)]
    return Matrix(engines=engine_list, rows=rows, counts=counts)


# ---------------------------------------------------------------- compare


def compare_entries(slugs: list[str]) -> tuple[list[Entry], list[str]]:
    """The frameworks named, in the order given, and the slugs that name nothing."""
    found = {
        e.slug: e
        for e in Entry.objects.filter(slug__in=slugs).prefetch_related(
            "python_versions",
            Prefetch("relations_out", queryset=Relation.objects.select_related("target")),
        )
    }
    return [found[s] for s in slugs if s in found], [s for s in slugs if s not in found]


# ---------------------------------------------------------------- upkeep

UPKEEP_REASONS = {
    "unknown": "Unknown",
    "unclear": "Unclear",
    "uncertain": "Uncertain (written with “?”)",
    "undefined": "Undefined in source",
    "stale": "Not verified for 2+ years, or never",
}


def upkeep_reasons(cell: Support, stale_before: datetime.date) -> list[str]:
    reasons = []
    if cell.level == Level.UNKNOWN:
        reasons.append("unknown")
    if cell.level == Level.UNCLEAR:
        reasons.append("unclear")
    if cell.uncertain:
        reasons.append("uncertain")
    if cell.undefined_in_source:
        reasons.append("undefined")
    if cell.last_verified is None or cell.last_verified < stale_before:
        reasons.append("stale")
    return reasons


def upkeep(reason: str = "") -> tuple[list[tuple[Support, list[str]]], dict[str, int]]:
    """Cells needing an editor, with why, and how many cells each reason covers."""
    stale_before = timezone.localdate() - datetime.timedelta(days=STALE_AFTER_DAYS)
    cells = grid.cells().needing_upkeep(stale_before=stale_before)
    items = [(cell, upkeep_reasons(cell, stale_before)) for cell in cells]
    counts = {key: sum(key in r for _, r in items) for key in UPKEEP_REASONS}
    if reason in UPKEEP_REASONS:
        items = [(c, r) for c, r in items if reason in r]
    # Content problems first, staleness alone last.
    items.sort(
        key=lambda item: (
            item[1] == ["stale"],
            item[0].framework.name.casefold(),
            item[0].capability.group.order,
            item[0].row_name.casefold(),
        )
    )
    return items, counts
