"""/search/, /api/search/ and /api/suggest/: what a user and a script see."""

import json

import pytest
from django.urls import reverse

MALFORMED = [
    "title:(",
    '"unbalanced',
    "flask" * 2000 + " " + "x " * 3000,
    "fl\x00ask\x07\x1b[31m",
    "AND",
    "-",
    "OR OR",
    "NOT",
    "((((((((((((((((((((",
    ")))",
    "kind:",
    "tag:(",
    "*",
    "?",
    "flask~2^3",
    "title:[a TO z]",
    "\ud7ff\ufffd\U0001f600",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_queries_never_fail(client, corpus, raw):
    page = client.get(reverse("search:results"), {"q": raw})
    assert page.status_code == 200
    assert b"<script>alert(1)" not in page.content
    api = client.get(reverse("search:api-search"), {"q": raw})
    assert api.status_code == 200
    data = json.loads(api.content)
    assert set(data) >= {"query", "total", "page", "results", "facets", "suggestion"}
    suggest = client.get(reverse("search:api-suggest"), {"q": raw})
    assert suggest.status_code == 200
    json.loads(suggest.content)


def test_results_page(client, corpus):
    page = client.get(reverse("search:results"), {"q": "flask"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="/catalog/flask/?highlight=flask">Flask</a>' in html
    assert "<mark>" in html
    assert "Kind" in html and "Framework kind" in html


def test_results_page_facet_filter(client, corpus):
    page = client.get(reverse("search:results"), {"q": "framework", "kind": "page"})
    html = page.content.decode()
    assert "Web Frameworks" in html
    assert ">Flask<" not in html


def test_did_you_mean_link(client, corpus):
    html = client.get(reverse("search:results"), {"q": "pyramd"}).content.decode()
    assert "Did you mean" in html and "?q=pyramid" in html


def test_bad_page_and_filter_values(client, corpus):
    for params in (
        {"q": "flask", "page": "x"},
        {"q": "flask", "page": "-3"},
        {"q": "flask", "page": "99999999999"},
        {"q": "flask", "kind": "<b>"},
    ):
        assert client.get(reverse("search:results"), params).status_code == 200
        assert client.get(reverse("search:api-search"), params).status_code == 200


def test_api_search_shape(client, corpus):
    data = client.get(reverse("search:api-search"), {"q": "jinja2"}).json()
    assert data["query"] == "jinja2"
    assert data["page"] == 1
    assert data["total"] >= 2
    first = data["results"][0]
    assert first["title"] == "Jinja2"
    assert first["kind"] == "component"
    assert first["url"] == "/catalog/components/jinja2/"
    assert isinstance(first["score"], float)
    assert "kind" in data["facets"]
    assert client.get(reverse("search:api-search"), {"q": "jinaj"}).json()["suggestion"] == "jinja2"


def test_api_suggest(client, corpus):
    data = client.get(reverse("search:api-suggest"), {"q": "Py"}).json()
    # CherryPy too: its name's parts ("Cherry Py") are completed as well.
    assert [s["title"] for s in data["suggestions"]] == ["Pyramid", "CherryPy"]
    assert client.get(reverse("search:api-suggest"), {"q": ""}).json()["suggestions"] == []


def test_empty_search_page(client, corpus):
    page = client.get(reverse("search:results"))
    assert page.status_code == 200
    assert b"Type a few words" in page.content


def test_header_box_is_an_accessible_combobox(client, corpus):
    html = client.get(reverse("search:results")).content.decode()
    assert 'role="combobox"' in html and 'aria-controls="site-search-listbox"' in html
    assert 'role="listbox"' in html
    assert "js/search.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)
    assert "style=" not in html
