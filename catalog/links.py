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

from catalog.models import Entry
from wiki.links import Target, registry

PREFIXES = {"framework": "Framework", "component": "Component"}


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def entry_keys(*, slug: str, name: str) -> set[str]:
    """The link keys that name an entry (the targets its saves tell the change step about)."""
    return {k for k in (slug.casefold(), normalize(name), slugify(name)) if k}


def make_resolver(prefix: str):
    """A resolver preferring entries of the prefix's type; any entry will do otherwise."""

    def resolve(keys: Iterable[str]) -> dict[str, Target]:
        wanted = {k for k in keys if k}
        if not wanted:
            return {}
        slugs = wanted | {slugify(k) for k in wanted}
        rows = (
            Entry.objects.annotate(lname=Lower("name"))
            .filter(Q(slug__in=slugs) | Q(lname__in=wanted))
            .only("pk", "type", "name", "slug")
        )
        found: dict[str, Target] = {}
        preferred: dict[str, bool] = {}
        for entry in rows:
            own = entry.type == prefix
            names = {entry.slug, entry.lname, normalize(entry.name)}
            for key in wanted:
                matches = key in names or slugify(key) == entry.slug
                if matches and (key not in found or (own and not preferred[key])):
                    found[key] = Target(entry.get_absolute_url(), entry.name, pk=entry.pk)
                    preferred[key] = own
        return found

    return resolve


def register() -> None:
    for prefix, label in PREFIXES.items():
        registry.register(prefix, make_resolver(prefix), label=label, normalize=normalize)
