"""The header's sections: each app says which of its URLs belong to which section.

An app registers, in its AppConfig.ready(), a map of ``(namespace, url_name)`` — or
``(namespace, None)`` for the rest of the namespace — to a section name the base template
highlights (``nav_section``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest

_sections: dict[tuple[str, str | None], str] = {}


def register(sections: dict[tuple[str, str | None], str]) -> None:
    _sections.update(sections)


def section_of(request: HttpRequest) -> str:
    if request.path == "/":
        return "home"
    match = getattr(request, "resolver_match", None)
    if match is None or not match.namespace:
        return ""
    return _sections.get(
        (match.namespace, match.url_name), _sections.get((match.namespace, None), "")
    )


def site_origin(request: HttpRequest) -> str:
    """'https://wiki.example.org': SITE_URL when set, else the request's own scheme and
    host; '' for a request whose host is not allowed (links then stay relative)."""
    if settings.SITE_URL:
        return settings.SITE_URL
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


def site(request: HttpRequest) -> dict:
    """Context processor: the site's name and description, its origin and the page's
    canonical address, and the current header section."""
    origin = site_origin(request)
    return {
        "SITE_NAME": settings.WIKI_SITE_NAME,
        "SITE_DESCRIPTION": settings.WIKI_SITE_DESCRIPTION,
        "SITE_ORIGIN": origin,
        # The address without its query: filters, sorting and paging are one page to a crawler.
        "canonical_url": origin + request.path,
        "nav_section": section_of(request),
    }
