"""Reads of the capability grid: a group's page, a capability's page, a framework's cells
by group, and the rows of a comparison (where frameworks differ first)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from catalog.models import (
    TEMPLATES_GROUP,
    Capability,
    CapabilityGroup,
    Entry,
    EntryType,
    Level,
    Support,
)
from wiki.naming import name_order

MEETS = {Level.DEFAULT, Level.YES}


def cells() -> QuerySet[Support]:
    return Support.objects.select_related(
        "framework",
        "capability__group",
        "engine",
        "superseded_by",
        "evidence_page",
        "source__page",
    )


def groups() -> list[CapabilityGroup]:
    return list(
        CapabilityGroup.objects.prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.select_related("engine"))
        )
    )


@dataclass
class GroupGrid:
    group: CapabilityGroup
    capabilities: list[Capability]
    rows: list[tuple[Entry, list[Support | None]]]
    known: int  # cells whose level is not Unknown

    @property
    def size(self) -> int:
        return len(self.rows) * len(self.capabilities)


def group_grid(group: CapabilityGroup) -> GroupGrid:
    """Frameworks × the group's capabilities: every framework with a cell in the group."""
    capabilities = list(group.capabilities.select_related("engine"))
    found = list(cells().filter(capability__group=group))
    by_framework: dict[int, dict[int, Support]] = {}
    frameworks: dict[int, Entry] = {}
    for cell in found:
        frameworks[cell.framework_id] = cell.framework
        by_framework.setdefault(cell.framework_id, {})[cell.capability_id] = cell
    ordered = sorted(frameworks.values(), key=lambda e: e.name.casefold())
    rows = [(f, [by_framework[f.pk].get(c.pk) for c in capabilities]) for f in ordered]
    known = sum(1 for c in found if c.level != Level.UNKNOWN)
    return GroupGrid(group, capabilities, rows, known)


def capability_cells(capability: Capability) -> list[Support]:
    """Every framework's cell for one capability: those that have it first."""
    rank = {Level.DEFAULT: 0, Level.YES: 1, Level.PLANNED: 2, Level.UNCLEAR: 3, Level.NO: 4}
    found = list(cells().filter(capability=capability))
    found.sort(key=lambda c: (rank.get(c.level, 5), c.framework.name.casefold()))
    return found


def frameworks_without(capability: Capability) -> QuerySet[Entry]:
    """Frameworks with no cell for it yet (what editors could fill in)."""
    return (
        Entry.objects.filter(type=EntryType.FRAMEWORK)
        .exclude(support_row__capability=capability)
        .order_by(name_order("name"))
    )


@dataclass
class GroupCells:
    group: CapabilityGroup
    rows: list[tuple[Capability, Support | None]]

    @property
    def known(self) -> int:
        return sum(1 for _, c in self.rows if c is not None and c.level != Level.UNKNOWN)


def framework_groups(entry: Entry, entry_cells: list[Support]) -> list[GroupCells]:
    """A framework's cells, group by group: every capability of the general groups (a
    missing cell shows as not known yet), and the template engines it has cells for."""
    by_capability = {c.capability_id: c for c in entry_cells}
    out = []
    for group in groups():
        if group.slug == TEMPLATES_GROUP:
            rows = [
                (c, by_capability[c.pk]) for c in group.capabilities.all() if c.pk in by_capability
            ]
            rows.sort(key=lambda r: r[0].name.casefold())
        else:
            rows = [(c, by_capability.get(c.pk)) for c in group.capabilities.all()]
        if rows and (group.slug == TEMPLATES_GROUP or any(cell for _, cell in rows)):
            out.append(GroupCells(group, rows))
    return out


@dataclass
class CompareRow:
    capability: Capability
    cells: list[Support | None]

    @property
    def same(self) -> bool:
        values = {(c.level, c.uncertain) if c else None for c in self.cells}
        return len(values) == 1


@dataclass
class CompareGroup:
    group: CapabilityGroup
    differing: list[CompareRow]
    same: list[CompareRow]


def compare_groups(entries: list[Entry]) -> list[CompareGroup]:
    """All groups side by side for these frameworks: rows where they differ first."""
    found = cells().filter(framework__in=entries)
    by = {(c.framework_id, c.capability_id): c for c in found}
    out = []
    for group in groups():
        rows = [
            CompareRow(c, [by.get((e.pk, c.pk)) for e in entries]) for c in group.capabilities.all()
        ]
        rows = [r for r in rows if any(r.cells)]
        if group.slug == TEMPLATES_GROUP:
            rows.sort(key=lambda r: r.capability.name.casefold())
        if rows:
            out.append(
                CompareGroup(
                    group,
                    [r for r in rows if not r.same],
                    [r for r in rows if r.same],
                )
            )
    return out
