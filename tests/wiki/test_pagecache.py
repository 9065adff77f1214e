"""Anonymous pages are cached per process, keyed by the content version: never stale."""

import pytest
from django.test import Client

from catalog.models import Framework, PythonVersion
from wiki import services

pytestmark = pytest.mark.django_db


def test_second_anonymous_view_is_one_query(client, make_page, django_assert_num_queries):
    make_page("Flask", "micro")
    first = client.get("/wiki/flask/")
    with django_assert_num_queries(1):  # the page's stored snapshot (wiki/snapshots.py)
        second = client.get("/wiki/flask/")
    assert second.content == first.content


def test_a_save_makes_cached_pages_stale(client, make_page):
    page = make_page("Flask", "version one")
    assert "version one" in client.get("/wiki/flask/").content.decode()
    assert "Flask" in client.get("/wiki/").content.decode()
    services.page_update(page=page, body="version two", title="Flask Framework")
    assert "version two" in client.get("/wiki/flask/").content.decode()
    assert "Flask Framework" in client.get("/wiki/").content.decode()


def test_a_new_page_turns_cached_red_links_blue(client, make_page):
    make_page("Overview", "See [[Jinja2]].")
    assert "wikilink missing" in client.get("/wiki/overview/").content.decode()
    make_page("Jinja2", "Templates.")
    assert "wikilink missing" not in client.get("/wiki/overview/").content.decode()


def test_catalog_changes_and_m2m_changes_make_pages_stale(client):
    flask = Framework.objects.create(name="Flask", slug="flask", kind="micro", summary="old")
    py312 = PythonVersion.objects.create(name="3.12", major=3, minor=12)
    assert "old" in client.get("/catalog/flask/").content.decode()
    flask.summary = "new summary"
    flask.save()
    assert "new summary" in client.get("/catalog/flask/").content.decode()
    assert client.get("/catalog/?python=3.12").context["page_obj"].paginator.count == 0
    flask.python_versions.add(py312)
    assert client.get("/catalog/?python=3.12").context["page_obj"].paginator.count == 1


def test_each_query_string_is_its_own_entry(client, make_page):
    make_page("Flask", "x")
    client.get("/wiki/flask/?q=someone-elses-search")
    assert "someone-elses-search" not in client.get("/wiki/flask/").content.decode()


def test_logged_in_users_are_never_served_the_anonymous_copy(staff_client, make_page):
    make_page("Flask", "x")
    Client().get("/wiki/flask/")
    response = staff_client.get("/wiki/flask/")
    assert 'href="/admin/wiki/page/' in response.content.decode()  # the Edit tab


def test_search_pages_are_not_cached(client, make_page, django_assert_max_num_queries):
    client.get("/search/?q=flask")
    response = client.get("/search/?q=flask")
    assert response.status_code == 200
