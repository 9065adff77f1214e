"""Atom feeds of one page and one tag, each entry saying what changed, linked from the
pages they follow."""

import xml.etree.ElementTree as ET

import pytest
from django.utils.html import escape

from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki import services
from wiki.feeds import short_diff

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [
        (
            e.findtext(f"{ATOM}title"),
            e.findtext(f"{ATOM}summary"),
            e.find(f"{ATOM}link").get("href"),
        )
        for e in root.findall(f"{ATOM}entry")
    ]


def test_a_page_feed_carries_each_revision_with_a_short_diff(client, make_page, staff_user):
    page = make_page("Flask", "A micro framework.\nBuilt on Werkzeug.", author=staff_user)
    services.page_update(
        page=page,
        body="A micro framework.\nBuilt on Werkzeug and Jinja.",
        comment="Jinja too",
        author=staff_user,
    )
    make_page("Other", "Not in this feed.")
    found = entries(client, "/wiki/flask/feed/")
    assert [title for title, _, _ in found] == ["Flask (revision 2)", "Flask (revision 1)"]
    summary = found[0][1]
    assert "Jinja too — by editor" in summary
    assert "- Built on Werkzeug.\n+ Built on Werkzeug and Jinja." in summary
    assert found[0][2].endswith("/wiki/flask/diff/1/2/")
    assert "A new page." in found[1][1]


def test_a_rename_is_said_in_the_feed(client, make_page):
    page = make_page("Starlite", "x")
    services.page_update(page=page, body="x", title="Litestar")
    summary = entries(client, "/wiki/litestar/feed/")[0][1]
    assert "Renamed from “Starlite”." in summary


def test_a_tag_feed_follows_the_pages_with_the_tag(client, make_page):
    make_page("Quart", "async", tags="async")
    make_page("Bottle", "sync", tags="micro")
    titles = [title for title, _, _ in entries(client, "/wiki/_tags/async/feed/")]
    assert titles == ["Quart (revision 1)"]
    assert client.get("/wiki/_tags/nothing/feed/").status_code == 404


def test_feeds_are_linked_from_the_pages_they_follow(client, make_page):
    make_page("Quart", "async", tags="async")
    page = client.get("/wiki/quart/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Changes to Quart" '
        'href="/wiki/quart/feed/">' in page
    )
    tag = client.get("/wiki/_tags/async/").content.decode()
    assert (
        'type="application/atom+xml" title="Changes to pages tagged async" '
        'href="/wiki/_tags/async/feed/"' in tag
    )


def test_a_new_revision_refreshes_a_cached_feed(client, make_page):
    page = make_page("Flask", "one")
    assert len(entries(client, "/wiki/flask/feed/")) == 1
    services.page_update(page=page, body="two")
    assert len(entries(client, "/wiki/flask/feed/")) == 2


def test_short_diff_is_bounded():
    before = "\n".join(f"line {i}" for i in range(100))
    after = "\n".join(f"line {i} changed" for i in range(100))
    text = short_diff(before, after)
    assert text.count("\n") == 12 and text.endswith("and 188 more changed lines")
    assert "long page" in short_diff("x" * 300_000, "y")
    assert len(short_diff("a", "b" * 5000).splitlines()[1]) <= 162


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_text_in_a_feed_is_escaped(client, make_page, payload):
    page = make_page("Target", "Safe.")
    services.page_update(page=page, body=f"Safe.\n{payload}", comment=payload)
    response = client.get("/wiki/target/feed/")
    root = ET.fromstring(response.content)
    summary = root.find(f"{ATOM}entry").findtext(f"{ATOM}summary")
    # The summary is HTML made only of <p> and <pre>: the payload is text inside them.
    assert_inert(summary)
    assert escape(payload.splitlines()[0]) in summary
