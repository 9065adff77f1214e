"""The XSS corpus through every surface other than page bodies (tests/wiki covers those):
titles, tags, link labels, catalog text, evidence/homepage URLs loaded without validation,
search echoes and snippets, the JSON APIs, CSV/SVG exports, the feed and the sitemap.
Whatever a user receives is inert."""

import csv
import io
import json
import xml.dom.minidom

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from catalog.models import Entry, Support
from search import indexer
from search.backends import get_backend
from tests.hardening.conftest import assert_page_inert, page_problems
from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki import services
from wiki.naming import validate_title

pytestmark = pytest.mark.django_db

EVIL_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    'https://example.com/"><script>alert(1)</script>',
    "//evil.example/x",
]
# Short enough for CharField(300) columns, each carrying a distinctive payload.
SHORT = [p for p in XSS_PAYLOADS if len(p) <= 90]


def fixture_objects(evil_urls=EVIL_URLS):
    """A catalog full of payloads, as a fixture file: loaddata skips all validation."""
    objects = []
    for i, url in enumerate(evil_urls):
        payload = SHORT[i % len(SHORT)]
        objects += [
            {
                "model": "catalog.entry",
                "fields": {
                    "type": "framework",
                    "name": f"Evil{i} {payload}"[:100],
                    "slug": f"evil-{i}",
                    "kind": "micro",
                    "category": "",
                    "status": "active",
                    "summary": payload,
                    "description": "\n\n".join(XSS_PAYLOADS[i::8]),
                    "homepage": url,
                    "repository": url,
                    "notes": "\n".join(XSS_PAYLOADS),
                    "used_by": "\n".join(XSS_PAYLOADS),
                    "status_note": payload,
                    "python_note": payload[:200],
                    "first_release": 2000 + i,
                    "end_year": 2010 + i,
                },
            },
            {
                "model": "catalog.entry",
                "fields": {
                    "type": "component",
                    "name": f"Engine{i} {payload}"[:100],
                    "slug": f"engine-{i}",
                    "kind": "",
                    "category": "template-engine",
                    "summary": payload,
                    "homepage": url,
                },
            },
            {
                "model": "catalog.support",
                "fields": {
                    "framework": [f"evil-{i}"],
                    "engine": [f"engine-{i}"],
                    "level": "UNKNOWN",
                    "raw_value": payload[:40],
                    "notes": payload,
                    "evidence_url": url,
                    "evidence_page": None,
                },
            },
            {
                "model": "catalog.source",
                "fields": {"key": f"src-{i}", "title": payload, "url": url, "notes": payload},
            },
        ]
    return objects


@pytest.fixture
def hostile_catalog(tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(fixture_objects()))
    call_command("loaddata", str(path), verbosity=0)
    for i in range(len(EVIL_URLS)):
        Entry.objects.get(slug=f"evil-{i}").sources.add(
            *__import__("catalog.models", fromlist=["Source"]).Source.objects.filter(key=f"src-{i}")
        )
    assert Support.objects.count() == len(EVIL_URLS)
    return Entry.objects.filter(slug__startswith="evil-")


@pytest.fixture
def hostile_wiki(make_page):
    pages = []
    for i, payload in enumerate(XSS_PAYLOADS):
        pages.append(
            make_page(
                title=f"Hostile {i}",
                body=f"Labels: [[Hostile 0|{payload}]] [[Missing {i}|{payload}]]\n\n{payload}",
                summary=payload[:300],
                tags=[f"tag{i} {payload}"[:64]],
                comment=payload[:300],
            )
        )
    return pages


def parse_xml(content: bytes):
    return xml.dom.minidom.parseString(content)  # noqa: S318 (the site's own output)


def get_ok(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


# ---------------------------------------------------------------- titles and tags


@pytest.mark.parametrize("payload", [p for p in XSS_PAYLOADS if set(p) & set('<>"')])
def test_titles_with_markup_are_refused_cleanly(payload, staff_client):
    with pytest.raises(ValidationError) as exc:
        validate_title(payload)
    assert "cannot contain" in " ".join(exc.value.messages)
    response = staff_client.post(
        "/admin/wiki/page/add/", {"title": payload[:200], "body": "x", "base_revision": ""}
    )
    assert response.status_code == 200  # the form again, not a 500
    assert "cannot contain" in response.content.decode()
    assert_page_inert(response.content.decode(), "admin add form")


def test_wiki_surfaces_inert(client, hostile_wiki):
    urls = ["/", "/wiki/", "/wiki/_recent/", "/wiki/_wanted/", "/wiki/_orphans/"]
    for page in hostile_wiki[:: max(1, len(hostile_wiki) // 12)]:
        urls += [
            page.get_absolute_url(),
            page.get_absolute_url() + "history/",
            page.get_absolute_url() + "backlinks/",
        ]
    for tag in hostile_wiki[0].tags.all():
        urls.append(tag.get_absolute_url())
    page = hostile_wiki[3]
    services.page_update(page=page, body=page.body + "\n\nmore <script>x</script>")
    urls.append(page.get_absolute_url() + "diff/1/2/")
    for url in urls:
        assert_page_inert(get_ok(client, url).content.decode(), url)


def test_every_tag_page_inert(client, hostile_wiki):
    from wiki.models import Tag

    tags = list(Tag.objects.all())
    assert len(tags) == len(XSS_PAYLOADS)
    for tag in tags:
        html = get_ok(client, tag.get_absolute_url()).content.decode()
        assert_page_inert(html, tag.slug)


def test_feed_and_sitemap_are_valid_xml_and_inert(client, hostile_wiki):
    feed = get_ok(client, "/wiki/_recent/feed/")
    doc = parse_xml(feed.content)  # well-formed despite the payloads
    for node in doc.getElementsByTagName("summary") + doc.getElementsByTagName("title"):
        text = "".join(c.data for c in node.childNodes if c.nodeType == c.TEXT_NODE)
        # An Atom reader renders type="html" content as HTML: it must be inert as such.
        if node.getAttribute("type") == "html":
            assert_inert(text)
    assert b"<script" not in feed.content
    sitemap = get_ok(client, "/sitemap.xml")
    parse_xml(sitemap.content)
    assert b"<script" not in sitemap.content and b"javascript:" not in sitemap.content


# ---------------------------------------------------------------- catalog


def catalog_urls(entries):
    slugs = [e.slug for e in entries]
    urls = [
        "/catalog/",
        "/catalog/components/",
        "/catalog/matrix/",
        "/catalog/upkeep/",
        "/catalog/upkeep/?reason=unknown",
        "/catalog/charts/",
        "/catalog/compare/?" + "&".join(f"f={s}" for s in slugs[:4]),
        "/catalog/compare/?f=%3Cscript%3Ealert(1)%3C/script%3E&f=%22%3E%3Cimg",
    ]
    urls += [f"/catalog/{s}/" for s in slugs]
    urls += [f"/catalog/components/engine-{i}/" for i in range(len(slugs))]
    urls += [
        f"/catalog/matrix/{c.framework.slug}/{c.engine.slug}/"
        for c in Support.objects.select_related("framework", "engine")
    ]
    return urls


def test_catalog_pages_inert(client, staff_client, hostile_catalog):
    for url in catalog_urls(list(hostile_catalog)):
        if "/upkeep/" not in url:  # the editors' to-do list asks readers to log in
            assert_page_inert(get_ok(client, url).content.decode(), url)
        assert_page_inert(get_ok(staff_client, url).content.decode(), url)


def test_javascript_evidence_url_never_becomes_a_link(client, hostile_catalog):
    html = get_ok(client, "/catalog/matrix/").content.decode()
    for cell in Support.objects.select_related("framework", "engine"):
        # The cell links to its evidence page on the site, which shows the URL as text.
        page = f"/catalog/matrix/{cell.framework.slug}/{cell.engine.slug}/"
        assert f'href="{page}"' in html
        evidence = get_ok(client, page).content.decode()
        assert 'href="javascript' not in evidence.lower() and 'href="data:' not in evidence
        assert 'href="//evil' not in evidence
    detail = get_ok(client, "/catalog/evil-0/").content.decode()
    assert "javascript:alert(1)" in detail  # shown as text …
    assert 'href="javascript' not in detail  # … never as a link


def test_good_urls_still_link(client):
    Entry.objects.create(
        type="framework",
        kind="micro",
        name="Good",
        slug="good",
        homepage="https://good.example/",
        repository="http://git.example/x",
    )
    html = get_ok(client, "/catalog/good/").content.decode()
    assert 'href="https://good.example/"' in html
    assert 'href="http://git.example/x"' in html


def test_svg_charts_inert_and_well_formed(client, hostile_catalog):
    for url in ["/catalog/matrix.svg", "/catalog/timeline.svg"]:
        response = get_ok(client, url)
        assert response["Content-Type"].startswith("image/svg+xml")
        parse_xml(response.content)
        problems = [p for p in page_problems(response.content.decode()) if "<svg>" not in p]
        assert not problems, (url, problems[:5])


def test_matrix_exports(client, hostile_catalog):
    response = get_ok(client, "/catalog/matrix.json")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)  # valid JSON
    notes = {c["notes"] for c in data["cells"]} if "notes" in data["cells"][0] else set()
    assert notes <= set(SHORT)
    # Escaped: no raw markup a sniffing or embedding consumer could take for HTML.
    assert b"<" not in response.content and b">" not in response.content
    csv_response = get_ok(client, "/catalog/matrix.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert len(rows) == len(EVIL_URLS)


# ---------------------------------------------------------------- search


@pytest.fixture
def indexed(settings, tmp_path, hostile_catalog, hostile_wiki):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    call_command("search_index", "--rebuild", verbosity=0)
    indexer.drain()
    return get_backend()


QUERIES = [*XSS_PAYLOADS, "alert", "script", "onerror", "javascript", "img", "evil"]


def test_search_echo_and_snippets_inert(client, indexed):
    found = 0
    for q in QUERIES:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200, q
        html = response.content.decode()
        assert_page_inert(html, f"/search/?q={q!r}")
        found += html.count('class="snippet"') + html.count("<mark")
        data = client.get("/api/search/", {"q": q})
        assert data.status_code == 200, q
        assert b"<script" not in data.content.lower()
        body = data.json()
        for hit in body["results"]:
            assert_inert(hit["snippet"])
            assert hit["url"].startswith("/")
        suggest = client.get("/api/suggest/", {"q": q[:50]})
        assert suggest.status_code == 200
        for s in suggest.json()["suggestions"]:
            assert s["url"].startswith("/")
    assert found, "the payload words should have produced highlighted snippets"


def test_search_json_is_escaped(client, indexed):
    for url in ["/api/search/", "/api/suggest/"]:
        response = client.get(url, {"q": "<script>alert(1)</script> evil"})
        assert response.status_code == 200
        json.loads(response.content)
        assert b"<" not in response.content, url
