"""Linear replacements for Python-Markdown's quadratic code paths; the HTML is unchanged.

Python-Markdown parses a block (the text between two blank lines) by letting a processor
take the start of it and putting the unparsed rest back; every processor then tests the rest
again from its first line. Where a test searches the whole block ("is there a heading on any
line?") or a step splits the whole block into lines, a block of n short lines costs n² work:
``"a\\n=\\n" * 10000`` (setext headings), ``"-\\n" * 20000``, 10,000 ``#`` headings, a run of
rules or of reference definitions with text between them. The inline pass has the same shape:
each match of an inline pattern copies the whole paragraph (1 MB of ``&amp;``, 200 KB of
backslashes), and a paragraph with many children looks each one up by a linear scan.

:func:`install` swaps these for versions that give the same output in linear time:

- *Searches over the rest of a block* remember, per pattern, where they searched a block and
  what they found. The rest a processor puts back is a suffix of the block it took, starting
  at a line, so the next search of it starts where the last one left off
  (:class:`_SuffixSearch`) instead of at its first line again. Used for the heading, rule,
  blockquote, footnote and reference tests, the table test's one-column case, and the check
  for stashed code fences.
- *Steps that need the first lines* read only those: the table test, the setext heading,
  the indented code block.
- *Inline patterns whose match depends only on the text from where it starts* (escapes,
  entities, raw HTML, line breaks, footnote references, autolinks, wiki links) are applied
  in one pass over the paragraph and the pieces joined once, not one copy of the paragraph
  per match; the text between placeholders is joined once too; children are found by their
  position, not by a scan.

The tests render the fixture pages, ordinary Markdown and random documents with and without
these fixes and compare the HTML (``tests/wiki/test_markdown_fixes.py``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections import deque
from types import MethodType

import markdown
from markdown import blockprocessors, inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteInlineProcessor
from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT, TableProcessor
from pymdownx.superfences import FENCED_BLOCK_RE

# ---------------------------------------------------------------- searching the rest of a block


class _RelativeMatch:
    """A match found in a longer string, with positions relative to the block asked about."""

    __slots__ = ("_m", "_offset")

    def __init__(self, m: re.Match, offset: int):
        self._m = m
        self._offset = offset

    def start(self, group: int | str = 0) -> int:
        # A "(?:^|\n)" match found by searching from the newline before the block starts
        # at that newline: in the block itself it starts at 0.
        return max(self._m.start(group) - self._offset, 0)

    def end(self, group: int | str = 0) -> int:
        return max(self._m.end(group) - self._offset, 0)

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self.start(group), self.end(group)

    def group(self, *groups):
        return self._m.group(*groups)

    def groups(self, default=None):
        return self._m.groups(default)

    def groupdict(self, default=None):
        return self._m.groupdict(default)

    def __getitem__(self, group):
        return self._m[group]


class _SuffixSearch:
    """``pattern.search(block, pos)``, remembering what it found in the blocks it searched.

    A block that ends one searched before and starts at one of its lines is searched in that
    one from the block's offset; the last match (or "none") found there answers any later
    search that starts at or before it. ``newline_anchored`` is for patterns that start with
    ``(?:^|\\n)`` without MULTILINE: they are searched from the newline before the block.
    """

    ROOTS = 4

    def __init__(self, pattern: re.Pattern, *, newline_anchored: bool = False):
        self.pattern = pattern
        self.newline_anchored = newline_anchored
        self._roots: list[list] = []  # [text, searched_from, match or None], most recent first

    def reset(self) -> None:
        self._roots.clear()

    def _root(self, block: str) -> tuple[list | None, int]:
        for index, entry in enumerate(self._roots):
            text = entry[0]
            offset = len(text) - len(block)
            if offset < 0:
                continue
            if (offset == 0 or text[offset - 1] == "\n") and text.endswith(block):
                if index:
                    self._roots.insert(0, self._roots.pop(index))
                return entry, offset
        return None, 0

    def search(self, block: str, pos: int = 0):
        entry, offset = self._root(block)
        if entry is None:
            m = self.pattern.search(block, pos)
            self._roots.insert(0, [block, pos, m])
            del self._roots[self.ROOTS :]
            return m
        start = offset + pos
        if self.newline_anchored and pos == 0 and offset > 0:
            start -= 1
        _, searched_from, m = entry
        if not (searched_from <= start and (m is None or m.start() >= start)):
            m = self.pattern.search(entry[0], start)
            entry[1], entry[2] = start, m
        if m is None:
            return None
        return m if offset == 0 else _RelativeMatch(m, offset)

    def finditer(self, block: str, pos: int = 0):
        while True:
            m = self.search(block, pos)
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1


class _RememberingPattern:
    """Stands in for a processor's compiled ``RE``: search and finditer go through a
    :class:`_SuffixSearch`, everything else (``match`` on one line …) to the pattern."""

    def __init__(self, pattern: re.Pattern, *, newline_anchored: bool = False):
        self._pattern = pattern
        self._search = _SuffixSearch(pattern, newline_anchored=newline_anchored)
        self.search = self._search.search
        self.finditer = self._search.finditer
        self.reset = self._search.reset

    def __getattr__(self, name):
        return getattr(self._pattern, name)


def _iter_lines(text: str, start: int = 0):
    """(line, start, end) for each line of text from ``start``, as text.split("\\n") would."""
    while True:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:], start, len(text)
            return
        yield text[start:end], start, end
        start = end + 1


# ---------------------------------------------------------------- block processors


class LinearTableProcessor(TableProcessor):
    """The ``tables`` test, reading the header and separator rows only (it split every row of
    the block, each time the rest of a block came back)."""

    # A line that, stripped of spaces, neither starts with "|" nor ends with an unescaped "|".
    UNPIPED_LINE = re.compile(r"^(?! *\|)(?!.*(?<!\\)(?:\\\\)*\| *$).*$", re.MULTILINE)

    def __init__(self, parser, config):
        super().__init__(parser, config)
        self._unpiped = _SuffixSearch(self.UNPIPED_LINE)

    def test(self, parent: etree.Element, block: str) -> bool:
        first_end = block.find("\n")
        if first_end == -1:
            return False
        header0 = block[:first_end].strip(" ")
        self.border = PIPE_NONE
        if header0.startswith("|"):
            self.border |= PIPE_LEFT
        if self.RE_END_BORDER.search(header0) is not None:
            self.border |= PIPE_RIGHT
        row = self._split_row(header0)
        row0_len = len(row)
        is_table = row0_len > 1
        # Each row in a single column table needs at least one pipe.
        if not is_table and row0_len == 1 and self.border:
            is_table = self._unpiped.search(block, first_end + 1) is None
        if is_table:
            second_end = block.find("\n", first_end + 1)
            second = block[first_end + 1 : None if second_end == -1 else second_end]
            row = self._split_row(second.strip(" "))
            is_table = (len(row) == row0_len) and set("".join(row)) <= set("|:- ")
            if is_table:
                self.separator = row
        return is_table


class LinearSetextHeaderProcessor(blockprocessors.SetextHeaderProcessor):
    """A setext heading takes the block's first two lines: split off only those."""

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n", 2)
        level = 1 if lines[1].startswith("=") else 2
        h = etree.SubElement(parent, f"h{level}")
        h.text = lines[0].strip()
        if len(lines) > 2:
            blocks.insert(0, lines[2])


