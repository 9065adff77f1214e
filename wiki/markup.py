"""Markdown → safe HTML, with wiki links: the pure conversion.

:func:`convert` turns a body and its already-resolved link targets into sanitized HTML
and the list of links it found. It reads no database and starts no process, so it can
run anywhere — wiki/render.py runs it in a time-limited worker process (wiki/sandbox.py)
after resolving the targets with :func:`link_candidates` and wiki/links.py. The output is
sanitized by an nh3 allowlist, so no script, no event attributes and no
javascript:/data:/vbscript: URLs survive, however they are spelled.

Link forms:
- ``[[Page Title]]``, ``[[Page Title|label]]``, ``[[Page Title#anchor]]``, ``[[prefix:name]]``
  for a prefix registered in :mod:`wiki.links` (``[[framework:flask]]``);
- MoinMoin CamelCase WikiWords (``WebFrameworks``, ``DesignPatterns#ConventionOverConfiguration``);
  ``!WikiWord`` escapes one; nothing inside code or an existing link is touched.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.html import escape
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from wiki import markdown_fixes
from wiki.links import MissingPageUrls, PrefixSpec, Target, registry
from wiki.naming import match_key

TOC_MIN_HEADINGS = 3

WIKILINK_RE = r"\[\[([^\]\n|#]{1,200}?)(?:#([^\]\n|]{0,100}))?(?:\|([^\]\n]{1,200}))?\]\]"
# MoinMoin WikiName: two or more capitalised words run together, optional #anchor.
CAMEL_RE = re.compile(
    r"(?<![\w/.:#-])(!?)((?:[A-Z][a-z0-9]+){2,})(?:#([A-Za-z][\w-]{0,99}))?(?![\w])"
)
_ANCHOR_RE = re.compile(r"[^\w-]")

# Nesting deeper than any real page would reach makes Python-Markdown's recursive block
# parser slow (quadratic) and finally overflow the stack: cap it before parsing.
MAX_INDENT_COLUMNS = 64
MAX_QUOTE_DEPTH = 16
_DEEP_INDENT = re.compile(rf"^([ \t]{{{MAX_INDENT_COLUMNS}}})[ \t]+", re.M)
_DEEP_QUOTE = re.compile(rf"^((?:[ ]{{0,3}}>){{{MAX_QUOTE_DEPTH}}})(?:[ ]{{0,3}}>)+", re.M)


@dataclass(frozen=True)
class LinkRef:
    """One cross-link found in a page: what PageLink stores."""

    kind: str  # "page" or a registered prefix
    key: str
    text: str
    resolved: bool
    target_pk: int | None = None


@dataclass
class Rendered:
    html: str
    links: list[LinkRef] = field(default_factory=list)
    headings: int = 0
    # Why the body is shown as plain text instead (too slow, too deep), else "".
    fallback: str = ""


# ---------------------------------------------------------------- sanitizer

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "nav", "ol", "p",
    "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "class", "lang", "dir"},
    "a": {"href", "name", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "input": {"type", "checked", "disabled"},
    "abbr": set(),
}
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
    filter_style_properties={"text-align"},
)


def sanitize(html: str) -> str:
    """Clean an HTML fragment by allowlist. Idempotent: sanitize(sanitize(x)) == sanitize(x).

    Leading byte-order marks go: the HTML parser drops one at the start of its input, so
    a cleaned "<!-- … -->\ufeff" would otherwise lose its BOM only on the second pass."""
    return _CLEANER.clean(html).lstrip("\ufeff")


# ---------------------------------------------------------------- link extension


class _LinkCollector:
    """Per-render state: the resolved targets fetched up front, and the links seen."""

    def __init__(self, targets: Targets):
        self.pages = targets.pages
        self.prefixed = targets.prefixed
        self.prefixes = targets.prefixes
        self.missing = targets.missing
        self.links: dict[tuple[str, str], LinkRef] = {}

    def page_link(self, title: str, anchor: str | None, label: str | None) -> etree.Element:
        key = match_key(title)
        target = self.pages.get(key)
        self.links.setdefault(
            ("page", key),
            LinkRef("page", key, title, target is not None, target.pk if target else None),
        )
        el = etree.Element("a")
        el.text = label or title
        if target is None:
            el.set("class", "wikilink missing")
            el.set("href", self.missing.url(title))
            el.set("rel", "nofollow")
            el.set("title", f"No page called “{title}” yet")
        else:
            el.set("class", "wikilink")
            el.set("href", target.url + (f"#{_ANCHOR_RE.sub('', anchor)}" if anchor else ""))
            if target.title != (label or title):
                el.set("title", target.title)
        return el

    def prefixed_link(self, prefix: str, name: str, label: str | None) -> etree.Element:
        spec = self.prefixes[prefix.casefold()]
        key = spec.normalize(name)
        target = self.prefixed.get((spec.name, key))
        exists = target is not None and target.exists
        self.links.setdefault((spec.name, key), LinkRef(spec.name, key, name.strip(), exists))
        if target is None:
            el = etree.Element("span")
            el.set("class", f"wikilink missing {spec.name}")
            el.set("title", f"No {spec.label.lower()} called “{name.strip()}”")
            el.text = label or name.strip()
            return el
        el = etree.Element("a")
        el.set("class", f"wikilink {spec.name}" + ("" if exists else " missing"))
        el.set("href", target.url)
        el.text = label or target.title
        return el


def _split_prefix(title: str, prefixes: dict[str, PrefixSpec]) -> tuple[str, str] | None:
    if ":" not in title:
        return None
    prefix, name = title.split(":", 1)
    if prefix.strip().casefold() in prefixes and name.strip():
        return prefix.strip(), name
    return None


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, state: threading.local):
        super().__init__(pattern, md)
        self.state = state

    def handleMatch(self, m: re.Match, data: str):
        collector: _LinkCollector = self.state.collector
        title, anchor, label = m.group(1).strip(), m.group(2), m.group(3)
        if label:
            label = label.strip()
        prefixed = _split_prefix(title, collector.prefixes)
        if prefixed:
            el = collector.prefixed_link(prefixed[0], prefixed[1], label)
        else:
            el = collector.page_link(title, anchor, label)
        return el, m.start(0), m.end(0)


class _CamelCaseProcessor(Treeprocessor):
    """Links WikiWords in text, after inline parsing, outside a/code/pre."""

    SKIP = {"a", "code", "pre", "kbd", "samp", "script", "style"}

    def __init__(self, md: markdown.Markdown, state: threading.local):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, parent: etree.Element) -> None:
        if parent.tag in self.SKIP:
            return
        # Snapshot first: links inserted below must not have their tails split again
        # (that would un-escape a !WikiWord following a link).
        children = list(parent)
        if parent.text:
            parent.text, new = self._split(parent.text)
            for i, el in enumerate(new):
                parent.insert(i, el)
        for child in children:
            self._walk(child)
            if child.tail:
                child.tail, new = self._split(child.tail)
                index = list(parent).index(child) + 1
                for offset, el in enumerate(new):
                    parent.insert(index + offset, el)

    def _split(self, text: str) -> tuple[str, list[etree.Element]]:
        """Return (text before the first link, [link elements with tails])."""
        if not CAMEL_RE.search(text):
            return text, []
        collector: _LinkCollector = self.state.collector
        head: str | None = None
        elements: list[etree.Element] = []
        pos = 0
        buffer = ""
        for m in CAMEL_RE.finditer(text):
            buffer += text[pos : m.start()]
            pos = m.end()
            bang, word, anchor = m.groups()
            if bang:  # !WikiWord: the word itself, no link
                buffer += word + (f"#{anchor}" if anchor else "")
                continue
            if elements:
                elements[-1].tail = buffer
            else:
                head = buffer
            buffer = ""
            elements.append(collector.page_link(word, anchor, word if not anchor else None))
        buffer += text[pos:]
        if not elements:
            return buffer, []
        elements[-1].tail = buffer
        return head or "", elements


class WikiExtension(Extension):
    def __init__(self, state: threading.local, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before links (160) and after backtick code (190): [[…]] inside code stays text.
        md.inlinePatterns.register(_WikiLinkProcessor(WIKILINK_RE, md, self.state), "wikilink", 175)
        # After inline parsing (20), before the TOC (5) so headings keep their WikiWords.
        md.treeprocessors.register(_CamelCaseProcessor(md, self.state), "camelcase", 15)


# ---------------------------------------------------------------- rendering

_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=[
                "tables",
                "footnotes",
                "sane_lists",
                "pymdownx.superfences",
                "pymdownx.highlight",
                "pymdownx.magiclink",
                "pymdownx.tilde",
                "pymdownx.tasklist",
                "toc",
                WikiExtension(_local),
            ],
            extension_configs={
                "pymdownx.highlight": {
                    "css_class": "highlight",
                    "guess_lang": False,
                    "use_pygments": True,
                },
                "toc": {"permalink": "¶", "permalink_title": "Link to this section"},
                "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
            },
            output_format="html",
        )
        markdown_fixes.install(md)
        _local.md = md
    return md


_CANDIDATE_LINK = re.compile(WIKILINK_RE)


@dataclass
class Targets:
    """Everything converting a body needs from outside: the link targets it may name,
    resolved beforehand, the registered link prefixes, and where red links point."""

    pages: dict[str, Target] = field(default_factory=dict)
    prefixed: dict[tuple[str, str], Target] = field(default_factory=dict)
    prefixes: dict[str, PrefixSpec] = field(default_factory=dict)
    missing: MissingPageUrls | None = None


def link_candidates(body: str) -> tuple[set[str], dict[str, set[str]]]:
    """Every page key and prefixed key the body might link to (a superset: a [[…]] in
    code is counted too), so that their targets can be fetched in a few queries."""
    page_keys: set[str] = set()
    prefixed: dict[str, set[str]] = {}
    prefixes = registry.specs()
    for m in _CANDIDATE_LINK.finditer(body):
        title = m.group(1).strip()
        split = _split_prefix(title, prefixes)
        if split:
            spec = prefixes[split[0].casefold()]
            prefixed.setdefault(spec.name, set()).add(spec.normalize(split[1]))
        else:
            page_keys.add(match_key(title))
    for m in CAMEL_RE.finditer(body):
        page_keys.add(match_key(m.group(2)))
    return page_keys, prefixed


def defuse(body: str) -> str:
    """Cap indentation and blockquote depth so hostile nesting renders in bounded time."""
    body = _DEEP_INDENT.sub(r"\1", body)
    return _DEEP_QUOTE.sub(r"\1", body)


def convert(body: str, targets: Targets) -> Rendered:
    """Render a (defused) body to sanitized HTML with these targets; no I/O."""
    _local.collector = collector = _LinkCollector(targets)
    md = _markdown()
    md.reset()
    try:
        html = md.convert(body)
    except RecursionError:
        _local.md = None
        return unrendered(body, "This page is nested too deeply to format.")
    finally:
        _local.collector = None
    headings = _count_headings(getattr(md, "toc_tokens", []))
    if headings >= TOC_MIN_HEADINGS:
        # md.toc is <div class="toc"><ul>…</ul></div>: make it a labelled nav.
        toc = md.toc.strip().removeprefix('<div class="toc">').removesuffix("</div>")
        html = f'<nav class="toc" aria-label="Contents">{toc}</nav>\n{html}'
    return Rendered(html=sanitize(html), links=list(collector.links.values()), headings=headings)


def unrendered(body: str, note: str) -> Rendered:
    """The fallback: the text as it was written, escaped, with a note saying why."""
    return Rendered(
        html=(
            f'<p class="render-note" role="note">{escape(note)} It is shown as plain text.</p>'
            f'<pre class="unrendered">{escape(body)}</pre>'
        ),
        links=[],
        fallback=note,
    )


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(t.get("children", [])) for t in tokens)
