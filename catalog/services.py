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
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from catalog import history
from catalog.history import Change
from catalog.links import PREFIXES, entry_keys, facts_targets
from catalog.models import (
    Capability,
    DescriptionLink,
    Entry,
    EntryType,
    PythonVersion,
    Relation,
    Revision,
    Source,
    Support,
)
from core import changes, outbox
from wiki.markup import Rendered
from wiki.models import Page
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
    actor=None,
    via: str = "service",
    comment: str = "",
) -> Entry:
    """Validate (constraints included) and save an entry with its description's HTML.
    `rendered`: the description already rendered outside the transaction (the admin does
    that); `after_save(entry)` writes what belongs with it in the same transaction (the
    admin's many-to-many fields and inlines). A revision records the values before and
    after, with who (`actor`), the path (`via`: admin, import, refresh …) and why."""
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
        before = history.entry_state(entry.pk)
        entry.description_html = rendered.html if rendered else ""
        entry.save()
        _store_description(entry, rendered)
        if after_save is not None:
            after_save(entry)
        history.record(
            "entry",
            entry_id=entry.pk,
            before=before,
            after=history.entry_state(entry.pk),
            change=Change(actor, via, comment),
        )
        old_keys = entry_keys(slug=old[0], name=old[1]) if old else set()
        new_keys = entry_keys(slug=entry.slug, name=entry.name)
        renamed = old is None or old_keys != new_keys
        neighbours = _neighbours([entry.pk]) if renamed else set()
        changes.record(
            changed=[entry, *((Entry._meta.label_lower, pk) for pk in neighbours)],
            targets=(keys_targets(old_keys | new_keys) if renamed else set())
            | facts_targets([entry.pk, *neighbours]),
            collections=[COLLECTION, NAMES] if renamed else [COLLECTION],
        )
    return entry


def framework_create(*, name: str, slug: str, kind: str, **fields) -> Entry:
    entry = Entry(type=EntryType.FRAMEWORK, name=name, slug=slug, kind=kind, **fields)
    return entry_save(entry=entry)


def component_create(*, name: str, slug: str, category: str, **fields) -> Entry:
    entry = Entry(type=EntryType.COMPONENT, name=name, slug=slug, category=category, **fields)
    return entry_save(entry=entry)


def entry_delete(*, entry: Entry, actor=None, via: str = "service", comment: str = "") -> None:
    """Delete; the pages and descriptions that linked to it turn red when re-rendered."""
    with transaction.atomic():
        before = history.entry_state(entry.pk)
        label = Entry._meta.label_lower
        neighbours = _neighbours([entry.pk])
        keys = entry_keys(slug=entry.slug, name=entry.name)
        embedded = facts_targets([entry.pk, *neighbours])
        pk = entry.pk
        entry.delete()
        history.record(
            "entry", entry_id=None, before=before, after=None, change=Change(actor, via, comment)
        )
        changes.record(
            removed=[(label, pk)],
            changed=[(label, n) for n in neighbours],
            targets=keys_targets(keys) | embedded,
            collections=[COLLECTION, NAMES],
        )


# ---------------------------------------------------------------- cells, relations, sources


@dataclass(frozen=True)
class Row:
    """How a catalog row other than an entry is written: its history kind, the entry whose
    page owns it (its history), the entries whose pages show it, and whether live facts in
    prose show it (template cells: the "supports" view)."""

    kind: str
    owner: str
    ends: tuple[str, str]
    in_facts: bool


ROWS = {
    Support: Row("cell", "framework_id", ("framework_id", "engine_id"), in_facts=True),
    Relation: Row("relation", "source_id", ("source_id", "target_id"), in_facts=False),
}


def _row_changed(row: Row, ids: set[int]) -> None:
    label = Entry._meta.label_lower
    ids = ids - {None}
    changes.record(
        changed=[(label, pk) for pk in ids],
        targets=facts_targets(ids) if row.in_facts else set(),
        collections=[COLLECTION],
    )


def _row_save(obj, *, validate: bool, change: Change):
    """Validate and save a cell or a relation; its revision, and what changed: the
    entries at both its ends, before and after (a cell may move to another row)."""
    row = ROWS[type(obj)]
    if validate:
        obj.full_clean()
    with transaction.atomic():
        before = history.STATES[row.kind](obj.pk)
        ends_before = (
            type(obj).objects.filter(pk=obj.pk).values_list(*row.ends).first() if obj.pk else ()
        )
        obj.save()
        history.record(
            row.kind,
            entry_id=getattr(obj, row.owner),
            before=before,
            after=history.STATES[row.kind](obj.pk),
            change=change,
        )
        _row_changed(row, {*(getattr(obj, end) for end in row.ends), *(ends_before or ())})
    return obj


def _row_delete(obj, *, change: Change) -> None:
    row = ROWS[type(obj)]
    with transaction.atomic():
        before = history.STATES[row.kind](obj.pk)
        owner, ends = getattr(obj, row.owner), {getattr(obj, end) for end in row.ends}
        obj.delete()
        history.record(row.kind, entry_id=owner, before=before, after=None, change=change)
        _row_changed(row, ends)


def support_save(
    *,
    support: Support,
    validate: bool = True,
    actor=None,
    via: str = "service",
    comment: str = "",
) -> Support:
    """A grid cell: its framework's and (for a template cell) its engine's pages change."""
    return _row_save(support, validate=validate, change=Change(actor, via, comment))


