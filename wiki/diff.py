"""Readable diffs between two revisions: line hunks with changed words marked."""

from __future__ import annotations

import bisect
import difflib
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class DiffLine:
    kind: str  # "context", "add", "del"
    old_no: int | None
    new_no: int | None
    html: SafeString


@dataclass
class Hunk:
    header: str
    lines: list[DiffLine] = field(default_factory=list)


# Bounds. A changed line is compared word by word exactly (difflib, quadratic in its words)
# only while words(old) × words(new) stays under WORD_CELLS; a longer line is aligned on the
# words that occur once on each side (patience alignment, n log n), and only the short gaps
# between those anchors are compared exactly. The whole diff stops at MAX_SHOWN_LINES lines,
# or when marking words has taken TIME_BUDGET seconds (the rest is shown unmarked), and two
# texts of more than MAX_LINES changed lines are not compared line by line at all.
WORD_CELLS = 250_000
MAX_LINES = 20_000
MAX_SHOWN_LINES = 3_000
TIME_BUDGET = 2.0


@dataclass
class Diff:
    hunks: list[Hunk]
    added: int
    removed: int
    truncated: bool = False  # "too large to show in full"
    # Changed lines whose words were aligned on anchors (too long to compare exactly).
    anchored_lines: int = 0
    # Changed lines shown without marked words (the time budget ran out).
    unmarked_lines: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.hunks and not self.truncated


def _exact_opcodes(a, b, alo, ahi, blo, bhi, out):
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, a[alo:ahi], b[blo:bhi], autojunk=False
    ).get_opcodes():
        out.append((tag, i1 + alo, i2 + alo, j1 + blo, j2 + blo))


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both coordinates (pairs sorted by the first)."""
    tails: list[int] = []  # index into pairs of the smallest tail of each length
    previous: list[int] = [-1] * len(pairs)
    tail_values: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tail_values, j)
        if pos:
            previous[k] = tails[pos - 1]
        if pos == len(tails):
            tails.append(k)
            tail_values.append(j)
        else:
            tails[pos] = k
            tail_values[pos] = j
    run: list[tuple[int, int]] = []
    k = tails[-1] if tails else -1
    while k != -1:
        run.append(pairs[k])
        k = previous[k]
    run.reverse()
    return run


def _anchored_opcodes(a, b, alo, ahi, blo, bhi, out, depth: int = 0) -> None:
    """Opcodes for a[alo:ahi] → b[blo:bhi] in n log n: common prefix and suffix, then words
    unique on both sides as anchors; gaps small enough are compared exactly, the others are
    one replacement (anchors are looked for again inside a gap, three levels deep)."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append(("equal", alo, alo + 1, blo, blo + 1))
        alo, blo = alo + 1, blo + 1
    suffix = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        suffix.append(("equal", ahi - 1, ahi, bhi - 1, bhi))
        ahi, bhi = ahi - 1, bhi - 1
    if (ahi - alo) * (bhi - blo) <= WORD_CELLS:
        if alo < ahi or blo < bhi:
            _exact_opcodes(a, b, alo, ahi, blo, bhi, out)
    else:
        count_a = Counter(a[alo:ahi])
        count_b = Counter(b[blo:bhi])
        where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
        pairs = [
            (i, where_b[a[i]])
            for i in range(alo, ahi)
            if count_a[a[i]] == 1 and a[i] in where_b and not a[i].isspace()
        ]
        anchors = _longest_increasing(pairs) if depth < 3 else []
        if not anchors:
            out.append(("replace", alo, ahi, blo, bhi))
        else:
            i, j = alo, blo
            for ai, bj in anchors:
                if i < ai or j < bj:
                    _anchored_opcodes(a, b, i, ai, j, bj, out, depth + 1)
                out.append(("equal", ai, ai + 1, bj, bj + 1))
                i, j = ai + 1, bj + 1
            if i < ahi or j < bhi:
                _anchored_opcodes(a, b, i, ahi, j, bhi, out, depth + 1)
    out.extend(reversed(suffix))


