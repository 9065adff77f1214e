"""Snippets come from around the match, even deep inside a long page."""

from search import api
from wiki import services


def test_snippet_highlights_a_match_far_into_a_long_body(search_backend, reindex):
    filler = "Lorem ipsum dolor sit amet consectetur. " * 300  # ~12 KB before the match
    services.page_create(title="Long page", body=filler + "The quixotic frameworks chapter.")
    reindex()
    outcome = api.run_search("quixotic")
    [hit] = outcome.results.hits
    assert "<mark>quixotic</mark>" in hit.snippet.lower()


def test_misspelling_corrected_from_titles(search_backend, reindex):
    services.page_create(title="CherryPy", body="An object-publishing web framework.")
    services.page_create(title="Other", body="cheery cherry text " * 20)
    reindex()
    assert api.run_search("cherypy").results is not None
    assert search_backend.correct(["cherypy"]) == {"cherypy": "cherrypy"}
