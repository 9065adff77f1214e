"""Other names of catalog entries ("Starlite" for Litestar, "repoze.bfg" for Pyramid).

``[[framework:starlite]]`` and ``{{framework:starlite|facts}}`` then name the entry
(catalog/links.py looks aliases up after names and slugs) and ``/catalog/starlite/``
answers 301 to it. An alias may not be another entry's name, slug or alias, nor the
entry's own (a redirect to itself).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from catalog.links import PREFIXES, entry_keys, facts_targets, normalize
from catalog.models import Entry, EntryAlias
from core import changes

MAX_NAME = 100


def parse_names(text: str | Iterable[str]) -> list[str]:
    items = text.splitlines() if isinstance(text, str) else list(text)
    names: dict[str, str] = {}
    problems = []
    for raw in items:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_NAME or not slugify(name) or any(c in name for c in '<>[]{}|"\\'):
            problems.append(
                f"“{name[:60]}” is not a usable name: at most {MAX_NAME} characters, with a "
                'letter or digit, and none of < > [ ] { } | " \\.'
            )
            continue
        names.setdefault(normalize(name), name)
    if problems:
        raise ValidationError(problems, code="invalid_alias")
    return list(names.values())


def clash(name: str, entry: Entry) -> str | None:
    key, slug = normalize(name), slugify(name)
    if entry.pk and (key in entry_keys(slug=entry.slug, name=entry.name) or slug == entry.slug):
        return f"“{name}” is already this entry's name or address: a redirect to itself."
    other = (
        Entry.objects.annotate(lname=Lower("name"))
        .filter(Q(slug__in={slug, key}) | Q(lname=key))
        .exclude(pk=entry.pk)
        .first()
    )
    if other is not None:
        return f"“{name}” is the name or address of another entry, “{other.name}”."
    alias = (
        EntryAlias.objects.filter(Q(key=key) | Q(slug=slug))
        .exclude(entry_id=entry.pk)
        .select_related("entry")
        .first()
    )
    if alias is not None:
        return f"“{name}” is already another name of “{alias.entry.name}”."
    return None


def validate_for(entry: Entry, names: list[str]) -> None:
    problems = [message for name in names if (message := clash(name, entry))]
    if problems:
        raise ValidationError(problems, code="alias_clash")


def set_entry_aliases(*, entry: Entry, names: str | Iterable[str]) -> list[EntryAlias]:
    """Make the entry's other names exactly these; links and facts naming an added or
    removed name render again."""
    cleaned = parse_names(names)
    validate_for(entry, cleaned)
    wanted = {normalize(n): n for n in cleaned}
    with transaction.atomic():
        current = {a.key: a for a in EntryAlias.objects.filter(entry=entry)}
        EntryAlias.objects.filter(
            pk__in=[a.pk for k, a in current.items() if k not in wanted]
        ).delete()
        EntryAlias.objects.bulk_create(
            EntryAlias(entry=entry, name=name, key=key, slug=slugify(name))
            for key, name in wanted.items()
            if key not in current
        )
        moved = set(wanted) ^ set(current)
        moved_slugs = {slugify(k) for k in moved}
        if moved:
            changes.record(
                changed=[entry],
                targets={(p, k) for p in PREFIXES for k in moved | moved_slugs}
                | {(f"{p}-facts", k) for p in PREFIXES for k in moved | moved_slugs}
                | facts_targets([entry.pk]),
                collections=["catalog", "catalog-names"],
            )
    return list(EntryAlias.objects.filter(entry=entry))


def redirect_for(slug: str) -> Entry | None:
    alias = EntryAlias.objects.filter(Q(slug=slug) | Q(key=normalize(slug))).select_related("entry")
    found = alias.first()
    return found.entry if found is not None else None
