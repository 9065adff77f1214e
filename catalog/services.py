"""Every write to the catalog goes through here: the admin, import_matrix, fixtures.

As in wiki/services.py, a write renders what needs rendering (an entry's description)
before its transaction, writes, and ends with one :func:`core.changes.record` saying what
changed: the entries whose pages show something new (their versions bump, so cached
pages showing them miss), whether the catalog's lists changed, and the link targets that
appeared, moved or went away (the wiki pages and descriptions naming them are queued for
re-rendering). Rules are checked by ``full_clean()`` — the model's constraints included —
before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from catalog.links import PREFIXES, entry_keys
from catalog.models import DescriptionLink, Entry, EntryType, Relation, Source, Support
from core import changes, outbox
from wiki.markup import Rendered
from wiki.render import render, targets_moved_since

COLLECTION = "catalog"  # any change to what the catalog's lists show
NAMES = "catalog-names"  # entries created, renamed or deleted (pickers list their names)
DESCRIBE_TOPIC = "catalog.describe"


# ---------------------------------------------------------------- descriptions


def render_description(description: str) -> Rendered | None:
    """Markdown → sanitized HTML (never rendered per request), in bounded time. Call it
    before the transaction that stores the result."""
    return render(description) if description.strip() else None


def _store_description(entry: Entry, rendered: Rendered | None) -> None:
    """The entry's HTML and the link targets it names; queued for another rendering if a
    target moved while it rendered."""
    html = rendered.html if rendered else ""
    if entry.description_html != html:
        Entry.objects.filter(pk=entry.pk).update(description_html=html)
        entry.description_html = html
    wanted = {(link.kind, link.key[:220]) for link in rendered.links} if rendered else set()
    stored = set(DescriptionLink.objects.filter(entry=entry).values_list("kind", "key"))
    if stored - wanted:
        gone = Q.create([Q(kind=k, key=key) for k, key in stored - wanted], connector=Q.OR)
        DescriptionLink.objects.filter(entry=entry).filter(gone).delete()
    DescriptionLink.objects.bulk_create(
        DescriptionLink(entry=entry, kind=k, key=key) for k, key in wanted - stored
    )
    if rendered is not None and targets_moved_since(rendered):
        outbox.enqueue(DESCRIBE_TOPIC, [str(entry.pk)])


def rerender_descriptions(entry_ids: Iterable[int]) -> int:
    """Render these descriptions again with today's link targets (the outbox handler):
    each before its own short transaction, stored only if the text did not change
    meanwhile. Returns how many changed."""
    changed = 0
    for pk in sorted(set(entry_ids)):
        row = Entry.objects.filter(pk=pk).values_list("description", "description_html").first()
        if row is None:
            continue
        description, old_html = row
        rendered = render_description(description)
        with transaction.atomic():
            entry = Entry.objects.filter(pk=pk, description=description).first()
            if entry is None:
                continue  # edited meanwhile: that save rendered it
            _store_description(entry, rendered)
            if entry.description_html != old_html:
                changes.record(changed=[entry])
                changed += 1
    return changed


def entries_naming(targets: set[tuple[str, str]]) -> set[int]:
    """Entries whose descriptions name any of these link targets."""
    ids: set[int] = set()
    pairs = sorted(targets)
    for start in range(0, len(pairs), 200):
        naming = Q.create(
            [Q(kind=k, key=key) for k, key in pairs[start : start + 200]], connector=Q.OR
        )
        ids.update(DescriptionLink.objects.filter(naming).values_list("entry_id", flat=True))
    return ids


# ---------------------------------------------------------------- entries


def _neighbours(entry_ids: Iterable[int]) -> set[int]:
    """Entries whose pages show these entries' names: related, and matrix neighbours."""
    ids = list(entry_ids)
    found: set[int] = set()
    for a, b in Relation.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).values_list(
        "source_id", "target_id"
    ):
        found.update((a, b))
    for a, b, c in Support.objects.filter(
        Q(framework_id__in=ids) | Q(engine_id__in=ids) | Q(superseded_by_id__in=ids)
    ).values_list("framework_id", "engine_id", "superseded_by_id"):
        found.update(x for x in (a, b, c) if x)
    return found - set(ids)


def keys_targets(keys: set[str]) -> set[tuple[str, str]]:
    return {(prefix, key) for prefix in PREFIXES for key in keys}


