"""What a query also means: the editors' synonyms and words typed apart.

Applied to the parsed query before any backend sees it, so both backends search the same
thing:

- a word or phrase in the synonym table (search.models.SearchSynonym) becomes "it or any of
  its synonyms" (`async` → async OR asynchronous OR asgi; a two-way entry works from either
  side);
- two plain words next to each other also match as one (`cherry py` → cherrypy, `fast cgi`
  → fastcgi), since the index holds compounds joined (search.text.compound_words).

The words as typed are kept for the exact-name match.
"""

from __future__ import annotations

import time

from search.models import SearchSynonym
from search.query import And, Node, Not, Or, ParsedQuery, Term
from search.text import fold

MAX_PHRASE_WORDS = 3
MAX_JOIN_WORDS = 4  # pairs are joined only in short queries
MAX_ALTERNATIVES = 6
# Words of a question, not of its subject: left out when the query has other words
# ("what is wsgi" → wsgi; "which framework is built on werkzeug").
QUESTION_WORDS = frozenset(
    ("what", "which", "who", "whom", "whose", "how", "why", "where", "when", "is", "are",
     "was", "were", "does", "do", "did", "can", "could", "should", "would", "a", "an", "the",
     "i", "me", "my", "vs", "versus", "there", "any")
)  # fmt: skip


# The table is read once per SYNONYMS_TTL seconds per process (a query saved per search);
# a change made in this process applies at once (forget_synonyms), in others within it.
SYNONYMS_TTL = 5.0
_cached: dict[str, object] = {}


def forget_synonyms(**kwargs) -> None:
    _cached.clear()


def synonym_table() -> dict[str, list[str]]:
    """term → what it also finds, both directions of two-way entries included."""
    now = time.monotonic()
    if _cached and now - _cached["at"] < SYNONYMS_TTL:  # type: ignore[operator]
        return _cached["table"]  # type: ignore[return-value]
    table = _load_synonyms()
    _cached.update(at=now, table=table)
    return table


def _load_synonyms() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for row in SearchSynonym.objects.all():
        words = row.words()
        table.setdefault(row.term, []).extend(words)
        if row.two_way:
            group = [row.term, *words]
            for word in words:
                table.setdefault(word, []).extend(w for w in group if w != word)
    return {k: list(dict.fromkeys(v))[:MAX_ALTERNATIVES] for k, v in table.items()}


def _node_for(words: list[str]) -> Node:
    # All the words rather than the phrase: as precise in practice, and scored by the
    # backends' fast paths (Whoosh's phrase matcher is not).
    return Term(words[0]) if len(words) == 1 else And(tuple(Term(w) for w in words))


def _alternatives(original: Node, key: str, table: dict[str, list[str]]) -> Node:
    found = table.get(key)
    if not found:
        return original
    alts = [original]
    for alt in found:
        node = _node_for(alt.split())
        if node not in alts:
            alts.append(node)
    return Or(tuple(alts))


def _plain(node: Node) -> bool:
    return isinstance(node, Term) and node.field is None


def _joinable(word: str) -> bool:
    return word.isalpha() and len(word) <= 15


def _expand_run(words: list[str], table: dict[str, list[str]], join: bool) -> list[Node]:
    """A run of plain words: phrases from the table (longest first), then single words,
    then adjacent pairs joined."""
    out: list[Node] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 1, -1):
            key = " ".join(fold(w) for w in words[i : i + size])
            if key in table:
                out.append(_alternatives(_node_for(words[i : i + size]), key, table))
                i += size
                break
        else:
            word = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if join and nxt is not None and _joinable(word) and _joinable(nxt):
                joined = fold(word + nxt)
                both = And((_alternatives(Term(word), fold(word), table),
                            _alternatives(Term(nxt), fold(nxt), table)))  # fmt: skip
                out.append(Or((both, _alternatives(Term(joined), joined, table))))
                i += 2
                continue
            out.append(_alternatives(Term(word), fold(word), table))
            i += 1
    return out


def _expand_node(node: Node, table: dict[str, list[str]]) -> Node:
    if _plain(node):
        return _alternatives(node, fold(node.word), table)
    if isinstance(node, Not):
        return node  # what is left out is left out as typed
    if isinstance(node, And | Or):
        return type(node)(tuple(_expand_node(n, table) for n in node.nodes))
    return node


def expand(pq: ParsedQuery, table: dict[str, list[str]] | None = None) -> ParsedQuery:
    if pq.text is None:
        return pq
    table = synonym_table() if table is None else table
    nodes = list(pq.text.nodes) if isinstance(pq.text, And) else [pq.text]
    kept = [n for n in nodes if not (_plain(n) and fold(n.word) in QUESTION_WORDS)]
    if len(kept) < len(nodes) and any(_plain(n) or not isinstance(n, Not) for n in kept):
        nodes = kept
        pq = pq.with_text(
            And(tuple(nodes)) if len(nodes) > 1 else nodes[0],
            typed=[
                n.word for n in nodes if _plain(n) or (isinstance(n, Term) and n.field == "title")
            ],
        )
    plain_count = sum(1 for n in nodes if _plain(n))
    join = plain_count <= MAX_JOIN_WORDS
    out: list[Node] = []
    run: list[str] = []
    for node in [*nodes, None]:
        if node is not None and _plain(node):
            run.append(node.word)
            continue
        if run:
            out.extend(_expand_run(run, table, join))
            run = []
        if node is not None:
            out.append(_expand_node(node, table))
    text = out[0] if len(out) == 1 else And(tuple(out))
    if text == pq.text:
        return pq
    return pq.with_text(text)
