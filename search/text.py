"""Text helpers shared by the documents, the query parser and both backends."""

from __future__ import annotations

import re
import unicodedata
from html import unescape

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
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def clean(text: str) -> str:
    """Drop control and private-use characters (our snippet markers) and squeeze spaces."""
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub(" ", text)).strip()


def normalize_title(title: str) -> str:
    """The exact-title key: folded words joined by single spaces ("Web.py!" → "web py")."""
    return " ".join(re.findall(r"\w+", fold(title)))


# A tag (attribute values may hold ">"), a comment, a declaration or a processing
# instruction. The input is our own sanitized HTML (nh3): well-formed, "<" in text escaped.
_TAG_RE = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>|<!--.*?-->|<[!?][^>]*>""",
    re.S,
)
# Raw-text elements: their content is not markup (nh3 removes them; belt and braces).
_RAW_TEXT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)


def html_to_text(html: str) -> str:
    """Sanitized HTML → plain text; link labels are kept, markup and the TOC dropped.

    One regex scan over the tags (html.parser's tokenizer cost a quarter of an index
    rebuild); tests check it gives what the html.parser version gave."""
    if "<s" in html or "<S" in html:
        html = _RAW_TEXT_RE.sub(" ", html)
    parts: list[str] = []
    skip = 0
    pos = 0
    for m in _TAG_RE.finditer(html):
        if not skip and m.start() > pos:
            parts.append(html[pos : m.start()])
        pos = m.end()
        name = m.group(2)
        if name is None:
            continue
        name = name.lower()
        if name in _SKIP_TAGS:
            skip = max(0, skip - 1) if m.group(1) else skip + 1
        elif name in _BLOCK_TAGS and not skip:
            parts.append(" ")
    if not skip:
        parts.append(html[pos:])
    return clean(unescape("".join(parts)).replace("¶", " "))


# ---------------------------------------------------------------- compound names
#
# Readers type names the way they say them: "webpy", "web py" and "web.py"; "cherry py";
# "pycopia" for PycopiaWebFramework. Indexed text gets extra words for each compound (a
# dotted, hyphenated, underscored or CamelCase word): its parts and its parts joined.

_SEPARATORS_RE = re.compile(r"[.\-_/]+")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORDS_RE = re.compile(r"[^\W_]+(?:[.\-_/]+[^\W_]+)*")
_LOWER_UPPER_RE = re.compile(r"[a-z0-9][A-Z]")
MAX_COMPOUNDS = 2000


def name_parts(word: str) -> list[str]:
    """ "pycopia.WWW.framework" → [pycopia, WWW, framework]; "PycopiaWebFramework" →
    [Pycopia, Web, Framework]; a plain word → [word]."""
    parts: list[str] = []
    for piece in _SEPARATORS_RE.split(word):
        parts.extend(p for p in _CAMEL_RE.split(piece) if p)
    return parts


def compound_words(text: str) -> str:
    """The extra words for the compounds of text, "" when it has none."""
    extras: list[str] = []
    seen: set[str] = set()
    for m in _WORDS_RE.finditer(text):
        word = m.group()
        if word in seen or (word.isalnum() and not _LOWER_UPPER_RE.search(word)):
            continue  # a plain word
        if not any(c.isalpha() for c in word):
            continue
        seen.add(word)
        if len(seen) > MAX_COMPOUNDS:
            break
        parts = name_parts(word)
        if len(parts) > 1:
            pieces = [p for p in _SEPARATORS_RE.split(word) if p]
            if len(pieces) > 1 and pieces != parts:  # "FriendFeed/Facebook": FriendFeed too
                extras.extend(pieces)
            extras.extend(parts)
            extras.append("".join(parts))
    return " ".join(extras)


def with_compounds(text: str) -> str:
    extra = compound_words(text)
    return f"{text} {extra}" if extra else text


def exact_names(*names: str) -> list[str]:
    """The keys an exact-name query matches: each name normalized, CamelCase split, and its
    words joined ("web.py" → "web py", "webpy"; "CherryPy" → "cherrypy", "cherry py")."""
    keys: set[str] = set()
    for name in names:
        for form in (name, " ".join(name_parts(name)), " ".join(_CAMEL_RE.split(name))):
            key = normalize_title(form)
            if key:
                keys.add(key)
                keys.add(key.replace(" ", ""))
    return sorted(keys)
