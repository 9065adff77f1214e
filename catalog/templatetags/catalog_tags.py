"""How a matrix cell reads in templates: {{ cell|cell_label }}, {{ cell|cell_css }} …"""

from django import template

from catalog import cells
from catalog.models import web_url

register = template.Library()

register.filter("cell_label", cells.cell_label)
register.filter("cell_css", cells.cell_css)
register.filter("cell_description", cells.cell_description)
register.filter("web_url", web_url)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current GET query with some params replaced (None/'' drops them): sort links."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    """{{ counts|get_item:key }}: a dict lookup by a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def cell_short(cell) -> str:
    """The word a compact matrix cell shows: 'Yes', 'No?', 'Obsoleted', 'Undefined'; the
    full label ('Obsoleted by Mako') is in its title and on its evidence page."""
    if cell.undefined_in_source:
        return "Undefined"
    word = cells.LEVEL_WORDS.get(cell.level, cell.level)
    return word + ("?" if cell.uncertain else "")


@register.filter
def cell_page(cell) -> str:
    """The cell's evidence page on this site: its value, the raw value, notes and source."""
    return cell.get_page_url()
