"""Whoosh's private parts that the fast paths lean on, checked once per process.

whoosh_fixes (in-memory length columns) and whoosh_scoring (block-at-a-time BM25F) read
Whoosh's internals: attribute names, a matcher's block arrays, the length column's bytes.
A Whoosh release that changes them must not break search nor make it report a damaged
index. So, the first time a Whoosh backend is made in a process, :func:`setup` checks the
names exist and runs a tiny index in memory through both the fast path and Whoosh's own
collector: same hits, same scores, or the fast paths stay off — plain Whoosh answers,
slower, and one warning says why.
"""

from __future__ import annotations

import logging
import threading

import whoosh
from whoosh import fields, query
from whoosh.codec import whoosh3
from whoosh.codec.base import Automata
from whoosh.filedb.filestore import RamStorage
from whoosh.matching.wrappers import FilterMatcher

from search.backends import whoosh_fixes, whoosh_scoring

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, object] = {}

# (object, attribute names) the fast paths use.
REQUIRED = (
    (whoosh3.W3PerDocReader, ("_cached_reader", "column_reader", "has_column")),
    (whoosh3.W3LeafMatcher, ("_read_ids", "_read_weights", "_next_block", "is_active")),
    (FilterMatcher, ("__init__",)),  # its child and _ids are checked by the probe
    (whoosh3, ("_lenfield", "LENGTHS_COLUMN")),
    (query.Or, ("DEFAULT_MATCHER", "matcher_type")),
    (Automata, ("levenshtein_dfa", "find_matches")),
)

_PROBE_QUERIES = (
    query.Term("body", "alpha"),
    query.Or([query.Term("body", "alpha"), query.Term("title", "beta", boost=3.0)]),
    query.And([query.Term("body", "alpha"), query.Term("body", "gamma")]),
    query.AndMaybe(query.Term("body", "alpha"), query.Term("exact", "one", boost=50.0)),
)


def _probe() -> str | None:
    """None when the fast paths give Whoosh's own answers on a small index; otherwise
    what differs."""
    for owner, names in REQUIRED:
        missing = [n for n in names if not hasattr(owner, n)]
        if missing:
            return f"{getattr(owner, '__name__', owner)} has no {', '.join(missing)}"
    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(),
        body=fields.TEXT(),
        exact=fields.KEYWORD(commas=True),
    )
    ix = RamStorage().create_index(schema)
    writer = ix.writer()
    texts = ["alpha beta", "alpha gamma alpha", "beta gamma", "alpha " * 40 + "delta"]
    for i, text in enumerate(texts * 40):
        writer.add_document(
            id=str(i), title=text.split()[-1], body=text, exact="one" if i % 7 == 0 else ""
        )
    writer.commit()
    writer = ix.writer()
    writer.delete_by_term("id", "3")  # a deletion: the FilterMatcher path
    writer.add_document(id="x", title="beta", body="alpha beta beta", exact="one")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        for q in _PROBE_QUERIES:
            theirs = {h.docnum: round(h.score, 6) for h in searcher.search(q, limit=None)}
            scores = whoosh_scoring.score_all(searcher, q, excluded=lambda _node: set())
            if scores is None:
                return f"the fast path declined {q!r}"
            ours = {d: round(s, 6) for d, s in scores.items()}
            if ours != theirs:
                return f"scores differ from Whoosh's for {q!r}"
        dfa = Automata.levenshtein_dfa("alpah", 2, 1)
        if not callable(getattr(dfa, "next_valid_string", None)):
            return "Automata.levenshtein_dfa returned an unexpected object"
    return None


def setup() -> bool:
    """Check Whoosh once per process; True when the fast paths are on."""
    with _lock:
        if "fast" in _state:
            return bool(_state["fast"])
        whoosh_fixes.apply()
        try:
            problem = _probe()
        except Exception as exc:  # any surprise inside Whoosh means: do not rely on it
            problem = repr(exc)
        if problem:
            whoosh_fixes.undo()
            logger.warning(
                "Whoosh %s is not what search's speed-ups expect (%s): searching with "
                "plain Whoosh, correct but slower.",
                getattr(whoosh, "versionstring", lambda: "?")(),
                problem,
            )
        _state["fast"] = not problem
        _state["problem"] = problem
        return not problem


def fast() -> bool:
    return bool(_state.get("fast", False))


def disable(reason: str) -> None:
    """Turn the fast paths off for the rest of the process (a surprise at run time)."""
    with _lock:
        if _state.get("fast"):
            logger.warning("Search speed-ups turned off: %s. Plain Whoosh answers.", reason)
        whoosh_fixes.undo()
        _state["fast"] = False
        _state["problem"] = reason


def reset() -> None:
    """Forget the check (tests)."""
    with _lock:
        _state.clear()