def _normalized(ops):
    """Adjacent opcodes of one kind joined; empty ones dropped; kinds named as difflib does."""
    result: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in ops:
        if i1 == i2 and j1 == j2:
            continue
        if tag != "equal":
            tag = "replace" if i1 < i2 and j1 < j2 else ("delete" if i1 < i2 else "insert")
        if result and (result[-1][0] == "equal") == (tag == "equal"):
            _, pi1, _, pj1, _ = result.pop()
            if tag != "equal":
                tag = "replace" if pi1 < i2 and pj1 < j2 else ("delete" if pi1 < i2 else "insert")
            result.append((tag, pi1, i2, pj1, j2))
        else:
            result.append((tag, i1, i2, j1, j2))
    return result


def _word_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with a lone space between two changes folded into one change."""
    if len(a) * len(b) <= WORD_CELLS:
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    else:
        raw: list[tuple[str, int, int, int, int]] = []
        _anchored_opcodes(a, b, 0, len(a), 0, len(b), raw)
        ops = _normalized(raw)
    merged: list[tuple[str, int, int, int, int]] = []
    for k, op in enumerate(ops):
        tag, i1, i2, j1, j2 = op
        between_changes = 0 < k < len(ops) - 1 and merged and merged[-1][0] != "equal"
        if tag == "equal" and between_changes and "".join(a[i1:i2]).isspace():
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            _, pi1, _, pj1, _ = merged.pop()
            op = ("replace", pi1, i2, pj1, j2)
        else:
            op = (tag, i1, i2, j1, j2)
        merged.append(op)
    return merged


def _mark_words(old: str, new: str) -> tuple[SafeString, SafeString]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    old_out, new_out = [], []
    for op, i1, i2, j1, j2 in _word_opcodes(a, b):
        left, right = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            old_out.append(left)
            new_out.append(right)
        else:
            if left:
                old_out.append(f"<del>{left}</del>")
            if right:
                new_out.append(f"<ins>{right}</ins>")
    return mark_safe("".join(old_out)), mark_safe("".join(new_out))


def _too_many_changed_lines(a: list[str], b: list[str]) -> bool:
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    return max(end_a - start, end_b - start) > MAX_LINES


def diff_texts(old: str, new: str, *, context: int = 3) -> Diff:
    """A line diff with changed words marked, bounded in size and time (see the bounds above)."""
    a, b = old.splitlines(), new.splitlines()
    if _too_many_changed_lines(a, b):
        return Diff(hunks=[], added=0, removed=0, truncated=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks: list[Hunk] = []
    added = removed = shown = 0  # added/removed count every line; shown stops at the bound
    truncated = False
    anchored = unmarked = 0
    deadline = time.monotonic() + TIME_BUDGET
    for group in matcher.get_grouped_opcodes(context):
        hunk = None
        for op, i1, i2, j1, j2 in group:
            if op != "equal":
                removed += i2 - i1
                added += j2 - j1
            room = MAX_SHOWN_LINES - shown
            if room <= 0:
                truncated = True
                continue  # still counted above, no longer shown
            if hunk is None:
                first, last = group[0], group[-1]
                hunk = Hunk(header=f"Lines {first[1] + 1}–{last[2]} → {first[3] + 1}–{last[4]}")
                hunks.append(hunk)
            if op == "equal":
                for k in range(min(i2 - i1, room)):
                    hunk.lines.append(
                        DiffLine("context", i1 + k + 1, j1 + k + 1, escape(a[i1 + k]))
                    )
                shown += min(i2 - i1, room)
                continue
            olds, news = a[i1:i2], b[j1:j2]
            if len(olds) + len(news) > room:
                truncated = True
                olds, news = olds[: (room + 1) // 2], news[: room // 2]
            old_html = [escape(line) for line in olds]
            new_html = [escape(line) for line in news]
            if op == "replace" and len(olds) == len(news):
                for k, (o, n) in enumerate(zip(olds, news, strict=True)):
                    if time.monotonic() > deadline:
                        unmarked += len(olds) - k
                        break
                    if len(_WORDS.findall(o)) * len(_WORDS.findall(n)) > WORD_CELLS:
                        anchored += 1
                    old_html[k], new_html[k] = _mark_words(o, n)
            for k, html in enumerate(old_html):
                hunk.lines.append(DiffLine("del", i1 + k + 1, None, html))
            for k, html in enumerate(new_html):
                hunk.lines.append(DiffLine("add", None, j1 + k + 1, html))
            shown += len(olds) + len(news)
    return Diff(
        hunks=hunks,
        added=added,
        removed=removed,
        truncated=truncated,
        anchored_lines=anchored,
        unmarked_lines=unmarked,
    )
