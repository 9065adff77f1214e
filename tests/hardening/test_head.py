"""HEAD answers wherever GET does (issue 15, finding 10): uptime monitors send HEAD, and a
405 made them report the site down. Every public URL pattern is covered — a new pattern
without a URL here fails the coverage test."""

import io

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from catalog import services as catalog_services
from catalog.models import (
    ComponentCategory,
    Entry,
    EntryType,
    FrameworkKind,
    Level,
    Revision,
    Support,
)
from wiki import attachments, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(make_page):
    page = make_page("FrontPage", "Welcome to [[Flask]] and [[Nowhere]].", tags="meta")
    services.page_update(page=page, body=page.body + "\n\nMore.")
    make_page("Flask", "A micro framework.")
    flask = Entry.objects.create(
        type=EntryType.FRAMEWORK, name="Flask", slug="flask", kind=FrameworkKind.MICRO
    )
    Entry.objects.create(
        type=EntryType.FRAMEWORK, name="Django", slug="django", kind=FrameworkKind.FULL_STACK
    )
    jinja = Entry.objects.create(
        type=EntryType.COMPONENT,
        name="Jinja2",
        slug="jinja2",
        category=ComponentCategory.TEMPLATE_ENGINE,
    )
    Support.objects.create(framework=flask, engine=jinja, level=Level.DEFAULT)
    flask.status = "active"
    catalog_services.entry_save(entry=flask, comment="Checked")  # a revision to show
    image = io.BytesIO()
    Image.new("RGB", (1200, 10)).save(image, format="PNG")  # wide: it has a display copy
    attachment = attachments.attachment_create(data=image.getvalue(), name="wide.png")
    call_command("search_index", "--rebuild", verbosity=0)
    revision = Revision.objects.first()
    return {"page": page.pk, "attachment": attachment.pk, "revision": revision.pk}


# Every public (non-admin) URL pattern by name, with a URL that answers GET (200, or a
# redirect: the favicon, and the staff-only upkeep list for an anonymous reader).
URLS = {
    "home": "/",
    "wiki:page-list": "/wiki/?letter=F",
    "wiki:recent": "/wiki/_recent/",
    "wiki:recent-feed": "/wiki/_recent/feed/",
    "wiki:wanted": "/wiki/_wanted/",
    "wiki:orphans": "/wiki/_orphans/",
    "wiki:tag": "/wiki/_tags/meta/",
    "wiki:page": "/wiki/front-page/",
    "wiki:page-history": "/wiki/front-page/history/",
    "wiki:page-diff": "/wiki/front-page/diff/1/2/",
    "wiki:page-backlinks": "/wiki/flask/backlinks/",
    "catalog:framework-list": "/catalog/",
    "catalog:matrix": "/catalog/matrix/",
    "catalog:matrix-csv": "/catalog/matrix.csv",
    "catalog:matrix-json": "/catalog/matrix.json",
    "catalog:matrix-svg": "/catalog/matrix.svg",
    "catalog:timeline-svg": "/catalog/timeline.svg",
    "catalog:charts": "/catalog/charts/",
    "catalog:compare": "/catalog/compare/?f=flask&f=django",
    "catalog:choose": "/catalog/choose/?require=jinja2",
    "catalog:choose-json": "/catalog/choose.json?require=jinja2",
    "catalog:upkeep": "/catalog/upkeep/",
    # POST only, for editors: anyone else is sent to the log-in, whatever the method.
    "catalog:proposal-accept": "/catalog/upkeep/proposals/1/accept/",
    "catalog:proposal-reject": "/catalog/upkeep/proposals/1/reject/",
    "catalog:component-list": "/catalog/components/",
    "catalog:component-detail": "/catalog/components/jinja2/",
    "catalog:framework-detail": "/catalog/flask/",
    "search:results": "/search/?q=flask",
    "search:api-search": "/api/search/?q=flask",
    "search:api-suggest": "/api/suggest/?q=fl",
    "catalog-api:index": "/api/",
    "catalog-api:frameworks": "/api/frameworks/?kind=micro",
    "catalog-api:frameworks-detail": "/api/frameworks/flask/",
    "catalog-api:components": "/api/components/",
    "catalog-api:components-detail": "/api/components/jinja2/",
    "catalog-api:capabilities": "/api/capabilities/",
    "catalog:cell": "/catalog/matrix/flask/jinja2/",
    "catalog:grid": "/catalog/grid/",
    "catalog:grid-csv": "/catalog/grid.csv",
    "catalog:grid-json": "/catalog/grid.json",
    "catalog:grid-group": "/catalog/grid/templates/",  # the template matrix: a redirect
    "catalog:capability": "/catalog/capabilities/jinja2/",
    "catalog:framework-history": "/catalog/flask/history/",
    "catalog:component-history": "/catalog/components/jinja2/history/",
    "catalog:history-compare": "/catalog/history/flask/compare/?old={revision}&new={revision}",
    "catalog:revision": "/catalog/changes/{revision}/",
    "catalog:changes-feed": "/catalog/changes/feed/",
    "catalog:entry-feed": "/catalog/flask/feed/",
    "catalog:component-feed": "/catalog/components/jinja2/feed/",
    "catalog:revision-revert": "/catalog/changes/{revision}/revert/",  # editors: to log-in
    "django.contrib.sitemaps.views.sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
    "opensearch": "/opensearch.xml",
    "favicon": "/favicon.ico",  # a redirect to the icon
    "wiki:page-feed": "/wiki/front-page/feed/",
    "wiki:tag-feed": "/wiki/_tags/meta/feed/",
    "wiki:redirects": "/wiki/_redirects/",  # editors only: a redirect to the log-in
    "wiki:attachment": "/wiki/_files/{attachment}/wide.png",
    "wiki:attachment-display": "/wiki/_files/{attachment}/display/wide.png",
    "corrections:report": "/report/?on=page:{page}",
    "corrections:thanks": "/report/thanks/",
}


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            namespace = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_public_pattern_is_covered():
    assert set(_names(get_resolver().url_patterns)) == set(URLS)


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_head_answers_like_get(client, site, url):
    url = url.format(**site)
    get = client.get(url)
    assert get.status_code in {200, 301, 302}, (url, get.status_code)
    head = client.head(url)
    assert head.status_code == get.status_code, (url, head.status_code)
    assert head.get("Content-Type") == get.get("Content-Type")
    assert head.get("Location") == get.get("Location")


def test_post_is_still_refused_where_only_reading_makes_sense(client, site):
    assert client.post("/wiki/_recent/").status_code == 405
    assert client.post("/catalog/").status_code == 405
