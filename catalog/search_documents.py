"""How catalog entries become search documents: registered with search in CatalogConfig.ready().

Frameworks and components are two kinds of document. Besides the name, summary and
description, a document says what readers search for: the component's category ("template
engine", "ORM"), the framework's kind, status, licence, first release, users, other names
found in the entry's own text ("formerly Starlite", "a/k/a repoze.bfg", "Green Unicorn: …"),
the related entries ("built on Werkzeug") and the support-matrix cells with their notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse

from catalog.models import (
    ComponentCategory,
    Entry,
    EntryType,
    FrameworkKind,
    Level,
    Relation,
    Status,
    Support,
)
from search.documents import Document
from search.registry import DocumentType, Facet, register
from search.text import clean, html_to_text
from wiki.search_documents import markdown_to_text

YES_LEVELS = {Level.DEFAULT, Level.YES}

FKIND = Facet("fkind", "Framework kind", dict(FrameworkKind.choices))
CATEGORY = Facet("category", "Component category", dict(ComponentCategory.choices))
STATUS = Facet("status", "Status", dict(Status.choices))
ENGINE = Facet("engine", "Template engine", aliases=("supports",), shown=False)

# Other names an entry's own text gives it. ("Renamed X" is left out: it names a later
# name as often as an earlier one.)
_NAME = r"[“\"]?([A-Za-z][\w.\-]*(?: [A-Z][\w.\-]*){0,3})"
_ALIAS_RE = re.compile(
    r"(?i:formerly|a/k/a|also known as|previously|originally|started (?:in \d{4} )?as)\s+"
    r"(?:\[\[[^\]|]*\|)?" + _NAME
)
# "Green Unicorn: pre-fork WSGI server" — a summary that opens with a capitalised name.
_LEADING_NAME_RE = re.compile(r"^((?:[A-Z][\w.\-]*\s){0,5}[A-Z][\w.\-]*):\s")


def other_names(entry: Entry) -> list[str]:
    text = " ".join([entry.summary, entry.description, entry.notes, entry.status_note])
    names = [m.group(1).rstrip(".-") for m in _ALIAS_RE.finditer(text)]
    leading = _LEADING_NAME_RE.match(entry.summary or "")
    if leading:
        names.append(leading.group(1))
    names.append(entry.slug.replace("-", " "))
    names.extend(alias.name for alias in entry.aliases.all())  # catalog/aliases.py
    own = entry.name.casefold()
    return sorted({n for n in names if n and n.casefold() != own})


def _about(entry: Entry, relations_out, relations_in) -> str:
    is_framework = entry.type == EntryType.FRAMEWORK
    parts = []
    if is_framework:
        parts.append(f"{entry.get_kind_display()} framework")
    else:
        parts.append(entry.get_category_display())
    if entry.status != Status.UNKNOWN:
        parts.append(entry.get_status_display())
    if entry.licence:
        parts.append(f"licence {entry.licence}")
    if entry.first_release:
        parts.append(f"first released in {entry.first_release}")
    if entry.latest_version:
        parts.append(f"latest version {entry.latest_version}")
    users = [u.strip() for u in entry.used_by.splitlines() if u.strip()]
    if users:
        parts.append("used by " + ", ".join(users))
    for rel in relations_out:
        parts.append(f"{rel.get_type_display()} {rel.target.name}")
    if relations_in:
        # Names only: "built on Werkzeug" should find Flask, not Werkzeug itself.
        parts.append("related to " + ", ".join(sorted({r.source.name for r in relations_in})))
    return clean(". ".join(parts))


def entry_document(entry: Entry) -> Document:
    is_framework = entry.type == EntryType.FRAMEWORK
    if entry.description_html:
        description = html_to_text(entry.description_html)
    else:
        description = markdown_to_text(entry.description)
    parts = [entry.summary, description, entry.status_note, entry.python_note, entry.size_note]
    versions = [v.name for v in entry.python_versions.all()]
    if versions:
        parts.append("Python " + " ".join(versions))
    engines: list[str] = []
    cells = entry.support_row.all() if is_framework else entry.support_column.all()
    has = []
    for cell in cells:
        other = cell.capability if is_framework else cell.framework
        level = cell.get_level_display()
        if cell.superseded_by_id:
            level = f"{level} {cell.superseded_by.name}"
        parts.append(f"{other.name}: {level}. {cell.notes}")
        if is_framework and cell.level in YES_LEVELS:
            if cell.engine_id:
                engines.append(cell.engine.slug)
            else:
                has.append(cell.capability.name)
    if has:
        # "has ASGI, ORM, OpenAPI generation": the capabilities, findable by name.
        parts.append("Has " + ", ".join(has) + ".")
    relations_out = list(entry.relations_out.all())
    relations_in = list(entry.relations_in.all())
    facets = {"status": [entry.status]}
    if is_framework:
        facets["fkind"] = [entry.kind]
        facets["engine"] = sorted(set(engines))
    else:
        facets["category"] = [entry.category]
    known = len(relations_out) + len(relations_in) + len(cells) + len(entry.used_by.splitlines())
    return Document(
        kind=EntryType.FRAMEWORK if is_framework else EntryType.COMPONENT,
        object_id=entry.pk,
        title=entry.name,
        body=clean(" ".join(p for p in parts if p)),
        url=_entry_url(entry),
        updated=entry.updated,
        tags=[entry.kind] if is_framework else [entry.category],
        facets=facets,
        names=other_names(entry),
        about=_about(entry, relations_out, relations_in),
        prior=round(min(1.0, known / 40), 3),
    )


def _entry_url(entry: Entry) -> str:
    try:
        return entry.get_absolute_url()
    except NoReverseMatch:  # the catalog's detail routes may not exist yet
        return f"{reverse('catalog:framework-list')}#{entry.slug}"


def _entries():
    return Entry.objects.prefetch_related(
        "aliases",
        "python_versions",
        Prefetch(
            "support_row",
            queryset=Support.objects.select_related(
                "engine", "capability", "superseded_by"
            ).order_by("capability__group__order", "capability__order", "capability__name"),
        ),
        Prefetch(
            "support_column",
            queryset=Support.objects.select_related("framework", "superseded_by").order_by(
                "framework__name"
            ),
        ),
        Prefetch("relations_out", queryset=Relation.objects.select_related("target")),
        Prefetch("relations_in", queryset=Relation.objects.select_related("source")),
    )


def _loader(entry_type: str):
    def load(ids: Sequence[int]) -> dict[int, Document | None]:
        found: dict[int, Document | None] = dict.fromkeys(ids)
        for entry in _entries().filter(pk__in=ids, type=entry_type):
            found[entry.pk] = entry_document(entry)
        return found

    return load


def _ids(entry_type: str):
    def ids() -> Iterable[int]:
        return Entry.objects.filter(type=entry_type).order_by("pk").values_list("pk", flat=True)

    return ids


def _count(entry_type: str):
    return lambda: Entry.objects.filter(type=entry_type).count()


def register_entries() -> None:
    register(
        DocumentType(
            kind=EntryType.FRAMEWORK.value,
            label="Framework",
            load=_loader(EntryType.FRAMEWORK),
            all_ids=_ids(EntryType.FRAMEWORK),
            count=_count(EntryType.FRAMEWORK),
            facets=(FKIND, STATUS, ENGINE),
        )
    )
    register(
        DocumentType(
            kind=EntryType.COMPONENT.value,
            label="Component",
            load=_loader(EntryType.COMPONENT),
            all_ids=_ids(EntryType.COMPONENT),
            count=_count(EntryType.COMPONENT),
            facets=(CATEGORY, STATUS),
        )
    )
