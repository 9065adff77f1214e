from django.conf import settings

# (namespace, url_name) → the header section it belongs to; a namespace alone is the default.
_SECTIONS = {
    ("wiki", "recent"): "recent",
    ("wiki", "recent-feed"): "recent",
    ("catalog", "component-list"): "components",
    ("catalog", "component-detail"): "components",
    ("catalog", "matrix"): "matrix",
    ("catalog", "charts"): "matrix",
    ("catalog", "upkeep"): "matrix",
    ("wiki", None): "pages",
    ("catalog", None): "frameworks",
    ("search", None): "search",
}


def site(request) -> dict:
    match = getattr(request, "resolver_match", None)
    section = "home" if request.path == "/" else ""
    if match is not None and match.namespace:
        section = _SECTIONS.get(
            (match.namespace, match.url_name), _SECTIONS.get((match.namespace, None), "")
        )
    return {"SITE_NAME": settings.WIKI_SITE_NAME, "nav_section": section}
