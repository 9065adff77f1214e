"""No URL or query parameter makes an anonymous 500 (issue 15, finding 9): numbers too large
for the database are not found, and control characters (NUL, which PostgreSQL refuses in
text) never reach a query. Runs on SQLite and on PostgreSQL."""

import pytest
from django.test import Client

from catalog.models import Entry, EntryType, FrameworkKind
from wiki import services

pytestmark = pytest.mark.django_db

TOO_BIG = "9223372036854775808"  # 2**63: one past SQLite's and PostgreSQL's bigint


@pytest.fixture
def site(make_page):
    page = make_page("Front Page", "Welcome.")
    services.page_update(page=page, body="Welcome back.")
    Entry.objects.create(
        type=EntryType.FRAMEWORK, name="Flask", slug="flask", kind=FrameworkKind.MICRO
    )
    Entry.objects.create(
        type=EntryType.FRAMEWORK, name="Django", slug="django", kind=FrameworkKind.FULL_STACK
    )
    return page


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    [
        f"/wiki/front-page/diff/1/{TOO_BIG}/",
        f"/wiki/front-page/diff/{TOO_BIG}/1/",
        f"/wiki/front-page/diff/1/{'9' * 40}/",
        f"/wiki/front-page/?rev={TOO_BIG}",
        f"/wiki/front-page/?rev={'9' * 40}",
    ],
)
def test_numbers_beyond_the_database_are_not_found(anonymous, site, url):
    response = anonymous.get(url)
    assert response.status_code == 404
    assert "No such" in response.content.decode() or "not found" in response.content.decode()


@pytest.mark.parametrize("path", [f"{{pk}}/revert/{TOO_BIG}/", f"{TOO_BIG}/revert/1/"])
def test_admin_revert_url_with_a_huge_number_is_not_found(staff_client, site, path):
    # Not a revert URL any more: the admin's own "no such object" answer, not a 500.
    staff_client.raise_request_exception = False
    response = staff_client.get(f"/admin/wiki/page/{path.format(pk=site.pk)}", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


def test_rev_that_is_not_an_ascii_number_shows_the_current_page(anonymous, site):
    response = anonymous.get("/wiki/front-page/?rev=%C2%B2")  # "²": isdigit(), not int()
    assert response.status_code == 200
    assert "Welcome back." in response.content.decode()


def test_nul_letter_is_ignored(anonymous, site):
    response = anonymous.get("/wiki/?letter=%00")
    assert response.status_code == 200
    assert "Front Page" in response.content.decode()


def test_nul_in_compare_is_ignored(anonymous, site):
    response = anonymous.get("/catalog/compare/?f=%00")
    assert response.status_code == 200
    assert "Pick 2 to 4 frameworks" in response.content.decode()
    both = anonymous.get("/catalog/compare/?f=fla%00sk&f=django%0b")
    assert both.status_code == 200
    assert 'href="/catalog/flask/"' in both.content.decode()


CONTROLS = ["%00", "%0b", "%1b", "%7f", "a%00b"]
PARAMS = ["q", "kind", "status", "python", "supports", "supports_level", "sort", "page",
          "letter", "reason", "f", "rev", "title", "engine", "fkind", "tag"]  # fmt: skip
URLS = [
    "/", "/wiki/", "/wiki/front-page/", "/wiki/front-page/history/",
    "/wiki/front-page/diff/1/2/", "/wiki/_recent/", "/wiki/_recent/feed/", "/wiki/_wanted/",
    "/wiki/_orphans/", "/wiki/no-such-page/", "/catalog/", "/catalog/components/",
    "/catalog/matrix/", "/catalog/matrix.csv", "/catalog/matrix.json", "/catalog/matrix.svg",
    "/catalog/compare/", "/catalog/upkeep/", "/catalog/flask/", "/search/", "/api/search/",
    "/api/suggest/", "/sitemap.xml",
]  # fmt: skip


@pytest.mark.parametrize("url", URLS)
def test_control_characters_in_any_parameter_never_500(anonymous, site, url):
    for control in CONTROLS:
        query = "&".join(f"{name}={control}" for name in PARAMS)
        response = anonymous.get(f"{url}?{query}")
        # 302: the staff-only upkeep list sends an anonymous reader to log in; 503: the
        # search API says its index is missing (none is built here).
        assert response.status_code in {200, 302, 404, 503}, (url, control, response.status_code)
        keyed = anonymous.get(f"{url}?{control}=1")
        assert keyed.status_code in {200, 302, 404, 503}, (url, control, keyed.status_code)
