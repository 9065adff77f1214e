"""How wiki pages become search documents: registered with search in WikiConfig.ready().

A page's body is its rendered HTML as plain text (link labels kept, markup and the table
of contents dropped). A long page is also cut at its headings: each section becomes a
searchable part linked by the heading's anchor (the ids the renderer gives headings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.utils.text import slugify

from search.documents import Document, Section
from search.registry import DocumentType, register
from search.text import clean, html_to_text
from wiki.models import Page
from wiki.render import render

KIND = "page"
# A page is cut into sections when its text is at least this long (a few screens: a hit on a
# short page needs no anchor, and each section is one more document to index) and it has
# two headings.
SECTION_MIN_CHARS = 6000
_HEADING_RE = re.compile(r'<h([1-6]) id="([^"]{1,120})"[^>]*>(.*?)</h\1>', re.S | re.I)


def markdown_to_text(body: str) -> str:
    """Markdown (with wiki links) → plain text, through the wiki's renderer."""
    if not body.strip():
        return ""
    return html_to_text(render(body).html)


def sections_of(html: str) -> list[Section]:
    """The page cut at its headings: (anchor, heading text, text up to the next heading)."""
    found = list(_HEADING_RE.finditer(html))
    sections = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(html)
        heading = html_to_text(m.group(3))
        text = html_to_text(html[m.end() : end])
        if heading and text:
            sections.append(Section(anchor=m.group(2), heading=heading, body=text))
    return sections


def page_document(page: Page) -> Document:
    revision = page.current_revision
    html = None
    if revision is not None and revision.html and revision.body == page.body:
        html = revision.html
    elif page.body.strip():
        html = render(page.body).html
    body = html_to_text(html) if html else ""
    if page.summary:
        body = f"{clean(page.summary)} {body}"
    found = sections_of(html) if html else []
    # A long page is also searched section by section; any page's headings say what it
    # is about.
    sections = found if len(body) >= SECTION_MIN_CHARS and len(found) >= 2 else []
    headings = " ".join(s.heading for s in found)
    tags = sorted({slugify(t.name, allow_unicode=True) for t in page.tags.all()})
    return Document(
        kind=KIND,
        object_id=page.pk,
        title=page.title,
        body=body,
        url=page.get_absolute_url(),
        updated=page.updated,
        tags=tags,
        about=clean(" ".join([*(t.name for t in page.tags.all()), headings])),
        # Its other names (old titles, other spellings: wiki/aliases.py) find it too.
        names=sorted(alias.name for alias in page.aliases.all()),
        sections=sections,
    )


def load_pages(ids: Sequence[int]) -> dict[int, Document | None]:
    found: dict[int, Document | None] = dict.fromkeys(ids)
    pages = Page.objects.filter(pk__in=ids).select_related("current_revision")
    for page in pages.prefetch_related("tags", "aliases"):
        found[page.pk] = page_document(page)
    return found


def page_ids() -> Iterable[int]:
    return Page.objects.order_by("pk").values_list("pk", flat=True)


def register_pages() -> None:
    register(
        DocumentType(
            kind=KIND,
            label="Wiki page",
            load=load_pages,
            all_ids=page_ids,
            count=Page.objects.count,
        )
    )
