import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from core import outbox
from wiki import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(make_page):
    front = make_page("FrontPage", "Welcome. See WebFrameworks and [[Nowhere]].", tags="meta")
    frameworks = make_page(
        "WebFrameworks",
        "# Frameworks\n\n## Full stack\n\nDjango.\n\n## Micro\n\nSee [[FrontPage]].",
        summary="All the frameworks",
        tags="frameworks, meta",
    )
    frameworks = services.page_update(page=frameworks, body=frameworks.body + "\n\nMore.")
    outbox.drain()  # what follows the commits: FrontPage re-rendered with its link blue
    return {"front": front, "frameworks": frameworks}


def test_front_page_shows_front_page_content_and_recent_changes(client, site):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Welcome." in text
    assert 'href="/wiki/web-frameworks/"' in text
    assert "Recent changes" in text


def test_page_list_is_alphabetical_and_paginated(client, make_page, settings):
    settings.WIKI_PAGE_SIZE = 2
    for title in ["Charlie", "Alpha", "Bravo"]:
        make_page(title)
    first = client.get("/wiki/")
    assert first.status_code == 200
    assert [p.title for p in first.context["page_obj"]] == ["Alpha", "Bravo"]
    second = client.get("/wiki/?page=2")
    assert [p.title for p in second.context["page_obj"]] == ["Charlie"]
    assert [p.title for p in client.get("/wiki/?letter=b").context["page_obj"]] == ["Bravo"]


def test_page_detail_shows_rendered_html_toc_tags(client, site):
    response = client.get("/wiki/web-frameworks/")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<nav class="toc"' in text
    assert '<a class="wikilink" href="/wiki/front-page/">FrontPage</a>' in text
    assert 'href="/wiki/_tags/frameworks/"' in text
    assert "Revision 2" in text


def test_old_revision_view(client, site):
    response = client.get("/wiki/web-frameworks/?rev=1")
    text = response.content.decode()
    assert "You are reading revision 1" in text
    assert "More." not in text


def test_history_and_diff(client, site):
    history = client.get("/wiki/web-frameworks/history/")
    assert history.status_code == 200
    assert 'href="/wiki/web-frameworks/diff/1/2/"' in history.content.decode()
    diff = client.get("/wiki/web-frameworks/diff/1/2/")
    text = diff.content.decode()
    assert diff.status_code == 200
    assert 'class="diff-line add"' in text and "More." in text
    assert client.get("/wiki/web-frameworks/diff/1/9/").status_code == 404


def test_diff_escapes_markup(client, make_page):
    page = make_page("X", "safe")
    services.page_update(page=page, body="<script>alert(1)</script>")
    text = client.get("/wiki/x/diff/1/2/").content.decode()
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text


def test_backlinks(client, site):
    response = client.get("/wiki/front-page/backlinks/")
    assert [p.title for p in response.context["page_obj"]] == ["WebFrameworks"]
    assert "1 page links here." in response.content.decode()


def test_recent_and_feed(client, site):
    recent = client.get("/wiki/_recent/")
    assert recent.status_code == 200
    assert [r.title for r in recent.context["page_obj"]][:1] == ["WebFrameworks"]
    feed = client.get("/wiki/_recent/feed/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert "WebFrameworks (revision 2)" in titles


def test_wanted_and_orphans(client, site):
    wanted = client.get("/wiki/_wanted/")
    text = wanted.content.decode()
    assert "Nowhere" in text and 'href="/wiki/nowhere/?title=Nowhere"' in text
    orphans = client.get("/wiki/_orphans/")
    assert orphans.status_code == 200
    assert list(orphans.context["page_obj"]) == []


def test_tag_page(client, site):
    response = client.get("/wiki/_tags/meta/")
    assert [p.title for p in response.context["page_obj"]] == ["FrontPage", "WebFrameworks"]
    assert client.get("/wiki/_tags/none/").status_code == 404


def test_sitemap(client, site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert b"/wiki/web-frameworks/" in response.content


def test_unknown_slug_offers_create_link_to_staff_only(staff_client):
    from django.test import Client

    anonymous = Client().get("/wiki/no-such-thing/?title=No Such Thing")
    assert anonymous.status_code == 404
    text = anonymous.content.decode()
    assert "No such page yet" in text and "/admin/" not in text.split("<footer")[0]
    staff = staff_client.get("/wiki/no-such-thing/?title=No Such Thing")
    assert staff.status_code == 404
    assert reverse("admin:wiki_page_add") + "?title=No+Such+Thing" in staff.content.decode()


def test_red_link_leads_to_create(staff_client, site):
    text = staff_client.get("/wiki/front-page/").content.decode()
    assert 'class="wikilink missing" href="/wiki/nowhere/?title=Nowhere"' in text
    assert staff_client.get("/wiki/nowhere/?title=Nowhere").status_code == 404


def test_raw_loaded_page_renders_on_first_view(client):
    from wiki.models import Page

    Page.objects.create(title="Loaded", slug="loaded", body="**bold**")
    response = client.get("/wiki/loaded/")
    assert "<strong>bold</strong>" in response.content.decode()


@pytest.mark.parametrize(
    "url, max_queries",
    [
        ("/", 8),
        ("/wiki/", 6),
        # The first anonymous view also stores the page's snapshot (read the content
        # version, lock it, upsert); the next one is a single query (test_snapshots.py).
        ("/wiki/page-0/", 9),
        ("/wiki/page-0/history/", 6),
        ("/wiki/page-0/backlinks/", 5),
        ("/wiki/_recent/", 5),
        ("/wiki/_wanted/", 5),
        ("/wiki/_orphans/", 5),
        ("/wiki/_tags/common/", 6),
    ],
)
def test_list_pages_use_bounded_queries(
    client, make_page, django_assert_max_num_queries, url, max_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False  # the view's own queries (the cache's: test_pagecache)
    for i in range(30):
        make_page(f"Page {i}", f"Links to [[Page {i + 1}]] and [[Missing {i}]].", tags="common")
    outbox.drain()  # the steady state: pages re-rendered once their targets existed
    with django_assert_max_num_queries(max_queries):
        assert client.get(url).status_code == 200


def test_word_diff_groups_adjacent_changes():
    from wiki.diff import diff_texts

    diff = diff_texts("line one\nline two", "line one\nfirst edit")
    html = "".join(str(line.html) for hunk in diff.hunks for line in hunk.lines)
    assert "<ins>first edit</ins>" in html and "<del>line two</del>" in html
    assert (diff.added, diff.removed) == (1, 1)


def test_anonymous_page_view_etag_and_304(client, make_page):
    page = make_page("Flask", "v1")
    first = client.get("/wiki/flask/")
    etag = first["ETag"]
    assert client.get("/wiki/flask/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.page_update(page=page, body="v2")
    fresh = client.get("/wiki/flask/", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and "v2" in fresh.content.decode()
    assert fresh["ETag"] != etag


def test_cached_page_view_never_carries_another_visitors_query(client, make_page):
    make_page("Flask", "text")
    poisoned = client.get("/wiki/flask/?q=spam-from-someone-else")
    assert "spam-from-someone-else" in poisoned.content.decode()
    clean = client.get("/wiki/flask/")
    assert "spam-from-someone-else" not in clean.content.decode()


def test_new_backlink_changes_the_cached_view(client, make_page):
    make_page("Flask", "text")
    assert "0 pages link here" in client.get("/wiki/flask/").content.decode()
    make_page("Other", "[[Flask]]")
    assert "1 page links here" in client.get("/wiki/flask/").content.decode()
