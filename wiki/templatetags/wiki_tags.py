"""Template tags of the wiki's pages."""

from django import template

from wiki import aliases
from wiki.models import Page

register = template.Library()


@register.simple_tag
def redirected_from(page: Page, name: str):
    """The alias a redirect brought the reader through (?from=), if it is one of this
    page's other names — never the query string's own text."""
    return aliases.redirected_from(page, name)
