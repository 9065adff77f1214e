"""What the catalog does when something it shows or names changes elsewhere.

The change step's catalog follower (core/changes.py), in the changing transaction:

- descriptions naming a link target that appeared, moved or went away are queued for
  rendering again (``catalog.describe`` in the outbox; rendered after the commit);
- entries that gained or lost a wiki page linking to them (``[[framework:flask]]``), or
  whose "pages about it" were created, renamed or deleted, have their versions bumped:
  their pages list those pages.
"""

from __future__ import annotations

from collections import defaultdict

from catalog.links import PREFIXES, make_resolver
from catalog.models import Entry
from catalog.services import DESCRIBE_TOPIC, entries_naming, rerender_descriptions
from core.changes import Changes, bump_versions
from core.outbox import enqueue
from wiki.models import Page, PageLink

BATCH = 50


def follow_changes(change: Changes) -> None:
    label = Entry._meta.label_lower
    if change.targets:
        ids = entries_naming(change.targets) - change.ids(label, of="removed")
        if ids:
            enqueue(DESCRIBE_TOPIC, [str(pk) for pk in sorted(ids)])
    shown = _entries_linked(change.linked) | _entries_showing_pages(change)
    if shown:
        bump_versions((label, pk) for pk in shown)


def _entries_linked(linked: set[tuple[str, str]]) -> set[int]:
    by_prefix: dict[str, set[str]] = defaultdict(set)
    for kind, key in linked:
        if kind in PREFIXES:
            by_prefix[kind].add(key)
    ids: set[int] = set()
    for prefix, keys in by_prefix.items():
        ids.update(t.pk for t in make_resolver(prefix)(keys).values() if t.pk)
    return ids


def _entries_showing_pages(change: Changes) -> set[int]:
    """Pages created, renamed or deleted (their titles are link targets that moved)."""
    if not any(kind == PageLink.PAGE for kind, _ in change.targets):
        return set()
    label = Page._meta.label_lower
    pages = change.ids(label) | change.ids(label, of="removed")
    if not pages:
        return set()
    ids = set(
        Entry.pages.through.objects.filter(page_id__in=pages).values_list("entry_id", flat=True)
    )
    keys = set(
        PageLink.objects.filter(source_id__in=pages, kind__in=list(PREFIXES)).values_list(
            "kind", "target_key"
        )
    )
    return ids | _entries_linked(keys)


def handle(keys: list[str]) -> None:
    """The outbox handler of catalog.describe tasks."""
    rerender_descriptions(int(k) for k in keys)
