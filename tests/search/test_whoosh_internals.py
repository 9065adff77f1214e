"""The Whoosh backend's speed-ups give the same answers as Whoosh itself: the one-pass
analysis, the block-at-a-time scoring, the facet counts, the snippet matcher, the regex
HTML-to-text, the patched column readers, and the searcher kept until a commit."""

import random
from pathlib import Path

import pytest
from whoosh import index
from whoosh.codec import whoosh3
from whoosh.fields import TEXT

from search import api
from search.backends import whoosh_hooks
from search.backends.whoosh import marked_to_html
from search.backends.whoosh_schema import (
    TOKEN_RE,
    build_schema,
    normalize_word,
    spelling_session,
    text_analyzer,
)
from search.backends.whoosh_scoring import best, score_all
from search.documents import Document
from search.snippets import best_passages
from search.text import html_to_text
from wiki import services

WORDS = [
    "python",
    "web",
    "framework",
    "flask",
    "django",
    "pyramid",
    "template",
    "templating",
    "engines",
    "engine",
    "async",
    "views",
    "routing",
    "middleware",
    "request",
    "response",
    "café",
    "naïve",
    "résumé",
    "web.py",
    "über_cool",
    "HTTP",
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "is",
    "it",
    "I",
    "x",
    "3.11",
    "v2.0",
    "**bold**",
    "Running",
    "runs",
    "ran",
]


def _texts(n=40, seed=3):
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 300))) for _ in range(n)]
    return [*texts, "the of a", "", "I x y", "the café in the web.py"]


# ---------------------------------------------------------------- analysis


def test_fast_text_indexes_exactly_what_whoosh_would():
    schema = build_schema()
    for name in ("title", "body"):
        fast = schema[name]
        reference = TEXT(
            analyzer=text_analyzer(),
            stored=True,
            spelling=True,
            field_boost=fast.format.field_boost,
        )
        for text in _texts():
            assert sorted(fast.index(text)) == sorted(reference.index(text))
            fast.index(text)
            assert fast.spellable_words(text) == list(reference.spellable_words(text))


def test_spelling_words_once_per_field_per_session(tmp_path):
    ix = index.create_in(str(tmp_path), build_schema())
    with spelling_session():
        writer = ix.writer()
        writer.add_document(key="a", title="Jinja2 templates", body="jinja2 engine")
        writer.add_document(key="b", title="Jinja2", body="jinja2 engine cherrypy")
        writer.commit()
    with ix.reader() as reader:
        assert sorted(reader.field_terms("spell_title")) == ["jinja2", "templates"]
        assert sorted(reader.field_terms("spell_body")) == ["cherrypy", "engine", "jinja2"]
        assert reader.doc_frequency("spell_body", "jinja2") == 1  # not once per document


def test_normalize_word_matches_the_analyzer():
    for text in _texts(5):
        analysed = [t.text for t in text_analyzer()(text)]
        ours = [normalize_word(m.group()) for m in TOKEN_RE.finditer(text)]
        assert set(analysed) <= set(ours)


# ---------------------------------------------------------------- html → text


