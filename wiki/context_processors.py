from django.conf import settings
from django.core.exceptions import DisallowedHost

# (namespace, url_name) → the header section it belongs to; a namespace alone is the default.
_SECTIONS = {
    ("wiki", "recent"): "recent",
    ("wiki", "recent-feed"): "recent",
    ("catalog", "component-list"): "components",
    ("catalog", "component-detail"): "components",
    ("catalog", "matrix"): "matrix",
    ("catalog", "cell"): "matrix",
    ("catalog", "charts"): "matrix",
    ("catalog", "upkeep"): "matrix",
    ("wiki", None): "pages",
    ("catalog", None): "frameworks",
    ("search", None): "search",
}


SYSTEM_COMMENTS = ("Loaded from fixtures",)


def site_origin(request) -> str:
    """'https://wiki.example.org': SITE_URL when set, else the request's own scheme and
    host; '' for a request whose host is not allowed (links then stay relative)."""
    if settings.SITE_URL:
        return settings.SITE_URL
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


def site(request) -> dict:
    match = getattr(request, "resolver_match", None)
    section = "home" if request.path == "/" else ""
    if match is not None and match.namespace:
        section = _SECTIONS.get(
            (match.namespace, match.url_name), _SECTIONS.get((match.namespace, None), "")
        )
    origin = site_origin(request)
    return {
        "SITE_NAME": settings.WIKI_SITE_NAME,
        "SITE_DESCRIPTION": settings.WIKI_SITE_DESCRIPTION,
        "SITE_ORIGIN": origin,
        # The address without its query: filters, sorting and paging are one page to a crawler.
        "canonical_url": origin + request.path,
        "nav_section": section,
        # Comments the system writes for itself, not worth a reader's attention.
        "SYSTEM_COMMENTS": SYSTEM_COMMENTS,
    }
