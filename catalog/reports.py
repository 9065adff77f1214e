"""What readers can report problems with in the catalog: entries and matrix cells
(corrections/registry.py)."""

from __future__ import annotations

from django.urls import reverse

from catalog.models import Entry, EntryType, Support
from corrections.registry import Subject
from corrections.registry import register as register_subject


def _entry_edit_url(entry: Entry) -> str:
    name = "framework" if entry.type == EntryType.FRAMEWORK else "component"
    return reverse(f"admin:catalog_{name}_change", args=[entry.pk])


def register() -> None:
    register_subject(
        Subject(
            kind="entry",
            label="catalog entry",
            queryset=lambda: Entry.objects.all(),
            describe=lambda entry: f"the catalog entry “{entry.name}”",
            public_url=lambda entry: entry.get_absolute_url(),
            edit_url=_entry_edit_url,
        )
    )
    register_subject(
        Subject(
            kind="cell",
            label="matrix cell",
            queryset=lambda: Support.objects.select_related("framework", "capability", "engine"),
            describe=lambda cell: f"the grid cell {cell.framework.name} × {cell.row_name}",
            public_url=Support.get_page_url,
            edit_url=lambda cell: reverse("admin:catalog_support_change", args=[cell.pk]),
        )
    )
