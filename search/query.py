"""The query language, parsed once for every backend, tolerant by construction.

Words are ANDed; "phrases"; OR; NOT / -word; ( ) groups; field prefixes ``title:``,
``body:``, and the filters ``kind:``, ``tag:`` and those the document types registered
(search.registry: ``fkind:``, ``status:``, ``engine:`` …).
Nothing a user types raises: control characters go, input is cut to MAX_QUERY_CHARS and
MAX_TERMS, unbalanced quotes and parentheses close themselves, lone or doubled operators
and unknown field names are read as nothing or as words. Backends turn the small tree
below into their own queries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from search import registry

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_DEPTH = 8
MAX_WORD_CHARS = 64

TEXT_FIELDS = {"title", "body"}


def field_aliases() -> dict[str, str]:
    """What may stand before a colon: the text fields and every registered filter."""
    return {"title": "title", "body": "body", **registry.filter_names()}


def filter_fields() -> set[str]:
    return set(registry.filter_names().values())


OPERATORS = {"AND", "OR", "NOT"}
_WORD_RE = re.compile(r"\w+(?:[.'’]\w+)*")
_FIELD_RE = re.compile(r"^([A-Za-z]+):(.*)$", re.S)


@dataclass(frozen=True)
class Term:
    word: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


@dataclass(frozen=True)
class Filter:
    field: str  # one of FILTER_FIELDS
    value: str
    negated: bool = False


@dataclass
class ParsedQuery:
    raw: str
    text: Node | None
    filters: list[Filter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The words as typed, for the exact-name match, when text has been expanded (synonyms,
    # joined words); None: take them from text.
    typed: list[str] | None = None

    def name_words(self) -> list[str]:
        """The words an exact title or name match compares with."""
        if self.typed is not None:
            return self.typed
        return [t.word for t in self.words() if t.field in (None, "title")]

    def with_text(self, text: Node | None, *, typed: list[str] | None = None) -> ParsedQuery:
        return ParsedQuery(
            raw=self.raw,
            text=text,
            filters=list(self.filters),
            notes=list(self.notes),
            typed=self.name_words() if typed is None else typed,
        )

    def relaxed(self) -> ParsedQuery | None:
        """Any of the words instead of all of them (what is left out stays out): the best
        partial matches, for a query with no result for all its words. None when there is
        nothing to relax (one word, or already an OR)."""
        nodes = self.text.nodes if isinstance(self.text, And) else ()
        positive = [n for n in nodes if not isinstance(n, Not)]
        negative = [n for n in nodes if isinstance(n, Not)]
        if len(positive) < 2:
            return None
        return self.with_text(_and([Or(tuple(positive)), *negative]))

    @property
    def is_empty(self) -> bool:
        return self.text is None and not self.filters

    @property
    def has_positive(self) -> bool:
        return _has_positive(self.text) or any(not f.negated for f in self.filters)

    def words(self) -> list[Term]:
        """Plain positive terms, in order: the candidates for "did you mean"."""
        return list(_positive_terms(self.text))

    def display(self, replace: dict[str, str] | None = None) -> str:
        parts = [to_string(self.text, replace or {})] if self.text is not None else []
        for f in self.filters:
            parts.append(f"{'-' if f.negated else ''}{f.field}:{_quote(f.value)}")
        return " ".join(p for p in parts if p)


# ---------------------------------------------------------------- sanitizing


def sanitize(raw: str) -> tuple[str, list[str]]:
    notes = []
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut
        notes.append(f"Your query was shortened to its first {MAX_QUERY_CHARS} characters.")
    return " ".join(text.split()), notes


# ---------------------------------------------------------------- tokens


@dataclass
class _Tok:
    type: str  # WORD PHRASE LP RP AND OR NOT NEG FIELD
    value: str = ""


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            out.append(_Tok("LP"))
            i += 1
        elif c == ")":
            out.append(_Tok("RP"))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            out.append(_Tok("PHRASE", text[i + 1 : end]))
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            out.extend(_word_tokens(text[i:j]))
            i = j
    return out


def _word_tokens(raw: str) -> list[_Tok]:
    if raw in OPERATORS:
        return [_Tok(raw)]
    if raw == "&&":
        return [_Tok("AND")]
    if raw == "||":
        return [_Tok("OR")]
    toks: list[_Tok] = []
    while raw[:1] in {"-", "+", "!"} and raw:
        if raw[0] in "-!":
            toks.append(_Tok("NEG"))
        raw = raw[1:]
    m = _FIELD_RE.match(raw)
    aliases = field_aliases()
    if m and m.group(1).lower() in aliases:
        toks.append(_Tok("FIELD", aliases[m.group(1).lower()]))
        raw = m.group(2)
        if not raw:
            return toks
    elif m:  # unknown field: read "foo:bar" as the words foo bar
        words = _WORD_RE.findall(f"{m.group(1)} {m.group(2)}")
        return toks + [_Tok("WORD", w[:MAX_WORD_CHARS]) for w in words]
    words = [w[:MAX_WORD_CHARS] for w in _WORD_RE.findall(raw)]
    if len(words) == 1:
        toks.append(_Tok("WORD", words[0]))
    elif words:
        toks.append(_Tok("PHRASE", " ".join(words)))
    elif toks and toks[-1].type == "FIELD":
        toks.pop()
    return toks


# ---------------------------------------------------------------- grammar


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.terms = 0
        self.truncated = False

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        nodes = []
        while self.peek() is not None:
            node = self.or_expr(0)
            if node is not None:
                nodes.append(node)
            if self.peek() is not None and self.peek().type == "RP":
                self.take()  # a stray ")" is ignored
        return _and(nodes)

    def or_expr(self, depth: int) -> Node | None:
        branches = []
        node = self.and_expr(depth)
        if node is not None:
            branches.append(node)
        while (tok := self.peek()) is not None and tok.type == "OR":
            self.take()
            node = self.and_expr(depth)
            if node is not None:
                branches.append(node)
        if not branches:
            return None
        return branches[0] if len(branches) == 1 else Or(tuple(branches))

    def and_expr(self, depth: int) -> Node | None:
        nodes = []
        while (tok := self.peek()) is not None and tok.type not in {"OR", "RP"}:
            if tok.type == "AND":
                self.take()
                continue
            node = self.unary(depth)
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def unary(self, depth: int) -> Node | None:
        tok = self.take()
        if tok.type in {"NOT", "NEG"}:
            nxt = self.peek()
            if nxt is None or nxt.type in {"OR", "RP", "AND"}:
                return None
            node = self.unary(depth)
            if node is None:
                return None
            return node.node if isinstance(node, Not) else Not(node)
        if tok.type == "FIELD":
            nxt = self.peek()
            if nxt is None or nxt.type not in {"WORD", "PHRASE", "LP"}:
                return None
            return self.atom(self.take(), depth, tok.value)
        return self.atom(tok, depth, None)

    def atom(self, tok: _Tok, depth: int, fieldname: str | None) -> Node | None:
        if tok.type == "LP":
            inner = self.or_expr(depth + 1)
            if self.peek() is not None and self.peek().type == "RP":
                self.take()
            if inner is None:
                return None
            if fieldname is not None:
                inner = _with_field(inner, fieldname)
            return inner if depth < MAX_DEPTH else _flatten(inner)
        if tok.type == "WORD":
            if not self._count(1):
                return None
            return Term(tok.value, fieldname)
        if tok.type == "PHRASE":
            words = tuple(_WORD_RE.findall(tok.value))
            if not words or not self._count(len(words)):
                return None
            if fieldname in filter_fields():
                return Term(" ".join(words), fieldname)
            return Term(words[0], fieldname) if len(words) == 1 else Phrase(words, fieldname)
        return None  # a stray operator token

    def _count(self, n: int) -> bool:
        if self.terms + n > MAX_TERMS:
            self.truncated = True
            return False
        self.terms += n
        return True


def _and(nodes: list[Node]) -> Node | None:
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, And) else [node])
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _with_field(node: Node, fieldname: str) -> Node:
    if isinstance(node, Term) and node.field is None:
        return Term(node.word, fieldname)
    if isinstance(node, Phrase) and node.field is None:
        return Phrase(node.words, fieldname)
    if isinstance(node, Not):
        return Not(_with_field(node.node, fieldname))
    if isinstance(node, And | Or):
        return type(node)(tuple(_with_field(n, fieldname) for n in node.nodes))
    return node


def _flatten(node: Node) -> Node | None:
    return _and(list(_positive_terms(node)))


def _positive_terms(node: Node | None):
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from _positive_terms(child)


def _has_positive(node: Node | None) -> bool:
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, And | Or):
        return any(_has_positive(n) for n in node.nodes)
    return False


def _demote_filters(node: Node | None, filters: set[str]) -> Node | None:
    """Filter fields deeper than the top level are read as plain words."""
    if isinstance(node, Term) and node.field in filters:
        return Term(node.word)
    if isinstance(node, Not):
        return Not(_demote_filters(node.node, filters))
    if isinstance(node, And | Or):
        return type(node)(tuple(_demote_filters(n, filters) for n in node.nodes))
    return node


def parse(raw: str) -> ParsedQuery:
    text, notes = sanitize(raw)
    parser = _Parser(_tokens(text))
    tree = parser.parse()
    if parser.truncated:
        notes.append(f"Only the first {MAX_TERMS} words of your query were used.")
    filters: list[Filter] = []
    rest: list[Node] = []
    known = filter_fields()
    top = tree.nodes if isinstance(tree, And) else ([tree] if tree is not None else [])
    for node in top:
        inner, negated = (node.node, True) if isinstance(node, Not) else (node, False)
        if isinstance(inner, Term) and inner.field in known:
            filters.append(Filter(inner.field, inner.word.lower(), negated))
        else:
            rest.append(_demote_filters(node, known))
    return ParsedQuery(raw=text, text=_and(rest), filters=filters, notes=notes)


# ---------------------------------------------------------------- printing


def _quote(word: str) -> str:
    return f'"{word}"' if " " in word else word


def to_string(node: Node | None, replace: dict[str, str], top: bool = True) -> str:
    if node is None:
        return ""
    if isinstance(node, Term):
        word = replace.get(node.word.lower(), node.word)
        return f"{node.field}:{_quote(word)}" if node.field else _quote(word)
    if isinstance(node, Phrase):
        words = " ".join(replace.get(w.lower(), w) for w in node.words)
        return f'{node.field}:"{words}"' if node.field else f'"{words}"'
    if isinstance(node, Not):
        return "-" + to_string(node.node, replace, top=False)
    if isinstance(node, And):
        inner = " ".join(to_string(n, replace, top=False) for n in node.nodes)
        return inner if top else f"({inner})"
    inner = " OR ".join(to_string(n, replace, top=False) for n in node.nodes)
    return inner if top else f"({inner})"
