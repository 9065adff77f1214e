"""Framework and component lists: filters, sorting, counts, query bounds."""

import pytest
from django.http import QueryDict

from catalog.selectors import filter_components, filter_frameworks


def slugs(qs) -> list[str]:
    return [e.slug for e in qs]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["django", "flask", "pylons"]),
        ("kind=full-stack", ["django", "pylons"]),
        ("status=discontinued", ["pylons"]),
        ("python=3.12", ["django", "flask"]),
        ("python=2.7", ["pylons"]),
        ("supports=jinja2", ["django", "flask"]),  # DEFAULT or YES; pylons' is undefined
        ("supports=jinja2&supports_level=default", ["flask"]),
        ("supports=mako", ["pylons"]),  # flask's is N?
        ("q=perfectionists", ["django"]),
        ("q=FLASK", ["flask"]),
        ("kind=full-stack&python=3.12", ["django"]),
        ("kind=nonsense", ["django", "flask", "pylons"]),  # invalid values are ignored
    ],
)
def test_filter_frameworks(small_catalog, query, expected):
    assert slugs(filter_frameworks(QueryDict(query))) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["django", "flask", "pylons"]),
        ("-name", ["pylons", "flask", "django"]),
        ("-first_release", ["flask", "django", "pylons"]),
        ("first_release", ["django", "pylons", "flask"]),
        ("status", ["django", "flask", "pylons"]),
        ("kind", ["django", "pylons", "flask"]),
    ],
)
def test_sort_frameworks(small_catalog, sort, expected):
    assert slugs(filter_frameworks({"sort": sort})) == expected


def test_filter_frameworks_is_a_queryset_search_can_narrow(small_catalog):
    qs = filter_frameworks({"kind": "full-stack"}).filter(slug__startswith="d")
    assert slugs(qs) == ["django"]


def test_list_page_shows_count_and_rows(client, small_catalog):
    response = client.get("/catalog/?kind=full-stack&sort=-name")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 frameworks match these filters" in html
    assert html.index("Pylons") < html.index("Django</a>")
    assert "Flask</a>" not in html
    # The form keeps the filter, so the URL can be shared and edited.
    assert '<option value="full-stack" selected>' in html


def test_list_page_empty_result(client, small_catalog):
    html = client.get("/catalog/?q=zzz").content.decode()
    assert "0 frameworks" in html and "No framework matches" in html


def test_list_page_query_count_is_bounded(
    client, small_catalog, make_framework, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False  # the view's own queries (the cache's: test_pagecache)
    for i in range(20):
        make_framework(f"Extra {i}", python=["3.12", "3.13"])
    with django_assert_max_num_queries(8):
        response = client.get("/catalog/?python=3.12&supports=jinja2")
    assert response.status_code == 200


def test_filter_components(small_catalog, make_component):
    make_component("Gunicorn", category="wsgi-server", summary="A WSGI HTTP server")
    assert slugs(filter_components({"category": "wsgi-server"})) == ["gunicorn"]
    assert slugs(filter_components({"q": "http"})) == ["gunicorn"]
    assert "django-templates" in slugs(filter_components({"category": "template-engine"}))


def test_component_list_page(client, small_catalog, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_ENABLED = False  # the view's own queries (the cache's: test_pagecache)
    with django_assert_max_num_queries(6):
        html = client.get("/catalog/components/?category=template-engine").content.decode()
    assert "4 components" in html and "Mako" in html


def test_framework_detail(client, small_catalog, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_ENABLED = False  # the view's own queries (the cache's: test_pagecache)
    from catalog.models import Relation

    Relation.objects.create(
        source=small_catalog["flask"], type="built-on", target=small_catalog["jinja"]
    )
    with django_assert_max_num_queries(12):
        html = client.get("/catalog/flask/").content.decode()
    assert "Micro" in html and "2010" in html
    assert "is built on" in html and "Jinja2" in html
    assert "No?" in html  # flask × mako, uncertain
    jinja = client.get("/catalog/components/jinja2/").content.decode()
    assert "Flask</a> is built on Jinja2" in jinja
    assert "Frameworks supporting Jinja2" in jinja  # the engine's matrix column
    assert "undefined in source" in jinja


def test_detail_redirects_between_kinds_and_404s(client, small_catalog):
    assert client.get("/catalog/jinja2/")["Location"] == "/catalog/components/jinja2/"
    assert client.get("/catalog/components/flask/")["Location"] == "/catalog/flask/"
    assert client.get("/catalog/nothing-here/").status_code == 404
