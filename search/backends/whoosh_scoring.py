"""Top hits without Whoosh's per-document matcher protocol, for the common query shapes.

Whoosh scores a query by walking a tree of matchers one document at a time (is_active,
id, next, score, doc_field_length: several Python calls a posting per tree level), and
its block-max skipping rarely helps BM25 on a common word: "python" on 10k pages
spent ~90 ms there. Here each term's posting list is read a block at a time, scored
with the same BM25F formula (same idf, average length, B, K1, boosts) in one loop over
arrays, and the per-term scores are combined as Whoosh's matchers combine them (Or and
And add, AndMaybe adds the optional part where it matches, Not removes). Queries with
anything else (phrases, Every) return None and go through Whoosh's own collector;
tests check both give the same hits and scores.
"""

from __future__ import annotations

import heapq

from whoosh import query, scoring
from whoosh.codec import whoosh3
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

_LENGTHS = [byte_to_length(b) for b in range(256)]


class Unsupported(Exception):
    pass


def score_all(searcher, q, excluded) -> dict[int, float] | None:
    """docnum → score for every matching document, or None when the query has a node
    scored only by Whoosh. excluded(node) → the documents of a Not's query."""
    weighting = searcher.weighting
    if type(weighting) is not scoring.BM25F or weighting._field_B:
        return None
    try:
        return _scores(searcher, q, weighting, excluded)
    except Unsupported:
        return None


def best(scores: dict[int, float], limit: int) -> list[tuple[float, int]]:
    """[(score, docnum)] best first; ties go to the lower docnum, as in Whoosh."""
    found = heapq.nsmallest(limit, ((-s, d) for d, s in scores.items()))
    return [(-negscore, docnum) for negscore, docnum in found]


def _scores(searcher, node, weighting, excluded) -> dict[int, float]:
    if isinstance(node, query.Term):
        return _term_scores(searcher, node, weighting)
    if isinstance(node, query.AndMaybe):
        required = _scores(searcher, node.a, weighting, excluded)
        optional = _scores(searcher, node.b, weighting, excluded)
        for docnum, score in optional.items():
            if docnum in required:
                required[docnum] += score
        return required
    if isinstance(node, query.Or) and type(node) is query.Or:
        if node.scale or node.minmatch:
            raise Unsupported
        out: dict[int, float] = {}
        for sub in node.subqueries:
            for docnum, score in _scores(searcher, sub, weighting, excluded).items():
                out[docnum] = out.get(docnum, 0.0) + score
        return _boosted(out, node.boost)
    if isinstance(node, query.And) and type(node) is query.And:
        positive = [s for s in node.subqueries if not isinstance(s, query.Not)]
        negative = [s.query for s in node.subqueries if isinstance(s, query.Not)]
        if not positive:
            raise Unsupported
        parts = sorted((_scores(searcher, s, weighting, excluded) for s in positive), key=len)
        out = dict(parts[0])
        for part in parts[1:]:
            out = {d: s + part[d] for d, s in out.items() if d in part}
        for sub in negative:
            # Whoosh intersects with an InverseMatcher, which scores 1.0 where it matches.
            drop = excluded(sub)
            out = {d: s + 1.0 for d, s in out.items() if d not in drop}
        return _boosted(out, node.boost)
    raise Unsupported


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost != 1.0:
        return {d: s * boost for d, s in scores.items()}
    return scores


def _term_scores(searcher, term: query.Term, weighting) -> dict[int, float]:
    fieldname, text, boost = term.fieldname, term.text, term.boost
    field = searcher.schema[fieldname]
    out: dict[int, float] = {}
    scorable = field.scorable
    if scorable:
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        B, K1 = weighting.B, weighting.K1
    for leaf, offset in searcher.reader().leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        ids, weights = _postings(leaf.postings(fieldname, text))
        if scorable:
            lengths = leaf._perdoc._cached_reader(
                whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN
            )
            data = getattr(lengths, "_data", None)
            if lengths is not None and data is None:
                raise Unsupported  # the in-memory length column patch is not in place
            table = _LENGTHS
            for docnum, w in zip(ids, weights, strict=True):
                lbyte = data[docnum] if data is not None and docnum < len(data) else 0
                fl = table[lbyte] if lbyte else 1
                # bm25() exactly as whoosh.scoring computes it, then the query boost.
                out[docnum + offset] = (
                    idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * fl / avgfl))) * boost
                )
        else:
            for docnum, w in zip(ids, weights, strict=True):
                out[docnum + offset] = w * boost
    return out


def _postings(matcher) -> tuple[list[int], list[float]]:
    deleted = None
    if isinstance(matcher, FilterMatcher):
        if not matcher._exclude:
            raise Unsupported
        deleted = matcher._ids
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    if type(matcher) is whoosh3.W3LeafMatcher:
        # A block at a time (the ids and weights arrays Whoosh decodes anyway).
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            start = matcher._i
            ids.extend(matcher._ids[start:])
            weights.extend(matcher._weights[start:])
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    if deleted:
        kept = [(d, w) for d, w in zip(ids, weights, strict=True) if d not in deleted]
        ids = [d for d, _ in kept]
        weights = [w for _, w in kept]
    return ids, weights
