"""What crawlers and browsers expect of a site: spellings of a page's name redirect, a
missing page says who wants it, sitemap, robots.txt, OpenSearch, favicon, canonical links,
meta descriptions, Open Graph, noindex where a page is not for search engines, gzip, names
sorted as a person reads them, editors' tools for editors, saving returns to the page."""

import gzip
import re
import xml.dom.minidom

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Entry, EntryType, Level, Support
from wiki import services
from wiki.models import Page

pytestmark = pytest.mark.django_db


def head(html: str, name: str, attr: str = "name") -> str | None:
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def canonical(html: str) -> str | None:
    match = re.search(r'<link rel="canonical" href="([^"]*)"', html)
    return match.group(1) if match else None


@pytest.fixture
def front(make_page):
    return make_page(
        "FrontPage",
        "The starting point of the wiki, with its news and the way in.\n\n"
        "## One\n\nText.\n\n## Two\n\nMore.\n\n## Three\n\nEnd.",
    )


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "spelling", ["/wiki/FrontPage/", "/wiki/frontpage/", "/wiki/Front-Page/", "/wiki/FRONT_PAGE/"]
)
def test_any_spelling_of_a_page_redirects_permanently(client, front, spelling):
    response = client.get(spelling)
    assert response.status_code == 301
    assert response["Location"] == "/wiki/front-page/"
    assert client.get(response["Location"]).status_code == 200


def test_spellings_keep_the_query_and_the_sub_page(client, front):
    services.page_update(page=front, body=front.body + "\n\nMore.")
    assert client.get("/wiki/FrontPage/?rev=1")["Location"] == "/wiki/front-page/?rev=1"
    assert client.get("/wiki/FrontPage/history/")["Location"] == "/wiki/front-page/history/"
    assert client.get("/wiki/frontpage/backlinks/")["Location"] == "/wiki/front-page/backlinks/"
    response = client.get("/wiki/Front-Page/diff/1/2/")
    assert response.status_code == 301 and response["Location"] == "/wiki/front-page/diff/1/2/"


def test_a_renamed_page_answers_to_its_old_and_new_names(client, make_page):
    page = make_page("Old Name")
    services.page_update(page=page, title="New Name", body=page.body)
    assert client.get("/wiki/old-name/").status_code == 200  # its slug stays
    assert client.get("/wiki/NewName/")["Location"] == "/wiki/old-name/"


def test_a_missing_page_is_404_and_says_who_links_to_it(client, make_page):
    make_page("Engines", "See [[Template Systems]].")
    make_page("Alpha", "Also [[TemplateSystems]].")
    make_page("Unrelated", "Nothing.")
    response = client.get("/wiki/template-systems/?title=TemplateSystems")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No such page yet" in html and "Pages that link here" in html
    section = html[html.index("Pages that link here") :]
    listed = re.findall(r'<li><a href="/wiki/([^/]+)/">', section)
    assert listed == ["alpha", "engines"]
    assert head(html, "robots") == "noindex"
    assert client.get("/wiki/nothing-at-all/").status_code == 404


# ---------------------------------------------------------------- crawlers


def test_sitemap_lists_every_page_entry_and_grid(client, make_page):
    make_page("Some Page")
    Entry.objects.create(type=EntryType.FRAMEWORK, kind="micro", name="Flask", slug="flask")
    Entry.objects.create(
        type=EntryType.COMPONENT, category="template-engine", name="Jinja2", slug="jinja2"
    )
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    doc = xml.dom.minidom.parseString(response.content)  # noqa: S318 (the site's own output)
    locs = {n.firstChild.data for n in doc.getElementsByTagName("loc")}
    base = "http://testserver"
    for path in (
        "/",
        "/wiki/",
        "/wiki/some-page/",
        "/catalog/flask/",
        "/catalog/components/jinja2/",
        "/catalog/",
        "/catalog/components/",
        "/catalog/matrix/",
        "/catalog/compare/",
        "/catalog/charts/",
    ):
        assert base + path in locs, path


def test_site_url_setting_names_the_host_everywhere(client, settings, make_page):
    settings.SITE_URL = "https://wiki.example.org"
    make_page("Some Page")
    assert b"https://wiki.example.org/wiki/some-page/" in client.get("/sitemap.xml").content
    html = client.get("/wiki/some-page/").content.decode()
    assert canonical(html) == "https://wiki.example.org/wiki/some-page/"
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://wiki.example.org/sitemap.xml" in robots