class _Reference:
    """The html.parser extractor this module replaced."""

    @staticmethod
    def html_to_text(html):
        from html.parser import HTMLParser

        from search.text import _BLOCK_TAGS, _SKIP_TAGS, clean

        class Extractor(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.parts, self.skip = [], 0

            def handle_starttag(self, tag, attrs):
                if tag in _SKIP_TAGS:
                    self.skip += 1
                elif tag in _BLOCK_TAGS:
                    self.parts.append(" ")

            def handle_endtag(self, tag):
                if tag in _SKIP_TAGS:
                    self.skip = max(0, self.skip - 1)
                elif tag in _BLOCK_TAGS:
                    self.parts.append(" ")

            def handle_data(self, data):
                if not self.skip:
                    self.parts.append(data)

        parser = Extractor()
        parser.feed(html)
        parser.close()
        return clean("".join(parser.parts).replace("¶", " "))


@pytest.mark.parametrize(
    "html",
    [
        "<p>a<br/>b &amp; &lt;c&gt; <a href=\"x?a=1&amp;b=>2\" title='q>r'>link</a></p>",
        '<nav class="toc"><ul><li>Head</li></ul></nav><h2 id="h">Head<a href="#h">¶</a></h2>',
        "<p>x</p><!-- c --><script>if (a<b) {}</script><style>p>a{}</style>tail",
        "<table><tr><td>1</td><td>2</td></tr></table><pre><code>a &lt; b</code></pre>",
        "plain text &eacute; &#233; &#xe9; < not a tag",
    ],
)
def test_html_to_text_matches_html_parser(html):
    assert html_to_text(html) == _Reference.html_to_text(html)


def test_html_to_text_of_rendered_pages(db):
    page = services.page_create(
        title="Rendered",
        body="# One\n\n## Two\n\n### Three\n\nText with **bold**, `code` & [[Missing Page|a link]]."
        "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1 < 2\n```\n",
    )
    html = page.current_revision.html
    assert html_to_text(html) == _Reference.html_to_text(html)


# ---------------------------------------------------------------- snippets


def test_snippet_marks_stemmed_matches_and_stays_escaped():
    text = "Templating <b>engines</b> & friends: a template engine is " + "filler " * 80 + "end"
    marked = best_passages(text, {"templat", "engin"}, normalize_word, word_re=TOKEN_RE)
    html = marked_to_html(marked)
    assert "<mark>Templating</mark>" in html and "<mark>engine</mark>" in html
    assert "&lt;b&gt;" in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert len(marked) < 400


def test_snippet_empty_without_a_match():
    assert best_passages("nothing here", {"python"}, normalize_word, word_re=TOKEN_RE) == ""


# ---------------------------------------------------------------- the patched readers


def test_missing_column_is_asked_once(tmp_path, monkeypatch):
    assert whoosh_hooks.setup()  # the start-up check passed: the fixes are in place
    ix = index.create_in(str(tmp_path), build_schema())
    with ix.writer() as writer:
        writer.add_document(key="a", kind="page", title="One", body="one two")
    with ix.reader() as reader:
        perdoc = reader._perdoc
        calls = []
        real = perdoc.has_column
        monkeypatch.setattr(perdoc, "has_column", lambda name: calls.append(name) or real(name))
        for _ in range(5):  # "key" is an ID field: not scorable, no length column
            assert perdoc.doc_field_length(0, "key", default=7) == 7
        assert calls == ["_key_len"]
        # Length columns are held in memory and give what the file holds.
        lengths = perdoc._cached_reader("_body_len", whoosh3.LENGTHS_COLUMN)
        assert list(lengths) == [lengths[0]] and reader.doc_field_length(0, "body") == 2


# ---------------------------------------------------------------- scoring, counts, facets


@pytest.fixture
def filled(whoosh_backend):
    rng = random.Random(5)
    docs = []
    for i in range(300):
        kind = rng.choice(["page", "page", "framework", "component"])
        docs.append(
            Document(
                kind=kind,
                object_id=i,
                title=" ".join(rng.sample(WORDS, 2)),
                body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 120))),
                url=f"/x/{i}/",
                tags=rng.sample(["async", "micro", "orm"], rng.randint(0, 2)),
                facets={
                    "fkind": [rng.choice(["micro", "full-stack", ""])]
                    if kind == "framework"
                    else [],
                    "status": [rng.choice(["active", "inactive"])] if kind != "page" else [],
                },
                prior=rng.choice([0.0, 0.2, 0.5, 0.9]),
            )
        )
    # Several segments and some deletions, as saves leave them.
    whoosh_backend.index(docs[:150])
    whoosh_backend.index(docs[150:])
    whoosh_backend.index(docs[10:20])  # re-indexed: the old copies are deleted
    whoosh_backend.remove([d.key for d in docs[30:35]])
    return whoosh_backend, [d for d in docs if not 30 <= d.object_id < 35]


QUERIES = [
    "python",
    "web framework",
    "flask OR django",
    "python -django",
    "title:template",
    "async kind:framework",
    "engine -kind:page",
    "middleware tag:async",
    '"web framework"',
    "kind:component",
]


