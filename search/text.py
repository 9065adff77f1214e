"""Text helpers shared by the documents, the query parser and both backends."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# Snippet markers: private-use characters stripped from all indexed text, so a marker in
# a snippet can only come from the highlighter, and everything else is escaped.
MARK_START = "\ue000"
MARK_END = "\ue001"

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "table", "pre", "blockquote", "dt", "dd", "hr", "figcaption", "caption", "summary",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "nav"}  # nav: the table of contents repeats the headings
_SPACE_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")


def fold(text: str) -> str:
    """Case- and accent-fold: "Café Déjà" → "cafe deja"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def clean(text: str) -> str:
    """Drop control and private-use characters (our snippet markers) and squeeze spaces."""
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub(" ", text)).strip()


def normalize_title(title: str) -> str:
    """The exact-title key: folded words joined by single spaces ("Web.py!" → "web py")."""
    return " ".join(re.findall(r"\w+", fold(title)))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Sanitized HTML → plain text; link labels are kept, markup and the TOC dropped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return clean("".join(parser.parts).replace("¶", " "))


def markdown_to_text(body: str) -> str:
    """Markdown (with wiki links) → plain text, through the wiki's own renderer."""
    if not body.strip():
        return ""
    from wiki.markup import render

    return html_to_text(render(body).html)
