"""Choosing a "did you mean" word: Damerau–Levenshtein distance first (a swapped pair of
letters counts once: jinaj → jinja2 is two edits), then title words before body words,
then the most common."""

from __future__ import annotations


def transpositions(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


def distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def max_distance(word: str) -> int:
    return 1 if len(word) <= 4 else 2


def best_correction(word: str, candidates: dict[str, tuple]) -> str | None:
    """candidates: word → sort key (lower is better) used after the distance."""
    scored = []
    for cand, key in candidates.items():
        if cand == word:
            continue
        d = distance(word, cand)
        if d <= max_distance(word):
            scored.append((d, *key, cand))
    return min(scored)[-1] if scored else None