@pytest.mark.parametrize("text", QUERIES)
def test_hits_scores_counts_and_facets_equal_whoosh_and_brute_force(filled, text):
    backend, _ = filled
    parsed = api.parse(text)
    results = backend.search(parsed, page=1, pagelen=20)
    searcher = backend._searcher()
    final = backend._final_query(parsed, None)
    # Whoosh's own collector: the same hits, in the same order, with the same scores.
    # limit=None: every match scored (with a limit, Whoosh skips blocks by an upper bound
    # that leaves out the optional bonus terms, and may miss a document that has them).
    reference = searcher.search(final, limit=None)[:20]
    assert [h.object_id for h in results.hits] == [int(h["object_id"]) for h in reference]
    assert [h.score for h in results.hits] == [round(h.score, 4) for h in reference]
    # Counts and facets: every matching document, counted by brute force.
    matching = list(searcher.docs_for_query(final))
    assert results.total == len(matching)
    for name in ("kind", "fkind", "status"):
        expected = {}
        for docnum in matching:
            stored = searcher.stored_fields(docnum)
            tokens = dict(t.split("=") for t in stored["facets"].split(",") if t)
            value = stored["kind"] if name == "kind" else tokens.get(name)
            if value:
                expected[value] = expected.get(value, 0) + 1
        assert results.facets[name] == expected, name


def test_block_scoring_covers_every_match(filled):
    backend, _ = filled
    searcher = backend._searcher()
    final = backend._final_query(api.parse("python OR engine"), None)
    scores = score_all(searcher, final, excluded=backend._matched(searcher).docs)
    assert set(scores) == set(searcher.docs_for_query(final))
    assert [d for _, d in best(scores, 5)] == [h.docnum for h in searcher.search(final, limit=5)]


# ---------------------------------------------------------------- the searcher


def test_searcher_reused_until_a_commit(filled):
    backend, docs = filled
    first = backend._searcher()
    assert backend._searcher() is first
    matched = backend._matched(first)
    assert backend._matched(first) is matched  # caches live as long as the searcher
    backend.index(docs[:1])
    second = backend._searcher()
    assert second is not first
    assert backend._matched(second) is not matched


def test_rebuild_in_processes_keeps_every_document(whoosh_backend, settings):
    settings.SEARCH_INDEX_PROCS = 2
    docs = [
        Document(kind="page", object_id=i, title=f"Page {i}", body=f"word{i} common", url="/")
        for i in range(250)
    ]
    assert whoosh_backend.rebuild(iter(docs), len(docs)) == 250
    assert len(whoosh_backend.stamps()) == 250
    assert api.run_search("common").results.total == 250
    assert Path(whoosh_backend._current_path()).is_dir()


def test_did_you_mean_across_segments(whoosh_backend):
    make = lambda i, title, body: Document(  # noqa: E731
        kind="page", object_id=i, title=title, body=body, url="/"
    )
    whoosh_backend.index([make(1, "CherryPy", "an object publishing framework")])
    whoosh_backend.index([make(2, "Other", "the middleware layer")])  # a second segment
    assert len(whoosh_backend._open(whoosh_backend._current_path())._segments()) == 2
    assert whoosh_backend.correct(["cherypy", "midleware"]) == {
        "cherypy": "cherrypy",
        "midleware": "middleware",
    }


def test_save_posts_only_new_spelling_words(filled):
    backend, docs = filled
    doc = docs[0]
    doc.body += " zyzzogeton"
    backend.index([doc])
    ix = backend._open(backend._current_path())
    with ix.reader() as reader:
        [newest] = [leaf for leaf, _ in reader.leaf_readers() if leaf.doc_count_all() == 1]
        assert list(newest.field_terms("spell_body")) == ["zyzzogeton"]
    assert backend.correct(["zyzzogetom"]) == {"zyzzogetom": "zyzzogeton"}


def test_rebuild_leaves_word_lists_that_did_you_mean_reads(whoosh_backend, monkeypatch):
    from search.backends import whoosh as module

    docs = [
        Document(kind="page", object_id=1, title="CherryPy", body="object publishing", url="/"),
        Document(kind="page", object_id=2, title="Other", body="the middleware layer", url="/"),
    ]
    whoosh_backend.rebuild(iter(docs), 2)
    folder = whoosh_backend._current_path()
    lists = sorted(p.name for p in folder.glob("words-*-spell_body.txt"))
    assert lists and "middleware" in (folder / lists[0]).read_text().split("\n")
    module._VOCABULARIES.clear()
    monkeypatch.setattr(
        "whoosh.reading.SegmentReader.field_terms",
        lambda *a, **k: pytest.fail("read the term table instead of the word list"),
    )
    assert whoosh_backend.correct(["midleware", "cherypy"]) == {
        "midleware": "middleware",
        "cherypy": "cherrypy",
    }