def test_robots_opensearch_and_favicon(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert "User-agent: *" in text and "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text

    home = client.get("/").content.decode()
    assert re.search(r'<link rel="search" type="application/opensearchdescription\+xml"', home)
    opensearch = client.get("/opensearch.xml")
    assert opensearch["Content-Type"] == "application/opensearchdescription+xml"
    doc = xml.dom.minidom.parseString(opensearch.content)  # noqa: S318
    urls = [u.getAttribute("template") for u in doc.getElementsByTagName("Url")]
    assert "http://testserver/search/?q={searchTerms}" in urls

    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', home).group(1)
    assert client.get(icon).status_code == 200 or icon.endswith("favicon.svg")
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("favicon.svg")


def test_wiki_page_head_meta_canonical_and_open_graph(client, front):
    html = client.get("/wiki/front-page/").content.decode()
    description = head(html, "description")
    assert description.startswith("The starting point of the wiki")
    assert canonical(html) == "http://testserver/wiki/front-page/"
    assert head(html, "og:title", "property") == "FrontPage"
    assert head(html, "og:type", "property") == "article"
    assert head(html, "og:description", "property") == description
    assert head(html, "og:url", "property") == "http://testserver/wiki/front-page/"
    assert head(html, "robots") is None
    # The summary, when a page has one, is its description.
    page = Page.objects.get(pk=front.pk)
    services.page_update(page=page, body=page.body, summary="Where to start.")
    assert head(client.get("/wiki/front-page/").content.decode(), "description") == (
        "Where to start."
    )


def test_front_page_and_catalog_descriptions(client, front):
    html = client.get("/").content.decode()
    assert head(html, "description").startswith("The starting point of the wiki")
    assert canonical(html) == "http://testserver/"
    Entry.objects.create(
        type=EntryType.FRAMEWORK, kind="micro", name="Flask", slug="flask", summary="Small."
    )
    html = client.get("/catalog/flask/").content.decode()
    assert head(html, "description") == "Small." and head(html, "og:title", "property") == "Flask"
    # Filters and pages are one page to a crawler: the canonical address drops the query.
    assert canonical(client.get("/catalog/?kind=micro&sort=-name").content.decode()) == (
        "http://testserver/catalog/"
    )
    for url in ("/wiki/", "/catalog/matrix/", "/catalog/charts/", "/catalog/compare/"):
        html = client.get(url).content.decode()
        assert head(html, "description"), url
        assert head(html, "robots") is None, url


def test_noindex_on_old_revisions_diffs_history_and_search(client, front):
    services.page_update(page=front, body=front.body + "\n\nMore.")
    for url in (
        "/wiki/front-page/?rev=1",
        "/wiki/front-page/history/",
        "/wiki/front-page/diff/1/2/",
        "/search/?q=starting",
    ):
        assert head(client.get(url).content.decode(), "robots") == "noindex", url
    assert head(client.get("/wiki/front-page/").content.decode(), "robots") is None
    assert head(client.get("/search/").content.decode(), "robots") is None


def test_every_html_response_is_gzipped(client, front):
    Entry.objects.create(type=EntryType.FRAMEWORK, kind="micro", name="Flask", slug="flask")
    for url in ("/", "/wiki/", "/catalog/", "/catalog/matrix/", "/catalog/flask/", "/search/"):
        plain = client.get(url)
        zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert zipped["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in zipped["Vary"], url
        assert gzip.decompress(zipped.content).decode().count("<html") == 1, url
        assert "Content-Encoding" not in plain, url
    # A stored wiki page is gzip already: sent as it is, not compressed twice.
    client.get("/wiki/front-page/")
    zipped = client.get("/wiki/front-page/", headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(zipped.content)


# ---------------------------------------------------------------- order and navigation


def test_names_sort_as_a_person_reads_them(client, make_page):
    names = ["Zope", "aiohttp", "web2py", "Bottle", "djng", "Django"]
    fws = [
        Entry.objects.create(type=EntryType.FRAMEWORK, kind="micro", name=n, slug=n.lower())
        for n in names
    ]
    engine = Entry.objects.create(
        type=EntryType.COMPONENT, category="template-engine", name="jinja", slug="jinja"
    )
    Entry.objects.create(
        type=EntryType.COMPONENT, category="template-engine", name="Mako", slug="mako"
    )
    for fw in fws:
        Support.objects.create(framework=fw, engine=engine, level=Level.YES)
    expected = ["aiohttp", "Bottle", "Django", "djng", "web2py", "Zope"]

    def order(html: str, pattern: str) -> list[str]:
        found = [n for n in re.findall(pattern, html) if n in names]
        return list(dict.fromkeys(found))

    html = client.get("/catalog/").content.decode()
    assert order(html, r'<th scope="row"><a href="[^"]+">([^<]+)</a>') == expected
    matrix = client.get("/catalog/matrix/").content.decode()
    assert order(matrix, r'<th scope="row"><a href="[^"]+">([^<]+)</a>') == expected
    columns = re.findall(r'class="engine"><a href="[^"]+" title="([^"]+)"', matrix)
    assert columns == ["jinja", "Mako"]
    picker = client.get("/catalog/compare/").content.decode()
    assert order(picker, r'<label for="[^"]+">([^<]+)</label>') == expected
    engine_page = client.get("/catalog/components/jinja/").content.decode()
    assert order(engine_page, r'<th scope="row"><a href="[^"]+">([^<]+)</a>') == expected

    for title in ["Zope", "aiohttp", "Bottle", "web2py"]:
        make_page(title)
    pages = client.get("/wiki/").content.decode()
    assert order(pages, r'<li><a href="/wiki/[^"]+">([^<]+)</a>') == [
        "aiohttp",
        "Bottle",
        "web2py",
        "Zope",
    ]


def test_editors_tools_only_for_editors(staff_client, front):
    client = Client()  # staff_client is the `client` fixture, logged in
    html = client.get("/catalog/").content.decode()
    for tool in ("/catalog/upkeep/", "/wiki/_wanted/", "/wiki/_orphans/", "/admin/"):
        assert f'href="{tool}"' not in html, tool
    assert client.get("/catalog/upkeep/").status_code == 302
    staff = staff_client.get("/catalog/").content.decode()
    for tool in ("/catalog/upkeep/", "/wiki/_wanted/", "/wiki/_orphans/", "/admin/"):
        assert f'href="{tool}"' in staff, tool
    assert staff_client.get("/catalog/upkeep/").status_code == 200


def test_log_in_link_returns_to_the_page(client, staff_user, front):
    html = client.get("/wiki/front-page/").content.decode()
    link = re.search(r'<a href="(/admin/login/\?next=[^"]+)"[^>]*>Log in</a>', html).group(1)
    assert link == "/admin/login/?next=/wiki/front-page/"
    response = client.post(link, {"username": "editor", "password": "pw-editor-1"})
    assert response.status_code == 302 and response["Location"] == "/wiki/front-page/"


def test_saving_in_the_admin_returns_to_the_page_with_a_message(staff_client, front):
    url = reverse("admin:wiki_page_change", args=[front.pk])
    data = {
        "title": front.title,
        "body": front.body + "\n\nEdited.",
        "summary": "",
        "tags_text": "",
        "comment": "An edit",
        "base_revision": front.revision_number,
        "_save": "Save",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/wiki/front-page/"
    page = staff_client.get(response["Location"]).content.decode()
    assert "Saved “FrontPage”: revision 2." in page
    # "Save and continue editing" stays in the admin.
    data.update(base_revision=2, _continue="1", body=data["body"] + " Again.")
    data.pop("_save")
    assert staff_client.post(url, data)["Location"] == url
    added = staff_client.post(
        reverse("admin:wiki_page_add"),
        {"title": "Brand New", "body": "x", "summary": "", "tags_text": "", "_save": "Save"},
    )
    assert added["Location"] == "/wiki/brand-new/"


def test_history_compares_any_two_revisions(client, front):
    for n in range(3):
        services.page_update(page=Page.objects.get(pk=front.pk), body=front.body + "x" * (n + 1))
    html = client.get("/wiki/front-page/history/").content.decode()
    assert html.count('type="radio" name="old"') == 4 and html.count('type="radio" name="new"') == 4
    assert re.search(r'name="old" value="3"[^>]*checked', html)
    assert re.search(r'name="new" value="4"[^>]*checked', html)
    response = client.get("/wiki/front-page/history/", {"old": "4", "new": "1"})
    assert response.status_code == 302 and response["Location"] == "/wiki/front-page/diff/1/4/"
    same = client.get("/wiki/front-page/history/", {"old": "2", "new": "2"})
    assert same.status_code == 200 and "Pick two different revisions" in same.content.decode()
