"""Anonymous pages are cached per process, keyed by the versions of what they show
(core/pagecache.py): never stale, and a change re-renders only the pages that show it."""

import pytest
from django.test import Client

from catalog import services as catalog_services
from catalog import views as catalog_views
from catalog.models import Framework, PythonVersion, Support
from core import pagecache
from wiki import services
from wiki import views as wiki_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(monkeypatch):
    """The templates views rendered (a cache hit renders none)."""
    seen: list[str] = []
    for module in (catalog_views, wiki_views):
        real = module.render

        def spy(request, template, *args, _real=real, **kwargs):
            seen.append(template)
            return _real(request, template, *args, **kwargs)

        monkeypatch.setattr(module, "render", spy)
    return seen


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_second_anonymous_view_is_one_query(client, make_page, django_assert_num_queries):
    make_page("Flask", "micro")
    first = client.get("/wiki/flask/")
    with django_assert_num_queries(1):  # the page's stored snapshot (wiki/snapshots.py)
        second = client.get("/wiki/flask/")
    assert second.content == first.content


def test_a_cached_catalog_page_costs_one_query(client, django_assert_num_queries):
    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    first = client.get("/catalog/flask/")
    with django_assert_num_queries(1):  # the entry's version, checked
        second = client.get("/catalog/flask/")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert (
        client.get("/catalog/flask/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    )


def test_a_save_makes_cached_pages_stale(client, make_page):
    page = make_page("Flask", "version one")
    assert "version one" in get(client, "/wiki/flask/")
    assert "Flask" in get(client, "/wiki/")
    services.page_update(page=page, body="version two", title="Flask Framework")
    assert "version two" in get(client, "/wiki/flask-framework/")
    assert "Flask Framework" in get(client, "/wiki/")


def test_a_new_page_turns_cached_red_links_blue(client, make_page):
    make_page("Overview", "See [[Jinja2]].")
    assert "wikilink missing" in get(client, "/wiki/overview/")
    make_page("Jinja2", "Templates.")
    assert "wikilink missing" not in get(client, "/wiki/overview/")


def test_a_catalog_edit_rerenders_exactly_the_pages_that_show_it(client, make_page, rendered):
    flask = catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    catalog_services.framework_create(name="Bottle", slug="bottle", kind="micro")
    catalog_services.framework_create(name="Pyramid", slug="pyramid", kind="full-stack")
    make_page("Notes", "About [[framework:bottle]].")
    urls = {
        "flask": "/catalog/flask/",
        "bottle": "/catalog/bottle/",
        "compare flask": "/catalog/compare/?f=flask&f=pyramid",
        "compare bottle": "/catalog/compare/?f=bottle&f=pyramid",
        "matrix": "/catalog/matrix/",
        "list": "/catalog/",
        "wiki list": "/wiki/",
        "recent": "/wiki/_recent/",
    }
    for url in urls.values():
        get(client, url)
    rendered.clear()
    for url in urls.values():  # all cached now
        get(client, url)
    assert rendered == []

    flask.summary = "A micro framework, now with a longer summary."
    catalog_services.entry_save(entry=flask)
    redone = set()
    for name, url in urls.items():
        before = len(rendered)
        get(client, url)
        if len(rendered) > before:
            redone.add(name)
    # Its page, the pages comparing it, the lists that show it, and Recent changes (which
    # lists catalog edits) — nothing else.
    assert redone == {"flask", "compare flask", "matrix", "list", "recent"}
    assert "longer summary" in get(client, "/catalog/flask/")


def test_a_wiki_edit_leaves_the_catalog_cached(client, make_page, rendered):
    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    page = make_page("Elsewhere", "Nothing about frameworks.")
    for url in ("/catalog/flask/", "/catalog/", "/catalog/matrix/"):
        get(client, url)
    services.page_update(page=page, body="Still nothing about frameworks.")
    rendered.clear()
    for url in ("/catalog/flask/", "/catalog/", "/catalog/matrix/"):
        get(client, url)
    assert rendered == []


def test_a_page_linking_to_an_entry_shows_on_its_page(client, make_page):
    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    assert "Flask tips" not in get(client, "/catalog/flask/")
    page = make_page("Flask tips", "Use [[framework:flask]].")
    assert "Flask tips" in get(client, "/catalog/flask/")
    services.page_update(page=page, body="No link any more.")
    assert "Flask tips" not in get(client, "/catalog/flask/")


def test_cells_and_python_versions_make_pages_stale(client, staff_client):
    flask = catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    jinja = catalog_services.component_create(
        name="Jinja2", slug="jinja2", category="template-engine"
    )
    assert "Jinja2" not in get(client, "/catalog/flask/")
    catalog_services.support_save(support=Support(framework=flask, engine=jinja, level="DEFAULT"))
    assert "Jinja2" in get(client, "/catalog/flask/")
    py312 = PythonVersion.objects.create(name="3.12", major=3, minor=12)
    assert client.get("/catalog/?python=3.12").context["page_obj"].paginator.count == 0
    catalog_services.entry_save(
        entry=Framework.objects.get(pk=flask.pk), after_save=lambda e: e.python_versions.add(py312)
    )
    assert client.get("/catalog/?python=3.12").context["page_obj"].paginator.count == 1


def test_made_up_query_strings_share_one_entry(client, make_page):
    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    for n in range(20):
        get(client, f"/catalog/flask/?n={n}")
    assert len(pagecache.store) == 1


def test_the_store_is_bounded_in_bytes():
    store = pagecache.ByteBoundedLRU(10_000)
    for n in range(50):
        store.set(("k", n), pagecache.Entry(pagecache.Deps(), '"e"', b"x" * 1000, {}))
    assert store.bytes <= 10_000 and len(store) < 50
    assert store.get(("k", 49)) is not None and store.get(("k", 0)) is None


def test_keyed_by_host(client, make_page, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    client.get("/catalog/flask/", HTTP_HOST="a.example")
    client.get("/catalog/flask/", HTTP_HOST="b.example")
    assert len(pagecache.store) == 2


def test_each_query_string_is_its_own_entry(client, make_page):
    make_page("Flask", "x")
    client.get("/wiki/flask/?q=someone-elses-search")
    assert "someone-elses-search" not in get(client, "/wiki/flask/")


def test_logged_in_users_are_never_served_the_anonymous_copy(staff_client, make_page):
    make_page("Flask", "x")
    Client().get("/wiki/flask/")
    response = staff_client.get("/wiki/flask/")
    assert 'href="/admin/wiki/page/' in response.content.decode()  # the Edit tab


def test_search_pages_are_not_cached(client, make_page):
    client.get("/search/?q=flask")
    assert len(pagecache.store) == 0


def test_another_process_serves_the_shared_copy_without_rendering(client, rendered):
    """A page is rendered once for every worker: a process that has not seen it (a new or
    recycled worker, another machine) reads the stored copy instead of rendering it."""
    from core.models import CachedPage

    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    first = client.get("/catalog/flask/")
    assert CachedPage.objects.count() == 1
    pagecache.clear()  # what another process starts with
    rendered.clear()
    again = client.get("/catalog/flask/")
    assert rendered == [] and again.content == first.content
    # A change outdates the shared copy too.
    flask = Framework.objects.get(slug="flask")
    flask.summary = "Changed since."
    catalog_services.entry_save(entry=flask)
    pagecache.clear()
    assert "Changed since." in get(client, "/catalog/flask/")
    assert rendered == ["catalog/framework_detail.html"]


def test_gzip_clients_get_the_stored_bytes(client):
    import gzip

    catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    plain = client.get("/catalog/flask/").content
    zipped = client.get("/catalog/flask/", headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain
