"""The history of every catalog fact: what an entry, a grid cell or a relation looked like
before and after each change, written by catalog/services.py in the change's transaction.

A *state* is a plain dict of readable values (slugs, keys, ISO dates), so a revision
reads without the rows it names, survives their deletion, and compares field by field.
The page of an entry at a revision is the latest state of each of its objects (the entry,
its cells, its outgoing relations) at or before that revision: any two can be compared.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max

from catalog.models import Entry, Relation, Revision, RevisionAction, Support
from core.activity import Activity
from core.activity import Source as ActivitySource

# The fields of an entry a revision keeps (version, updated and the rendered HTML are
# bookkeeping; they follow from these).
ENTRY_FIELDS = [
    "name",
    "slug",
    "type",
    "kind",
    "category",
    "status",
    "status_note",
    "summary",
    "description",
    "homepage",
    "repository",
    "licence",
    "package",
    "first_release",
    "latest_version",
    "latest_release",
    "end_year",
    "python_note",
    "sloc",
    "size_note",
    "used_by",
    "notes",
]
ENTRY_MANY = {"python_versions": "name", "sources": "key", "pages": "slug"}
CELL_FIELDS = [
    "level",
    "uncertain",
    "undefined_in_source",
    "superseded_by",
    "raw_value",
    "notes",
    "evidence_page",
    "evidence_url",
    "source",
    "last_verified",
]
LABELS = {
    "python_versions": "Python versions",
    "superseded_by": "obsoleted by",
    "evidence_page": "evidence page",
    "evidence_url": "evidence",
    "last_verified": "verified",
    "undefined_in_source": "undefined in source",
    "first_release": "first release",
    "latest_version": "latest version",
    "latest_release": "latest release",
    "end_year": "end year",
    "status_note": "status note",
    "python_note": "Python note",
    "size_note": "size note",
    "used_by": "used by",
}


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def entry_state(pk: int | None) -> dict | None:
    if pk is None:
        return None
    row = Entry.objects.filter(pk=pk).values(*ENTRY_FIELDS).first()
    if row is None:
        return None
    state = {name: _plain(value) for name, value in row.items()}
    entry = Entry(pk=pk)
    for name, key in ENTRY_MANY.items():
        values = getattr(entry, name).values_list(key, flat=True)
        state[name] = sorted(values)
    return state


def cell_state(pk: int | None) -> dict | None:
    if pk is None:
        return None
    row = (
        Support.objects.filter(pk=pk)
        .values(
            "framework__slug",
            "capability__slug",
            "capability__name",
            "superseded_by__slug",
            "evidence_page__slug",
            "source__key",
            *[f for f in CELL_FIELDS if f not in {"superseded_by", "evidence_page", "source"}],
        )
        .first()
    )
    if row is None:
        return None
    state = {
        "framework": row.pop("framework__slug"),
        "capability": row.pop("capability__slug"),
        "capability_name": row.pop("capability__name"),
        "superseded_by": row.pop("superseded_by__slug"),
        "evidence_page": row.pop("evidence_page__slug"),
        "source": row.pop("source__key"),
    }
    state.update({name: _plain(value) for name, value in row.items()})
    return state


def relation_state(pk: int | None) -> dict | None:
    if pk is None:
        return None
    row = (
        Relation.objects.filter(pk=pk)
        .values("source__slug", "type", "target__slug", "target__name", "note", "source_doc__key")
        .first()
    )
    if row is None:
        return None
    return {
        "source": row["source__slug"],
        "type": row["type"],
        "target": row["target__slug"],
        "target_name": row["target__name"],
        "note": row["note"],
        "source_doc": row["source_doc__key"],
    }


STATES = {"entry": entry_state, "cell": cell_state, "relation": relation_state}


def object_key(object_type: str, state: dict) -> str:
    if object_type == "entry":
        return state["slug"]
    if object_type == "cell":
        return f"{state['framework']}/{state['capability']}"
    return f"{state['source']} {state['type']} {state['target']}"


@dataclass
class Change:
    """Who and why, carried from the caller (admin, import, fixtures …) to the revision."""

    actor: object | None = None  # a User, or None for commands and fixtures
    via: str = "service"
    comment: str = ""


def record(
    object_type: str,
    *,
    entry_id: int | None,
    before: dict | None,
    after: dict | None,
    change: Change | None,
) -> Revision | None:
    """Write a revision if anything differs; returns it (None if nothing changed).
    ``entry_id``: the entry whose page shows the object, None if it is gone."""
    if before == after or (before is None and after is None):
        return None
    change = change or Change()
    state = after or before
    if before is None:
        action = RevisionAction.CREATED
    elif after is None:
        action = RevisionAction.DELETED
    else:
        action = RevisionAction.CHANGED
    if object_type == "entry":
        entry_name = state["name"]
    else:
        entry_name = Entry.objects.filter(pk=entry_id).values_list("name", flat=True).first()
    actor = change.actor if getattr(change.actor, "is_authenticated", False) else None
    return Revision.objects.create(
        entry_id=entry_id,
        entry_name=entry_name or state.get("framework") or state.get("source") or "?",
        object_type=object_type,
        object_key=object_key(object_type, state)[:220],
        action=action,
        before=before,
        after=after,
        user=actor,
        via=change.via[:20],
        comment=(change.comment or "")[:300],
    )


# ---------------------------------------------------------------- reading history


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def describe(revision: Revision) -> str:
    """One line: “ASGI: No → Yes”, “status, latest version changed”, “created”."""
    what = {
        "entry": "",
        "cell": (revision.after or revision.before or {}).get("capability_name", ""),
        "relation": revision.object_key,
    }[revision.object_type]
    if revision.object_type == "cell" and revision.action == RevisionAction.CREATED:
        return f"{what}: {str(revision.after.get('level', '')).title()} (new)"
    if revision.action != RevisionAction.CHANGED:
        text = revision.get_action_display().lower()
        return f"{what}: {text}" if what else text
    fields = revision.changed_fields()
    if revision.object_type == "cell" and [f for f, _, _ in fields] == ["level"]:
        _, old, new = fields[0]
        return f"{what}: {str(old).title()} → {str(new).title()}"
    names = ", ".join(label(f) for f, _, _ in fields[:4])
    more = "…" if len(fields) > 4 else ""
    return f"{what}: {names}{more}" if what else f"{names}{more}"


def states_at(entry: Entry, revision_id: int | None) -> dict[tuple[str, str], dict]:
    """The entry's page at a revision: (object type, key) → the latest state at or before
    it (deleted objects left out). ``None``: today's revisions, all of them."""
    revisions = Revision.objects.filter(entry=entry)
    if revision_id is not None:
        revisions = revisions.filter(pk__lte=revision_id)
    latest = revisions.values("object_type", "object_key").annotate(last=Max("pk"))
    ids = [row["last"] for row in latest]
    found = {}
    for rev in Revision.objects.filter(pk__in=ids):
        if rev.after is not None:
            found[(rev.object_type, rev.object_key)] = rev.after
    return found


@dataclass
class Difference:
    object_type: str
    key: str
    title: str
    rows: list[tuple[str, object, object]]  # (field label, old, new)


def compare(entry: Entry, old_id: int, new_id: int) -> list[Difference]:
    """What differs between the entry's page at two revisions, object by object."""
    old, new = states_at(entry, old_id), states_at(entry, new_id)
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: ("entry cell relation".index(k[0]), k)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        names = list(dict.fromkeys([*(a or {}), *(b or {})]))
        rows = [
            (label(n), (a or {}).get(n), (b or {}).get(n))
            for n in names
            if (a or {}).get(n) != (b or {}).get(n) and n not in {"capability_name", "target_name"}
        ]
        state = b or a
        title = {
            "entry": "The entry",
            "cell": f"Cell: {state.get('capability_name') or state.get('capability')}",
            "relation": f"Relation: {key[1]}",
        }[key[0]]
        if a is None:
            title += " (added)"
        elif b is None:
            title += " (removed)"
        out.append(Difference(key[0], key[1], title, rows))
    return out


def activity(revision: Revision) -> Activity:
    """A revision as Recent changes and the Atom feed show it."""
    entry = revision.entry
    return Activity(
        when=revision.created,
        title=revision.entry_name,
        url=entry.get_absolute_url() if entry else revision.get_absolute_url(),
        what=describe(revision),
        what_url=revision.get_absolute_url(),
        author=revision.user.get_username() if revision.user else settings.WIKI_SITE_NAME,
        comment=revision.comment,
        kind="catalog",
    )


def _edits():
    """The catalog's edits for Recent changes: not the rows a fixture load wrote (a fresh
    site would list hundreds of them); those stay in each entry's history."""
    return Revision.objects.exclude(via="fixtures")


CATALOG_ACTIVITY = ActivitySource(
    name="catalog",
    count=lambda: _edits().count(),
    newest=lambda n: [
        activity(r)
        for r in _edits().select_related("user", "entry").order_by("-created", "-pk")[:n]
    ],
    collections=("catalog",),
)
