"""Catalog writes: entries (with their link bookkeeping) and matrix cells.

Views and the admin save through Django's model machinery; the receivers in
catalog.signals call back in here, so raw saves (loaddata) get the same treatment.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from catalog.links import PREFIXES
from catalog.models import Entry, EntryType, Support
from wiki.markup import render
from wiki.services import links_changed


def render_description(entry: Entry) -> None:
    """Markdown → sanitized HTML, stored on the entry (never rendered per request), with
    the link targets it names."""
    if not entry.description.strip():
        entry.description_html, entry.description_links = "", ""
        return
    rendered = render(entry.description)
    entry.description_html = rendered.html
    names = sorted({f"{link.kind}:{link.key}" for link in rendered.links})
    entry.description_links = f"|{'|'.join(names)}|" if names else ""


def rerender_description(pk: int) -> bool:
    """Render again once other rows exist (after a raw fixture load commits, or when a
    target it names appears). True if the HTML changed."""
    entry = (
        Entry.objects.filter(pk=pk)
        .only("description", "description_html", "description_links")
        .first()
    )
    if entry is None:
        return False
    old = (entry.description_html, entry.description_links)
    render_description(entry)
    if (entry.description_html, entry.description_links) == old:
        return False
    Entry.objects.filter(pk=pk).update(
        description_html=entry.description_html,
        description_links=entry.description_links,
    )
    return True


def rerender_descriptions_naming(*, kind: str, keys: Iterable[str]) -> int:
    """Link targets appeared, moved or went away: render again the descriptions that
    name them, so their links turn blue or red. Returns how many changed."""
    keys = sorted(set(keys))
    changed = 0
    for start in range(0, len(keys), 200):
        naming = Q()
        for key in keys[start : start + 200]:
            naming |= Q(description_links__contains=f"|{kind}:{key}|")
        for pk in Entry.objects.filter(naming).values_list("pk", flat=True):
            changed += rerender_description(pk)
    return changed


def entry_links_changed(*, keys: Iterable[str]) -> None:
    """Re-render the wiki pages whose [[framework:…]] / [[component:…]] links name these keys."""
    keys = set(keys)
    if keys:
        for kind in PREFIXES:
            links_changed(kind=kind, keys=keys)


@transaction.atomic
def entry_save(*, entry: Entry) -> Entry:
    """Validate (constraints included) and save; links follow through catalog.signals."""
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def framework_create(*, name: str, slug: str, kind: str, **fields) -> Entry:
    entry = Entry(type=EntryType.FRAMEWORK, name=name, slug=slug, kind=kind, **fields)
    return entry_save(entry=entry)


@transaction.atomic
def component_create(*, name: str, slug: str, category: str, **fields) -> Entry:
    entry = Entry(type=EntryType.COMPONENT, name=name, slug=slug, category=category, **fields)
    return entry_save(entry=entry)


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    """Delete; catalog.signals.after_delete re-renders the pages that linked to it."""
    entry.delete()


@transaction.atomic
def support_save(*, support: Support) -> Support:
    support.full_clean()
    support.save()
    return support
