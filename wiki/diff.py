"""Readable diffs between two revisions: line hunks with changed words marked."""

from __future__ import annotations

import difflib
import re
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


@dataclass
class Diff:
    hunks: list[Hunk]
    added: int
    removed: int

    @property
    def is_empty(self) -> bool:
        return not self.hunks


def _word_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with a lone space between two changes folded into one change."""
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
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


def diff_texts(old: str, new: str, *, context: int = 3) -> Diff:
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks: list[Hunk] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunk = Hunk(
            header=f"Lines {first[1] + 1}–{last[2]} → {first[3] + 1}–{last[4]}",
        )
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                for k in range(i2 - i1):
                    hunk.lines.append(
                        DiffLine("context", i1 + k + 1, j1 + k + 1, escape(a[i1 + k]))
                    )
                continue
            olds, news = a[i1:i2], b[j1:j2]
            removed += len(olds)
            added += len(news)
            if op == "replace" and len(olds) == len(news):
                pairs = [_mark_words(o, n) for o, n in zip(olds, news, strict=True)]
                old_html = [p[0] for p in pairs]
                new_html = [p[1] for p in pairs]
            else:
                old_html = [escape(line) for line in olds]
                new_html = [escape(line) for line in news]
            for k, html in enumerate(old_html):
                hunk.lines.append(DiffLine("del", i1 + k + 1, None, html))
            for k, html in enumerate(new_html):
                hunk.lines.append(DiffLine("add", None, j1 + k + 1, html))
        hunks.append(hunk)
    return Diff(hunks=hunks, added=added, removed=removed)
