"""Link resolution: wiki page links and the prefix registry other apps fill in.

A prefixed link such as ``[[framework:flask]]`` is resolved by the resolver registered
for ``framework``. A resolver takes a set of names and returns, for those it knows,
a :class:`Target`. The catalog registers its prefixes in its AppConfig.ready().
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import urlencode


@dataclass(frozen=True)
class Target:
    url: str
    title: str
    exists: bool = True
    pk: int | None = None


PrefixResolver = Callable[[set[str]], dict[str, Target]]


@dataclass(frozen=True)
class Prefix:
    name: str
    label: str
    resolve: PrefixResolver
    # Normalizes what the author wrote to the key the resolver is asked for.
    normalize: Callable[[str], str]


class LinkRegistry:
    def __init__(self) -> None:
        self._prefixes: dict[str, Prefix] = {}

    def register(
        self,
        name: str,
        resolve: PrefixResolver,
        *,
        label: str | None = None,
        normalize: Callable[[str], str] = lambda s: s.strip().casefold(),
    ) -> None:
        self._prefixes[name.casefold()] = Prefix(
            name=name.casefold(), label=label or name, resolve=resolve, normalize=normalize
        )

    def unregister(self, name: str) -> None:
        self._prefixes.pop(name.casefold(), None)

    def get(self, name: str) -> Prefix | None:
        return self._prefixes.get(name.casefold())

    def names(self) -> list[str]:
        return sorted(self._prefixes)


registry = LinkRegistry()


def missing_page_url(title: str) -> str:
    """Where a red link points: the page URL, which answers 404 with a create link."""
    from wiki.naming import slug_for

    slug = slug_for(title)
    if not slug:
        return reverse("wiki:page-list")
    return reverse("wiki:page", kwargs={"slug": slug}) + "?" + urlencode({"title": title})


@functools.lru_cache(maxsize=20_000)
def _page_url(slug: str, urlconf: str, prefix: str) -> str:
    return reverse("wiki:page", kwargs={"slug": slug}, urlconf=urlconf)


def page_url(slug: str) -> str:
    """reverse() of a page's URL, remembered (keyed by URLconf and script prefix too): a
    page names 5–30 others, and a bulk import renders thousands of them."""
    return _page_url(slug, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def resolve_pages(keys: Iterable[str]) -> dict[str, Target]:
    """Resolve link keys to pages: by title key first, then by slug key."""
    return {
        key: Target(page_url(slug), title, pk=pk)
        for key, (pk, slug, title) in lookup_pages(keys).items()
    }


def lookup_pages(keys: Iterable[str]) -> dict[str, tuple[int, str, str]]:
    """Map each key that names a page to (pk, slug, title), in one query."""
    from wiki.models import Page

    wanted = {k for k in keys if k}
    if not wanted:
        return {}
    by_title: dict[str, tuple[int, str, str]] = {}
    by_slug: dict[str, tuple[int, str, str]] = {}
    rows = Page.objects.filter(Q(key__in=wanted) | Q(slug_key__in=wanted)).values_list(
        "pk", "slug", "title", "key", "slug_key"
    )
    for pk, slug, title, key, slug_key in rows:
        if key in wanted:
            by_title[key] = (pk, slug, title)
        if slug_key in wanted:
            by_slug.setdefault(slug_key, (pk, slug, title))
    return {**by_slug, **by_title}
