"""The header's sections: each app says which of its URLs belong to which section.

An app registers, in its AppConfig.ready(), a map of ``(namespace, url_name)`` — or
``(namespace, None)`` for the rest of the namespace — to a section name the base template
highlights (``nav_section``).
"""

from __future__ import annotations

from django.conf import settings
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


def site(request: HttpRequest) -> dict:
    """Context processor: the site's name and the current header section."""
    return {"SITE_NAME": settings.WIKI_SITE_NAME, "nav_section": section_of(request)}