def _linear_detab(self, text: str, length: int | None = None) -> tuple[str, str]:
    """BlockProcessor.detab reading only the indented lines it removes, not the whole rest."""
    if length is None:
        length = self.tab_length
    indent = " " * length
    taken: list[str] = []
    rest_start = len(text) + 1
    for line, start, _end in _iter_lines(text):
        if line.startswith(indent):
            taken.append(line[length:])
        elif not line.strip():
            taken.append("")
        else:
            rest_start = start
            break
    return "\n".join(taken), text[rest_start:]


def _fix_code_block(processor: blockprocessors.BlockProcessor) -> None:
    """Indented code (pymdownx.superfences' processor): detab only the code's own lines, and
    skip reverting stashed fences when the block holds none (it split the whole rest twice)."""
    processor.detab = MethodType(_linear_detab, processor)
    revert = getattr(processor, "revert_greedy_fences", None)
    if revert is None:
        return
    fence_lines = _SuffixSearch(re.compile(FENCED_BLOCK_RE.pattern, re.MULTILINE))

    def revert_greedy_fences(block: str) -> str:
        if fence_lines.search(block) is None:
            return block
        return revert(block)

    processor.revert_greedy_fences = revert_greedy_fences
    processor._linear_searches = [fence_lines]


# (processor name, attribute holding its pattern, pattern starts with "(?:^|\n)")
_SEARCHING_PROCESSORS = [
    ("hashheader", "RE", True),
    ("hr", "SEARCH_RE", False),
    ("quote", "RE", True),
    ("footnote", "RE", False),
    ("reference", "RE", False),
]
_EXPECTED_CLASSES = {
    "hashheader": blockprocessors.HashHeaderProcessor,
    "hr": blockprocessors.HRProcessor,
    "quote": blockprocessors.BlockQuoteProcessor,
    "footnote": FootnoteBlockProcessor,
    "reference": blockprocessors.ReferenceProcessor,
}


