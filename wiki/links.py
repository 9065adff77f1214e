"""Link resolution: wiki page links and the prefix registry other apps fill in.

A prefixed link such as ``[[framework:flask]]`` is resolved by the resolver registered
for ``framework``. A resolver takes a set of names and returns, for those it knows,
a :class:`Target`. The catalog registers its prefixes in its AppConfig.ready().
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import urlencode

from wiki.models import Page
from wiki.naming import slug_for


@dataclass(frozen=True)
class Target:
    url: str
    title: str
    exists: bool = True
    pk: int | None = None


PrefixResolver = Callable[[set[str]], dict[str, Target]]


def default_normalize(text: str) -> str:
    return text.strip().casefold()


@dataclass(frozen=True)
class PrefixSpec:
    """What rendering needs of a prefix (handed to the render worker, so the normalizer
    must be a module-level function)."""

    name: str
    label: str
    # Normalizes what the author wrote to the key the resolver is asked for.
    normalize: Callable[[str], str]


@dataclass(frozen=True)
class Prefix(PrefixSpec):
    resolve: PrefixResolver = None  # type: ignore[assignment]

    @property
    def spec(self) -> PrefixSpec:
        return PrefixSpec(self.name, self.label, self.normalize)


class LinkRegistry:
    def __init__(self) -> None:
        self._prefixes: dict[str, Prefix] = {}

    def register(
        self,
        name: str,
        resolve: PrefixResolver,
        *,
        label: str | None = None,
        normalize: Callable[[str], str] = default_normalize,
    ) -> None:
        self._prefixes[name.casefold()] = Prefix(
            name=name.casefold(), label=label or name, normalize=normalize, resolve=resolve
        )

    def unregister(self, name: str) -> None:
        self._prefixes.pop(name.casefold(), None)

    def get(self, name: str) -> Prefix | None:
        return self._prefixes.get(name.casefold())

    def names(self) -> list[str]:
        return sorted(self._prefixes)

    def specs(self) -> dict[str, PrefixSpec]:
        return {name: prefix.spec for name, prefix in self._prefixes.items()}


registry = LinkRegistry()


SLUG_PLACEHOLDER = "--slug--"


@dataclass(frozen=True)
class MissingPageUrls:
    """Where red links point — the page's URL, which answers 404 with a create link —
    built from two reversed URLs, so a render worker needs no URLconf."""

    page: str  # the page URL with SLUG_PLACEHOLDER for the slug
    fallback: str  # for a title with no usable slug

    @classmethod
    def current(cls) -> MissingPageUrls:
        return cls(
            page=reverse("wiki:page", kwargs={"slug": SLUG_PLACEHOLDER}),
            fallback=reverse("wiki:page-list"),
        )

    def url(self, title: str) -> str:
        slug = slug_for(title)
        if not slug:
            return self.fallback
        path = self.page.replace(SLUG_PLACEHOLDER, quote(slug, safe=""))
        return path + "?" + urlencode({"title": title})


def missing_page_url(title: str) -> str:
    return MissingPageUrls.current().url(title)


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
