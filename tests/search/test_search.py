"""Ranking, language and syntax — the same tests on every backend."""

from search import api
from search.query import parse


def titles(q, **filters):
    outcome = api.run_search(q, filters=filters or None)
    assert outcome.unavailable is None, outcome.unavailable
    return [h.title for h in outcome.results.hits] if outcome.results else []


def test_title_hit_ranks_above_body_hit(corpus):
    found = titles("flask")
    assert found[0] == "Flask"
    assert "Deployment" in found  # body-only mention, ranked lower
    assert found.index("Flask") < found.index("Deployment")


def test_exact_title_match_comes_first(corpus):
    assert titles("web frameworks")[0] == "Web Frameworks"
    assert titles("jinja2")[0] == "Jinja2"


def test_stemming_both_ways(corpus):
    assert "Web Frameworks" in titles("framework")
    assert "Flask" in titles("frameworks")
    assert "Template Engines" in titles("template")
    assert "Jinja2" in titles("templating")


def test_case_and_accent_folding(corpus):
    assert "Café Culture" in titles("cafe")
    assert "Café Culture" in titles("RESUME naive")
    assert "Café Culture" in titles("café")


def test_phrase(corpus):
    assert "Flask" in titles('"micro web framework"')
    assert "Django" not in titles('"micro web framework"')
    assert titles('"framework web micro"') == []


def test_and_or_not(corpus):
    assert set(titles("minimalist OR perfectionists")) >= {"CherryPy", "Django"}
    assert "Flask" not in titles("framework -flask")
    assert "Flask" not in titles("framework NOT flask")
    # No result has both words: the best partial matches, said to be partial.
    both = api.run_search("perfectionists minimalist")
    assert both.partial and {h.title for h in both.results.hits} == {"CherryPy", "Django"}


def test_field_queries(corpus):
    assert titles("title:flask") == ["Flask"]
    assert set(titles("kind:component")) == {"Jinja2", "Mako"}
    assert titles("tag:overview") == ["Web Frameworks"]
    assert "Deployment" not in titles("flask kind:framework")
    assert set(titles("kind:framework fkind:micro")) == {"Flask", "CherryPy"}
    assert set(titles("kind:framework -status:active")) == {"CherryPy"}


def test_matrix_notes_are_searchable(corpus):
    assert set(titles("pyramid_mako")) >= {"Pyramid", "Mako"}
    assert "Pyramid" in titles("engine:jinja2 kind:framework")


def test_request_filters_and_facets(corpus):
    outcome = api.run_search("framework")
    facets = outcome.results.facets
    assert facets["kind"]["framework"] == 5  # every framework: its kind says "framework"
    assert facets["kind"]["page"] >= 1
    assert facets["fkind"]["micro"] == 2
    assert facets["status"]["inactive"] == 1
    assert outcome.results.total == sum(facets["kind"].values())
    only = api.run_search("framework", filters={"kind": "framework", "fkind": "micro"})
    assert {h.title for h in only.results.hits} == {"Flask", "CherryPy"}


def test_pagination(corpus, make_page, reindex):
    for i in range(25):
        make_page(title=f"Paged {i:02d}", body="zebra crossing")
    reindex()
    first = api.run_search("zebra", page=1).results
    second = api.run_search("zebra", page=3).results
    assert first.total == 25 and len(first.hits) == 10 and first.has_next
    assert len(second.hits) == 5 and not second.has_next
    assert not {h.title for h in first.hits} & {h.title for h in second.hits}


def test_did_you_mean(corpus):
    for typo, word in (("jinaj", "jinja2"), ("pyramd", "pyramid"), ("cherypy", "cherrypy")):
        outcome = api.run_search(typo)
        assert outcome.results.suggestion == word, typo
    assert api.run_search("flask").results.suggestion is None


def test_did_you_mean_keeps_the_rest_of_the_query(corpus):
    outcome = api.run_search("pyramd kind:framework")
    assert outcome.results.suggestion == "pyramid kind:framework"


def test_autocomplete_by_prefix(corpus):
    assert [s.title for s in api.suggest("fl")] == ["Flask"]
    assert [s.title for s in api.suggest("web fr")] == ["Web Frameworks"]
    assert {s.title for s in api.suggest("temp")} == {"Template Engines"}
    assert api.suggest("j")[:1] == [] or api.suggest("j")[0].title == "Jinja2"
    assert len(api.suggest("a" * 300)) == 0


def test_autocomplete_limit(search_backend, make_page, reindex):
    for i in range(15):
        make_page(title=f"Widget {i:02d}")
    reindex()
    assert len(api.suggest("widg")) == 10


def test_snippets_are_highlighted_and_escaped(search_backend, make_page, reindex):
    make_page(
        title="Hostile",
        body='Note: `<script>alert("owned")</script>` and <b onclick=x>bold</b> marmalade.',
    )
    reindex()
    hit = api.run_search("marmalade").results.hits[0]
    assert "<mark>marmalade</mark>" in hit.snippet
    hit2 = api.run_search('alert "owned"').results.hits[0]
    for snippet in (hit.snippet, hit2.snippet):
        bare = snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in bare and ">" not in bare, snippet  # only our own <mark> tags
        assert "owned" in bare


def test_framework_ids_for_the_catalog(corpus):
    ids = api.ids_matching("async", "framework")
    assert corpus["quart"].pk in ids
    assert corpus["flask"].pk in ids
    assert corpus["quart"].pk == ids[0] or corpus["flask"].pk == ids[0]
    assert api.ids_matching("", "framework") is None
    assert api.ids_matching("zzzzzz", "framework") == []


def test_only_negative_query_asks_for_a_word(corpus):
    outcome = api.run_search("-flask")
    assert outcome.results is None
    assert outcome.messages


def test_parsed_words_are_searched_exactly_once(corpus):
    assert parse("flask flask").words() == parse("flask flask").words()
    assert titles("flask flask")[0] == "Flask"
