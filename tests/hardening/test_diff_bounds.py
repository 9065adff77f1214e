"""The diff view is bounded: a long changed line is aligned in n log n, a huge diff says so
with links to both revisions, and each revision pair is computed once (issue 15, finding 3).
No timing here: the tests check which path produced the output."""

import random
import re

import pytest
from django.core.cache import caches

from wiki import diff as diff_module
from wiki import services, views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_diff_cache():
    caches["diffs"].clear()


def _paragraph(seed: int = 7, words: int = 7500) -> tuple[str, str, int]:
    """A ~40 KB one-line paragraph and a copy with 5 % of its words changed."""
    rng = random.Random(seed)
    old = [f"w{rng.randint(0, 3000)}" for _ in range(words)]
    new = list(old)
    changed = rng.sample(range(words), words // 20)
    for k in changed:
        new[k] = f"edit{k}"
    return " ".join(old), " ".join(new), len(changed)


def test_long_paragraph_diff_answers_and_marks_changed_words(client, make_page):
    old, new, changed = _paragraph()
    assert len(old) > 40_000
    page = make_page("Long Paragraph", old)
    services.page_update(page=page, body=new)
    response = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert response.status_code == 200
    diff = response.context["diff"]
    # The line is far beyond what difflib compares exactly: the anchored path marked it.
    assert len(old.split()) * len(new.split()) > diff_module.WORD_CELLS
    assert diff.anchored_lines == 1
    assert diff.unmarked_lines == 0
    html = response.content.decode()
    inserted = re.findall(r"<ins>(.*?)</ins>", html)
    deleted = re.findall(r"<del>(.*?)</del>", html)
    # Every changed word is marked, and little else: adjacent changes share one mark.
    assert sum(part.count("edit") for part in inserted) == changed
    assert html.count("edit") == changed
    assert len(" ".join(inserted).split()) < changed * 1.2
    assert len(" ".join(deleted).split()) < changed * 1.2


def test_anchored_marking_keeps_both_texts_whole():
    old, new, _ = _paragraph(seed=3, words=3000)
    marked_old, marked_new = diff_module._mark_words(old, new)
    unmark = lambda s: str(s).replace("<ins>", "").replace("</ins>", "")  # noqa: E731
    undel = lambda s: str(s).replace("<del>", "").replace("</del>", "")  # noqa: E731
    assert undel(marked_old) == old
    assert unmark(marked_new) == new


def test_huge_diff_says_too_large_with_links_to_both_revisions(client, make_page, monkeypatch):
    monkeypatch.setattr(diff_module, "MAX_SHOWN_LINES", 40)
    old = "\n\n".join(f"Paragraph {i} stays." for i in range(200))
    new = "\n\n".join(f"Paragraph {i} {'changed' if i % 5 == 0 else 'stays'}." for i in range(200))
    page = make_page("Many Changes", old)
    services.page_update(page=page, body=new)
    response = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "too large to show in full" in html
    assert f'href="/wiki/{page.slug}/?rev=1"' in html
    assert f'href="/wiki/{page.slug}/?rev=2"' in html
    diff = response.context["diff"]
    assert diff.truncated
    assert sum(len(h.lines) for h in diff.hunks) == 40
    assert (diff.added, diff.removed) == (40, 40)  # counted in full


def test_too_many_changed_lines_are_not_compared(client, make_page, monkeypatch):
    monkeypatch.setattr(diff_module, "MAX_LINES", 50)
    page = make_page("Rewritten", "\n".join(f"old line {i}" for i in range(100)))
    services.page_update(page=page, body="\n".join(f"new line {i}" for i in range(100)))
    response = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert response.status_code == 200
    assert response.context["diff"].truncated and not response.context["diff"].hunks
    assert "too large to show in full" in response.content.decode()


def test_diff_is_cached_per_revision_pair(client, make_page, monkeypatch):
    page = make_page("Cached Diff", "one two three")
    services.page_update(page=page, body="one 2 three")
    first = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert "<ins>2</ins>" in first.content.decode()

    def refuse(*args, **kwargs):
        raise AssertionError("the diff was computed again")

    monkeypatch.setattr(views, "diff_texts", refuse)
    again = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert again.status_code == 200 and "<ins>2</ins>" in again.content.decode()
    services.page_update(page=page, body="one 2 3")
    monkeypatch.undo()
    other = client.get(f"/wiki/{page.slug}/diff/2/3/")
    assert "<ins>3</ins>" in other.content.decode()


def test_short_lines_still_use_the_exact_word_diff(client, make_page):
    page = make_page("Short", "line one\nline two")
    services.page_update(page=page, body="line one\nfirst edit")
    response = client.get(f"/wiki/{page.slug}/diff/1/2/")
    assert response.context["diff"].anchored_lines == 0
    html = response.content.decode()
    assert "<ins>first edit</ins>" in html and "<del>line two</del>" in html