def support_delete(
    *, support: Support, actor=None, via: str = "service", comment: str = ""
) -> None:
    _row_delete(support, change=Change(actor, via, comment))


def relation_save(
    *,
    relation: Relation,
    validate: bool = True,
    actor=None,
    via: str = "service",
    comment: str = "",
) -> Relation:
    return _row_save(relation, validate=validate, change=Change(actor, via, comment))


def relation_delete(
    *, relation: Relation, actor=None, via: str = "service", comment: str = ""
) -> None:
    _row_delete(relation, change=Change(actor, via, comment))


def citing(source_id: int) -> set[int]:
    ids = set(Entry.objects.filter(sources=source_id).values_list("pk", flat=True))
    ids.update(Relation.objects.filter(source_doc=source_id).values_list("source_id", flat=True))
    for a, b in Support.objects.filter(source=source_id).values_list("framework_id", "engine_id"):
        ids.update(x for x in (a, b) if x)
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


# ---------------------------------------------------------------- revert


class RevertError(Exception):
    """The revision cannot be undone as it stands (say why)."""


def _entries_by_slug(slugs) -> dict[str, Entry]:
    return {e.slug: e for e in Entry.objects.filter(slug__in=[s for s in slugs if s])}


def _apply_cell(cell: Support, values: dict) -> None:
    entries = _entries_by_slug([values.get("superseded_by")])
    for name in history.CELL_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "superseded_by":
            cell.superseded_by = entries.get(value) if value else None
        elif name == "evidence_page":
            cell.evidence_page = Page.everything.filter(slug=value).first() if value else None
        elif name == "source":
            cell.source = Source.objects.filter(key=value).first() if value else None
        else:
            setattr(cell, name, value)


def _apply_entry(entry: Entry, values: dict) -> dict[str, list]:
    """Set the scalar fields; return the many-to-many ones to set after saving."""
    many = {}
    for name, value in values.items():
        if name in history.ENTRY_MANY:
            many[name] = value
        elif name in history.ENTRY_FIELDS:
            setattr(entry, name, value)
    return many


def _set_many(entry: Entry, many: dict[str, list]) -> None:
    models = {
        "python_versions": PythonVersion.objects,
        "sources": Source.objects,
        "pages": Page.everything,
    }
    for name, keys in many.items():
        key = history.ENTRY_MANY[name]
        manager = models[name]
        getattr(entry, name).set(manager.filter(**{f"{key}__in": keys or []}))


def revert(revision: Revision, *, actor=None, comment: str = "") -> None:
    """Undo one change: the fields it changed go back to their values before it (other
    fields keep later edits); a creation is undone by deleting, a deletion by restoring.
    Writes through the services, so the revert is itself a revision."""
    change = {"actor": actor, "via": "revert", "comment": comment or f"Reverted #{revision.pk}"}
    before, after = revision.before, revision.after
    fields = {name: old for name, old, _ in revision.changed_fields()}
    kind = revision.object_type
    if kind == "entry":
        current = Entry.objects.filter(slug=(after or before)["slug"]).first()
        if revision.action == "created":
            if current is None:
                raise RevertError("The entry is already gone.")
            entry_delete(entry=current, **change)
            return
        if revision.action == "deleted":
            if Entry.objects.filter(slug=before["slug"]).exists():
                raise RevertError(f"An entry called “{before['slug']}” exists again.")
            current, fields = Entry(), before
        elif current is None:
            raise RevertError("The entry has been deleted since; restore its deletion first.")
        many = _apply_entry(current, fields)
        entry_save(entry=current, after_save=lambda e: _set_many(e, many), **change)
        return
    state = after or before
    if kind == "cell":
        entries = _entries_by_slug([state["framework"]])
        capability = Capability.objects.filter(slug=state["capability"]).first()
        if state["framework"] not in entries or capability is None:
            raise RevertError("The framework or the capability no longer exists.")
        cell = Support.objects.filter(
            framework=entries[state["framework"]], capability=capability
        ).first()
        if revision.action == "created":
            if cell is not None:
                support_delete(support=cell, **change)
            return
        if cell is None:
            cell = Support(framework=entries[state["framework"]], capability=capability)
            fields = before
        _apply_cell(cell, fields)
        support_save(support=cell, **change)
        return
    entries = _entries_by_slug([state["source"], state["target"]])
    if len(entries) < 2:
        raise RevertError("One end of the relation no longer exists.")
    relation = Relation.objects.filter(
        source=entries[state["source"]], type=state["type"], target=entries[state["target"]]
    ).first()
    if revision.action == "created":
        if relation is not None:
            relation_delete(relation=relation, **change)
        return
    relation = relation or Relation(
        source=entries[state["source"]], type=state["type"], target=entries[state["target"]]
    )
    relation.note = before.get("note", "")
    relation.source_doc = Source.objects.filter(key=before.get("source_doc")).first()
    relation_save(relation=relation, **change)


def catalog_changed(*, entries: Iterable[int] = ()) -> None:
    """Something else changed catalog rows (loaddata, a Python version): the lists and
    these entries' pages are outdated."""
    label = Entry._meta.label_lower
    changes.record(changed=[(label, pk) for pk in entries], collections=[COLLECTION])
