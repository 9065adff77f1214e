"""The benchmark's corpus generator: deterministic, the promised shapes, importable."""

import json
import re

import pytest

from bench.corpus import MAX_BYTES, MIN_BYTES, Generator, write_corpus
from wiki.importer import import_lines, parse_line
from wiki.markup import CAMEL_RE, WIKILINK_RE
from wiki.models import Page, PageLink

FENCE_RE = re.compile(r"```.*?```", re.S)


def count_links(body: str) -> int:
    prose = FENCE_RE.sub("", body)
    return len(re.findall(WIKILINK_RE, prose)) + len(CAMEL_RE.findall(prose))


def test_same_seed_same_bytes_other_seed_other_text(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    write_corpus(a, 60, seed=3)
    write_corpus(b, 60, seed=3)
    write_corpus(c, 60, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_pages_have_the_promised_size_links_and_fields():
    gen = Generator(300, seed=1)
    pages = list(gen)
    assert len({p["title"].casefold() for p in pages}) == 300
    for page in pages:
        size = len(page["body"].encode())
        assert MIN_BYTES <= size <= MAX_BYTES, (page["title"], size)
        assert 5 <= count_links(page["body"]) <= 30, page["title"]
        assert 1 <= len(page["tags"]) <= 4
        assert "```python" in page["body"] or "|---|" in page["body"] or "- " in page["body"]
    # Not the same sentences everywhere: most sentences are unique across the corpus.
    sentences = [s for p in pages for s in p["body"].split(". ") if len(s) > 40]
    assert len(set(sentences)) > 0.95 * len(sentences)


def test_every_line_is_accepted_by_the_importer(tmp_path):
    path = tmp_path / "corpus.jsonl"
    write_corpus(path, 40, seed=2)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40
    for line in lines:
        assert set(parse_line(line)) <= {"title", "body", "slug", "summary", "tags"}
        json.loads(line)


@pytest.mark.django_db
def test_import_creates_pages_links_and_wanted_pages(tmp_path, settings):
    settings.SEARCH_AUTO_DRAIN = False
    path = tmp_path / "corpus.jsonl"
    write_corpus(path, 12, seed=5)
    report = import_lines(path.read_text(encoding="utf-8").splitlines())
    assert report.errors == []
    assert report.created == 12
    assert Page.objects.count() == 12
    assert PageLink.objects.filter(target__isnull=False).exists()
    assert PageLink.objects.filter(kind=PageLink.PAGE, target__isnull=True).exists()


def test_query_set_covers_the_kinds_the_issue_names():
    queries = Generator(200, seed=1).queries()
    assert set(queries) == {
        "one word",
        "two words",
        "phrase",
        "misspelling",
        "rare term",
        "very common",
    }
    assert queries["phrase"].startswith('"')
