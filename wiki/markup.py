"""Markdown → safe HTML, with wiki links.

One function does it for every caller (save service, admin live preview, re-linking):
:func:`render`. The output is sanitized by an nh3 allowlist, so no script, no event
attributes and no javascript:/data:/vbscript: URLs survive, however they are spelled.

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
from collections.abc import Iterator
from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.html import escape
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from wiki import markdown_fixes
from wiki.links import Target, missing_page_url, registry, resolve_pages
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

    def __init__(self, pages: dict[str, Target], prefixed: dict[tuple[str, str], Target]):
        self.pages = pages
        self.prefixed = prefixed
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
            el.set("href", missing_page_url(title))
            el.set("rel", "nofollow")
            el.set("title", f"No page called “{title}” yet")
        else:
            el.set("class", "wikilink")
            el.set("href", target.url + (f"#{_ANCHOR_RE.sub('', anchor)}" if anchor else ""))
            if target.title != (label or title):
                el.set("title", target.title)
        return el

    def prefixed_link(self, prefix: str, name: str, label: str | None) -> etree.Element:
        spec = registry.get(prefix)
        assert spec is not None
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


def _split_prefix(title: str) -> tuple[str, str] | None:
    if ":" not in title:
        return None
    prefix, name = title.split(":", 1)
    if registry.get(prefix.strip()) and name.strip():
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
        prefixed = _split_prefix(title)
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


def _prefetch(body: str) -> _LinkCollector:
    """Resolve every possible link target in two or three queries, before parsing."""
    page_keys: set[str] = set()
    prefixed: dict[str, set[str]] = {}
    for m in _CANDIDATE_LINK.finditer(body):
        title = m.group(1).strip()
        split = _split_prefix(title)
        if split:
            spec = registry.get(split[0])
            prefixed.setdefault(spec.name, set()).add(spec.normalize(split[1]))
        else:
            page_keys.add(match_key(title))
    for m in CAMEL_RE.finditer(body):
        page_keys.add(match_key(m.group(2)))
    resolved_prefixed: dict[tuple[str, str], Target] = {}
    for name, keys in prefixed.items():
        spec = registry.get(name)
        for key, target in spec.resolve(keys).items():
            resolved_prefixed[(name, key)] = target
    return _LinkCollector(resolve_pages(page_keys), resolved_prefixed)


def defuse(body: str) -> str:
    """Cap indentation and blockquote depth so hostile nesting renders in bounded time."""
    body = _DEEP_INDENT.sub(r"\1", body)
    return _DEEP_QUOTE.sub(r"\1", body)


# Python-Markdown's inline parser is quadratic in some shapes (runs of "[", "<", "`",
# "~~" …): a few KB can take seconds. A linear estimate of that worst case sends suspicious
# bodies to a forked child with a hard time limit; ordinary pages never pay for it.
RENDER_COST_BUDGET = 3_000_000
RENDER_TIMEOUT_SECONDS = 5.0
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_SPECIALS = re.compile(r"[\[<`~*_!]")


def estimated_cost(body: str) -> int:
    """Upper bound of the parser's quadratic work: special characters × block length."""
    return sum(len(_SPECIALS.findall(block)) * len(block) for block in _BLOCK_SPLIT.split(body))


def _convert(body: str) -> tuple[str, int]:
    md = _markdown()
    md.reset()
    try:
        html = md.convert(body)
    except RecursionError:
        _local.md = None
        raise
    headings = _count_headings(getattr(md, "toc_tokens", []))
    if headings >= TOC_MIN_HEADINGS:
        # md.toc is <div class="toc"><ul>…</ul></div>: make it a labelled nav.
        toc = md.toc.strip().removeprefix('<div class="toc">').removesuffix("</div>")
        html = f'<nav class="toc" aria-label="Contents">{toc}</nav>\n{html}'
    return sanitize(html), headings


def _convert_in_child(body: str) -> tuple[str, int, list[LinkRef]] | None:
    """Run _convert in a forked process; None if it overran its time or failed."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def work() -> None:
        try:
            html, headings = _convert(body)
            sender.send((html, headings, list(_local.collector.links.values())))
        except BaseException:
            sender.send(None)
        finally:
            sender.close()

    child = context.Process(target=work, daemon=True)
    child.start()
    sender.close()
    result = None
    if receiver.poll(RENDER_TIMEOUT_SECONDS):
        try:
            result = receiver.recv()
        except EOFError:
            result = None
    if child.is_alive():
        child.kill()
    child.join(1)
    receiver.close()
    return result


def _unrendered(body: str) -> Rendered:
    return Rendered(html=f'<pre class="unrendered">{escape(body)}</pre>', links=[])


def render(body: str) -> Rendered:
    """Render Markdown to sanitized HTML and collect its cross-links, in bounded time."""
    body = defuse(body)
    _local.collector = _prefetch(body)
    try:
        if estimated_cost(body) <= RENDER_COST_BUDGET:
            try:
                html, headings = _convert(body)
            except RecursionError:
                return _unrendered(body)
            links = list(_local.collector.links.values())
        else:
            result = _convert_in_child(body)
            if result is None:
                return _unrendered(body)
            html, headings, links = result
    finally:
        _local.collector = None
    return Rendered(html=html, links=links, headings=headings)


def render_preview(body: str) -> str:
    """The admin's live preview: the same code path as a save."""
    return render(body).html


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(t.get("children", [])) for t in tokens)


# ---------------------------------------------------------------- many at once (import)

# Database connections a pool worker inherited from its parent at fork. They belong to
# the parent: the worker must neither use nor close them (closing would end the parent's
# PostgreSQL session), so it keeps a reference until it exits and opens its own.
_inherited_connections: list = []
_in_worker = False


def _worker_start() -> None:
    global _in_worker
    from django.db import connections

    _in_worker = True
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited_connections.append(conn.connection)
            conn.connection = None


def _worker_render(item: tuple[object, str]) -> tuple[object, Rendered | None]:
    key, body = item
    if estimated_cost(defuse(body)) > RENDER_COST_BUDGET:
        return key, None  # a pool worker may not fork its time-limited child: the parent does
    try:
        return key, render(body)
    except Exception:  # the parent renders it again, and reports what goes wrong there
        return key, None


def _can_use_workers(count: int, workers: int) -> bool:
    from django.db import connection

    if workers < 2 or count < MIN_ITEMS_FOR_WORKERS:
        return False
    # Workers read link targets through their own connections: they must see what this
    # process has written, so not from inside a transaction, and not an in-memory database.
    return (
        not connection.in_atomic_block
        and ":memory:" not in str(connection.settings_dict["NAME"])
        and "mode=memory" not in str(connection.settings_dict["NAME"])
    )


MIN_ITEMS_FOR_WORKERS = 64


def render_many(
    items: list[tuple[object, str]], *, workers: int | None = None
) -> Iterator[tuple[object, Rendered]]:
    """Render many (key, body) pairs, yielding (key, Rendered) in order.

    Bodies are rendered in a pool of forked worker processes (one a core by default), each
    resolving link targets through its own database connection; the caller writes the
    results while the workers go on. Small batches, and callers inside a transaction,
    render here, in this process."""
    import multiprocessing
    import os

    if workers is None:
        workers = os.cpu_count() or 1
    if _in_worker or not _can_use_workers(len(items), workers):
        for key, body in items:
            yield key, render(body)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_start) as pool:
        results = pool.imap(_worker_render, items, chunksize=8)
        for (key, body), (_, rendered) in zip(items, results, strict=True):
            yield key, rendered if rendered is not None else render(body)