def entry_save(
    *,
    entry: Entry,
    rendered: Rendered | None = None,
    after_save=None,
    validate: bool = True,
) -> Entry:
    """Validate (constraints included) and save an entry with its description's HTML.
    `rendered`: the description already rendered outside the transaction (the admin does
    that); `after_save(entry)` writes what belongs with it in the same transaction (the
    admin's many-to-many fields and inlines)."""
    if validate:
        entry.full_clean()
    if rendered is None:
        rendered = render_description(entry.description)
    with transaction.atomic():
        old = (
            Entry.objects.filter(pk=entry.pk).values_list("slug", "name").first()
            if entry.pk
            else None
        )
        entry.description_html = rendered.html if rendered else ""
        entry.save()
        _store_description(entry, rendered)
        if after_save is not None:
            after_save(entry)
        old_keys = entry_keys(slug=old[0], name=old[1]) if old else set()
        new_keys = entry_keys(slug=entry.slug, name=entry.name)
        renamed = old is None or old_keys != new_keys
        neighbours = _neighbours([entry.pk]) if renamed else set()
        changes.record(
            changed=[entry, *((Entry._meta.label_lower, pk) for pk in neighbours)],
            targets=keys_targets(old_keys | new_keys) if renamed else (),
            collections=[COLLECTION, NAMES] if renamed else [COLLECTION],
        )
    return entry


def framework_create(*, name: str, slug: str, kind: str, **fields) -> Entry:
    entry = Entry(type=EntryType.FRAMEWORK, name=name, slug=slug, kind=kind, **fields)
    return entry_save(entry=entry)


def component_create(*, name: str, slug: str, category: str, **fields) -> Entry:
    entry = Entry(type=EntryType.COMPONENT, name=name, slug=slug, category=category, **fields)
    return entry_save(entry=entry)


def entry_delete(*, entry: Entry) -> None:
    """Delete; the pages and descriptions that linked to it turn red when re-rendered."""
    with transaction.atomic():
        label = Entry._meta.label_lower
        neighbours = _neighbours([entry.pk])
        keys = entry_keys(slug=entry.slug, name=entry.name)
        pk = entry.pk
        entry.delete()
        changes.record(
            removed=[(label, pk)],
            changed=[(label, n) for n in neighbours],
            targets=keys_targets(keys),
            collections=[COLLECTION, NAMES],
        )


# ---------------------------------------------------------------- cells, relations, sources


def _cell_entries(cell: Support) -> list[tuple[str, int]]:
    label = Entry._meta.label_lower
    ids = {cell.framework_id, cell.engine_id}
    return [(label, pk) for pk in ids if pk]


def support_save(*, support: Support, validate: bool = True) -> Support:
    """A matrix cell: its framework's and its engine's pages (and documents) change."""
    if validate:
        support.full_clean()
    with transaction.atomic():
        before = (
            Support.objects.filter(pk=support.pk).values_list("framework_id", "engine_id").first()
            if support.pk
            else None
        )
        support.save()
        moved = [(Entry._meta.label_lower, pk) for pk in before or ()]
        changes.record(changed=[*_cell_entries(support), *moved], collections=[COLLECTION])
    return support


def support_delete(*, support: Support) -> None:
    with transaction.atomic():
        touched = _cell_entries(support)
        support.delete()
        changes.record(changed=touched, collections=[COLLECTION])


def relation_save(*, relation: Relation, validate: bool = True) -> Relation:
    if validate:
        relation.full_clean()
    with transaction.atomic():
        before = (
            Relation.objects.filter(pk=relation.pk).values_list("source_id", "target_id").first()
            if relation.pk
            else None
        )
        relation.save()
        label = Entry._meta.label_lower
        ids = {relation.source_id, relation.target_id, *(before or ())}
        changes.record(changed=[(label, pk) for pk in ids], collections=[COLLECTION])
    return relation


def relation_delete(*, relation: Relation) -> None:
    with transaction.atomic():
        label = Entry._meta.label_lower
        ids = {relation.source_id, relation.target_id}
        relation.delete()
        changes.record(changed=[(label, pk) for pk in ids], collections=[COLLECTION])


def citing(source_id: int) -> set[int]:
    ids = set(Entry.objects.filter(sources=source_id).values_list("pk", flat=True))
    ids.update(Relation.objects.filter(source_doc=source_id).values_list("source_id", flat=True))
    for a, b in Support.objects.filter(source=source_id).values_list("framework_id", "engine_id"):
        ids.update((a, b))
    return ids


def source_save(*, source: Source, validate: bool = True) -> Source:
    """A source's title or address: every entry citing it shows it."""
    if validate:
        source.full_clean()
    with transaction.atomic():
        source.save()
        label = Entry._meta.label_lower
        changes.record(shown=[(label, pk) for pk in citing(source.pk)], collections=[COLLECTION])
    return source


def source_delete(*, source: Source) -> None:
    with transaction.atomic():
        citers = citing(source.pk)
        source.delete()
        label = Entry._meta.label_lower
        changes.record(shown=[(label, pk) for pk in citers], collections=[COLLECTION])


def catalog_changed(*, entries: Iterable[int] = ()) -> None:
    """Something else changed catalog rows (loaddata, a Python version): the lists and
    these entries' pages are outdated."""
    label = Entry._meta.label_lower
    changes.record(changed=[(label, pk) for pk in entries], collections=[COLLECTION])
