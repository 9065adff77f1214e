"""Wiki link prefixes ``[[framework:flask]]`` and ``[[component:jinja2]]``.

A key is what the author wrote, whitespace-collapsed and case-folded ("flask",
"turbogears", "web.py"). It names an entry by its slug, by its slugified form, or by
its name (case-insensitively) — all looked up in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from catalog import facts
from catalog.models import Entry, EntryAlias
from wiki.links import Target, registry

PREFIXES = {"framework": "Framework", "component": "Component"}


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def entry_keys(*, slug: str, name: str) -> set[str]:
    """The link keys that name an entry (the targets its saves tell the change step about)."""
    return {k for k in (slug.casefold(), normalize(name), slugify(name)) if k}


def find_entries(prefix: str, keys: Iterable[str], queryset=None) -> dict[str, Entry]:
    """The entry each key names — by slug, slugified form or name, preferring entries of
    the prefix's type; else by another name (EntryAlias). Two queries at most."""
    wanted = {k for k in keys if k}
    if not wanted:
        return {}
    queryset = (
        queryset if queryset is not None else Entry.objects.only("pk", "type", "name", "slug")
    )
    slugs = wanted | {slugify(k) for k in wanted}
    rows = queryset.annotate(lname=Lower("name")).filter(Q(slug__in=slugs) | Q(lname__in=wanted))
    found: dict[str, Entry] = {}
    preferred: dict[str, bool] = {}
    for entry in rows:
        own = entry.type == prefix
        names = {entry.slug, entry.lname, normalize(entry.name)}
        for key in wanted:
            matches = key in names or slugify(key) == entry.slug
            if matches and (key not in found or (own and not preferred[key])):
                found[key] = entry
                preferred[key] = own
    unknown = wanted - found.keys()
    if unknown:
        by_alias = EntryAlias.objects.filter(
            Q(key__in=unknown) | Q(slug__in={slugify(k) for k in unknown})
        ).values_list("key", "slug", "entry_id")
        ids = {key: entry_id for key, _, entry_id in by_alias}
        ids.update({slug: entry_id for _, slug, entry_id in by_alias if slug not in ids})
        entries = queryset.in_bulk({ids.get(k) or ids.get(slugify(k)) for k in unknown} - {None})
        for key in unknown:
            entry = entries.get(ids.get(key) or ids.get(slugify(key)))
            if entry is not None:
                found[key] = entry
    return found


def make_resolver(prefix: str):
    """A resolver preferring entries of the prefix's type; any entry will do otherwise."""

    def resolve(keys: Iterable[str]) -> dict[str, Target]:
        return {
            key: Target(entry.get_absolute_url(), entry.name, pk=entry.pk)
            for key, entry in find_entries(prefix, keys).items()
        }

    return resolve


def register() -> None:
    for prefix, label in PREFIXES.items():
        registry.register(
            prefix,
            make_resolver(prefix),
            label=label,
            normalize=normalize,
            facts=facts.make_provider(prefix, find_entries),
            fact_views=facts.VIEWS,
        )


def facts_targets(entry_ids: Iterable[int]) -> set[tuple[str, str]]:
    """The facts link targets naming these entries — by slug, name or another name — so
    that the pages embedding their facts ({{framework:flask|facts}}) render again."""
    ids = set(entry_ids)
    keys: set[str] = set()
    for slug, name in Entry.objects.filter(pk__in=ids).values_list("slug", "name"):
        keys |= entry_keys(slug=slug, name=name)
    for key, slug in EntryAlias.objects.filter(entry_id__in=ids).values_list("key", "slug"):
        keys |= {key, slug}
    return {(f"{prefix}-facts", key) for prefix in PREFIXES for key in keys if key}
