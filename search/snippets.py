"""Snippets: the best one or two short passages of a text around the query's words, the
matched words wrapped in MARK_START/MARK_END (the caller escapes, then swaps in <mark>).

Whoosh's highlighter runs each hit's text through the full analyzer chain (a generator
per filter per token) and copies every token: ~7 ms a hit, 70 % of a query's time on a
1k-page wiki. Here a word is matched by one regex scan and a dict lookup of its
normalized form (lower-cased, accent-folded, stemmed — what the index holds), cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from search.text import MARK_END, MARK_START

BETWEEN = " … "


def best_passages(
    text: str,
    terms: Iterable[str],
    normalize: Callable[[str], str],
    *,
    word_re: re.Pattern = re.compile(r"\w+(?:\.?\w+)*"),
    maxchars: int = 220,
    surround: int = 70,
    top: int = 2,
) -> str:
    """Up to `top` passages of at most ~`maxchars` around matched words, in text order,
    joined by " … "; "" when no word of text normalizes to one of `terms`."""
    wanted = set(terms)
    if not wanted or not text:
        return ""
    matches = [
        (m.start(), m.end(), key)
        for m in word_re.finditer(text)
        if (key := normalize(m.group())) in wanted
    ]
    if not matches:
        return ""
    # Greedy passages: open at a match, take the following matches while they fit.
    passages = []
    i = 0
    while i < len(matches):
        first = matches[i]
        group = [first]
        j = i + 1
        while j < len(matches) and matches[j][1] - first[0] + 2 * surround <= maxchars:
            group.append(matches[j])
            j += 1
        score = (len({key for _, _, key in group}), len(group))
        passages.append((score, -i, group))
        i = j
    chosen = sorted(passages, key=lambda p: (p[0], p[1]), reverse=True)[:top]
    chosen.sort(key=lambda p: -p[1])
    return BETWEEN.join(_render(text, group, maxchars, surround) for _, _, group in chosen)


def _render(text: str, group, maxchars: int, surround: int) -> str:
    first_start, last_end = group[0][0], group[-1][1]
    slack = max(surround, (maxchars - (last_end - first_start)) // 2)
    start = max(0, first_start - slack)
    end = min(len(text), last_end + slack)
    # Do not cut words in half at the edges.
    if start > 0:
        space = text.find(" ", start, first_start)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", last_end, end)
        end = space if space >= 0 else end
    out, pos = [], start
    for s, e, _ in group:
        out.append(text[pos:s])
        out.append(MARK_START + text[s:e] + MARK_END)
        pos = e
    out.append(text[pos:end])
    return "".join(out).strip()