def _fix_block_parser(md: markdown.Markdown, resettable: list) -> None:
    processors = md.parser.blockprocessors
    for name, attribute, anchored in _SEARCHING_PROCESSORS:
        if name in processors and isinstance(processors[name], _EXPECTED_CLASSES[name]):
            processor = processors[name]
            pattern = _RememberingPattern(
                getattr(type(processor), attribute), newline_anchored=anchored
            )
            setattr(processor, attribute, pattern)
            resettable.append(pattern)
    if "table" in processors and type(processors["table"]) is TableProcessor:
        old = processors["table"]
        table = LinearTableProcessor(md.parser, old.config)
        processors.register(table, "table", _priority(processors, "table"))
        resettable.append(table._unpiped)
    if "setextheader" in processors and (
        type(processors["setextheader"]) is blockprocessors.SetextHeaderProcessor
    ):
        processors.register(
            LinearSetextHeaderProcessor(md.parser),
            "setextheader",
            _priority(processors, "setextheader"),
        )
    if "code" in processors and isinstance(processors["code"], blockprocessors.CodeBlockProcessor):
        _fix_code_block(processors["code"])
        resettable.extend(getattr(processors["code"], "_linear_searches", []))


def _priority(registry: util.Registry, name: str) -> float:
    return next(item.priority for item in registry._priority if item.name == name)


# ---------------------------------------------------------------- inline processing

# Inline patterns whose match depends only on the text from where it starts (no lookbehind,
# no word boundary, no anchor) and whose handleMatch reads only the match: applying them in
# one pass over the original text gives the placeholders a pass per match gives.
_ONE_PASS_HANDLERS = {
    inlinepatterns.EscapeInlineProcessor.handleMatch,
    inlinepatterns.HtmlInlineProcessor.handleMatch,
    inlinepatterns.SubstituteTagInlineProcessor.handleMatch,
    inlinepatterns.AutomailInlineProcessor.handleMatch,
    FootnoteInlineProcessor.handleMatch,
}
_ONE_PASS_NAMES = {"wikilink", "autolink"}  # this site's [[links]]; pymdownx's <http://…>
_LOOKS_BEHIND = re.compile(r"\(\?<[=!]|\\[bBA]|(?<!\[)\^")


def _one_pass_patterns(md: markdown.Markdown) -> set[int]:
    ids = set()
    for item in md.inlinePatterns._priority:
        pattern = md.inlinePatterns[item.name]
        if not isinstance(pattern, inlinepatterns.InlineProcessor):
            continue
        handler = type(pattern).handleMatch
        if handler not in _ONE_PASS_HANDLERS and item.name not in _ONE_PASS_NAMES:
            continue
        if item.name == "autolink" and type(pattern).__name__ != "MagiclinkAutoPattern":
            continue
        if _LOOKS_BEHIND.search(pattern.compiled_re.pattern):
            continue
        ids.add(id(pattern))
    return ids


class LinearInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline pass with three quadratic steps made linear (see the module
    docstring). Adapted from ``markdown.treeprocessors.InlineProcessor`` (BSD licence)."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self._one_pass = _one_pass_patterns(md)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        startIndex = 0
        count = len(self.inlinePatterns)
        while patternIndex < count:
            pattern = self.inlinePatterns[patternIndex]
            if id(pattern) in self._one_pass:
                data = self._apply_everywhere(pattern, data, patternIndex)
                matched = False
            else:
                data, matched, startIndex = self._InlineProcessor__applyPattern(
                    pattern, data, patternIndex, startIndex
                )
            if not matched:
                patternIndex += 1
        return data

    def _apply_everywhere(self, pattern, data: str, patternIndex: int) -> str:
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data
        pieces: list[str] = []
        done = 0
        for match in pattern.getCompiledRegExp().finditer(data):
            node, start, end = pattern.handleMatch(match, data)
            if start is None or end is None or node is None:
                continue
            if not isinstance(node, str) and not isinstance(node.text, util.AtomicString):
                for child in [node, *node]:
                    if child.text:
                        self.ancestors.append(child.tag.lower())
                        child.text = self._InlineProcessor__handleInline(
                            child.text, patternIndex + 1
                        )
                        self.ancestors.pop()
                    if child.tail:
                        child.tail = self._InlineProcessor__handleInline(child.tail, patternIndex)
            pieces.append(data[done:start])
            pieces.append(self._InlineProcessor__stashNode(node, pattern.type()))
            done = end
        if not pieces:
            return data
        pieces.append(data[done:])
        return "".join(pieces)

    def _InlineProcessor__processPlaceholders(
        self,
        data: str | None,
        parent: etree.Element,
        isText: bool = True,
    ) -> list[tuple[etree.Element, list[str]]]:
        result: list[tuple[etree.Element, list[str]]] = []
        pending: list[str] = []  # text for the place linkText would add it to, joined once

        def flush() -> None:
            if not pending:
                return
            text = pending[0] if len(pending) == 1 else "".join(pending)
            pending.clear()
            if result:
                target, attribute = result[-1][0], "tail"
            elif not isText:
                target, attribute = parent, "tail"
            else:
                target, attribute = parent, "text"
            existing = getattr(target, attribute)
            setattr(target, attribute, existing + text if existing else text)

        def link_text(text: str | None) -> None:
            if text:
                pending.append(text)

        prefix = self._InlineProcessor__placeholder_prefix
        start_index = 0
        while data:
            index = data.find(prefix, start_index)
            if index != -1:
                id_, placeholder_end = self._InlineProcessor__findPlaceholder(data, index)
                if id_ in self.stashed_nodes:
                    node = self.stashed_nodes.get(id_)
                    if index > 0:
                        link_text(data[start_index:index])
                    if not isinstance(node, str):
                        flush()
                        for child in [node, *node]:
                            if child.tail and child.tail.strip():
                                self._InlineProcessor__processElementText(node, child, False)
                            if child.text and child.text.strip():
                                self._InlineProcessor__processElementText(child, child)
                    else:
                        link_text(node)
                        start_index = placeholder_end
                        continue
                    start_index = placeholder_end
                    result.append((node, self.ancestors[:]))
                else:
                    end = index + len(prefix)
                    link_text(data[start_index:end])
                    start_index = end
            else:
                text = data[start_index:]
                if isinstance(data, util.AtomicString):
                    text = util.AtomicString(text)
                link_text(text)
                data = ""
        flush()
        return result

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self.stashed_nodes = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {c: p for p in tree.iter() for c in p}
        stack = deque([(tree, tree_parents)])
        self._InlineProcessor__build_ancestors(tree, tree_parents)
        while stack:
            current, parents = stack.popleft()
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            insert_queue = []
            position = 0
            while position < len(current):  # live, as "for child in current" is
                child = current[position]
                if child.text and not isinstance(child.text, util.AtomicString):
                    self.ancestors.append(child.tag.lower())
                    text = child.text
                    child.text = None
                    found = self._InlineProcessor__processPlaceholders(
                        self._InlineProcessor__handleInline(text), child
                    )
                    for item in found:
                        self.parent_map[item[0]] = child
                    stack.extend(found)
                    insert_queue.append((child, found))
                    self.ancestors.pop()
                if child.tail:
                    tail = self._InlineProcessor__handleInline(child.tail)
                    dummy = etree.Element("d")
                    child.tail = None
                    tail_result = self._InlineProcessor__processPlaceholders(tail, dummy, False)
                    if dummy.tail:
                        child.tail = dummy.tail
                    tail_result.reverse()
                    for new_child in tail_result:
                        self.parent_map[new_child[0]] = current
                        current.insert(position + 1, new_child[0])
                if len(child):
                    self.parent_map[child] = current
                    stack.append((child, self.ancestors[:]))
                position += 1
            for element, found in insert_queue:
                for i, obj in enumerate(found):
                    element.insert(i, obj[0])
        return tree


# ---------------------------------------------------------------- the site's own processors


def _linear_camelcase_walk(self, parent: etree.Element) -> None:
    """wiki.markup's WikiWord walk, finding each child by its position (it scanned the
    parent's children for every child with a tail)."""
    if parent.tag in self.SKIP:
        return
    children = list(parent)
    inserted = 0
    if parent.text:
        parent.text, new = self._split(parent.text)
        for i, el in enumerate(new):
            parent.insert(i, el)
        inserted = len(new)
    for position, child in enumerate(children):
        self._walk(child)
        if child.tail:
            child.tail, new = self._split(child.tail)
            index = position + inserted + 1
            for offset, el in enumerate(new):
                parent.insert(index + offset, el)
            inserted += len(new)


# ---------------------------------------------------------------- installing


class _Reset(Extension):
    """Forgets the remembered searches when the Markdown instance is reset."""

    def __init__(self, resettable: list):
        super().__init__()
        self.resettable = resettable

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # pragma: no cover - not used
        pass

    def reset(self) -> None:
        for item in self.resettable:
            item.reset()


def install(md: markdown.Markdown) -> markdown.Markdown:
    """Replace md's quadratic processors by the linear ones above; call once, after every
    extension is loaded. Returns md."""
    resettable: list = []
    _fix_block_parser(md, resettable)
    if "inline" in md.treeprocessors and (
        type(md.treeprocessors["inline"]) is treeprocessors.InlineProcessor
    ):
        md.treeprocessors.register(
            LinearInlineProcessor(md), "inline", _priority(md.treeprocessors, "inline")
        )
    if "camelcase" in md.treeprocessors:
        camel = md.treeprocessors["camelcase"]
        camel._walk = MethodType(_linear_camelcase_walk, camel)
    md.registerExtension(_Reset(resettable))
    return md
