"""Two editors start from the same revision and submit at the same moment, over real HTTP
against a live server (logged-in sessions, CSRF tokens scraped from the forms): exactly
one wins, the other gets the conflict with their text kept, and the revision count equals
the successful saves. Runs on SQLite and on PostgreSQL (make test runs both)."""

import html
import re
import threading

import pytest
from django.contrib.auth import get_user_model

from tests.hardening.conftest import Browser
from wiki import services
from wiki.models import Revision

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


@pytest.fixture
def editors(live_server):
    users = []
    for name in ("alice", "bob"):
        get_user_model().objects.create_superuser(name, f"{name}@example.com", f"pw-{name}-1")
        browser = Browser(live_server.url)
        browser.login(name, f"pw-{name}-1")
        users.append(browser)
    return users


def simultaneously(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def form_fields(page_html: str) -> dict:
    def value(name):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page_html)
        return html.unescape(match.group(1)) if match else ""

    return {"title": value("title"), "base_revision": value("base_revision")}


def test_admin_change_form_race(editors):
    page = services.page_create(title="Race Page", body="original")
    saves = 1
    for round_ in range(ROUNDS):
        url = f"/admin/wiki/page/{page.pk}/change/"
        forms = []
        for browser in editors:
            status, body, _ = browser.request(url)
            assert status == 200
            forms.append((browser, browser.csrf_from(body), form_fields(body)))
        assert forms[0][2]["base_revision"] == forms[1][2]["base_revision"]
        texts = [f"text by editor {i} in round {round_}" for i in range(2)]

        def submit(i, forms=forms, url=url, texts=texts, round_=round_):
            browser, token, fields = forms[i]
            return browser.request(
                url,
                {
                    "csrfmiddlewaretoken": token,
                    "title": fields["title"],
                    "body": texts[i],
                    "summary": "",
                    "tags_text": "",
                    "comment": f"r{round_} e{i}",
                    "base_revision": fields["base_revision"],
                },
            )

        results = simultaneously(lambda: submit(0), lambda: submit(1))
        statuses = [r[0] for r in results]
        assert sorted(statuses) == [200, 302], statuses
        loser = statuses.index(200)
        conflict = results[loser][1]
        assert "Edit conflict" in conflict
        assert html.escape(texts[loser]) in conflict  # their text kept in the form
        saves += 1
        page.refresh_from_db()
        assert page.body == texts[1 - loser]
        assert page.revision_number == saves
    assert Revision.objects.filter(page=page).count() == saves


def test_admin_revert_race(editors):
    page = services.page_create(title="Revert Race", body="one")
    page = services.page_update(page=page, body="two")
    page = services.page_update(page=page, body="three")
    forms = []
    for browser, target in zip(editors, (1, 2), strict=True):
        url = f"/admin/wiki/page/{page.pk}/revert/{target}/"
        status, body, _ = browser.request(url)
        assert status == 200 and 'name="base_revision" value="3"' in body
        forms.append((browser, url, browser.csrf_from(body)))

    def submit(i):
        browser, url, token = forms[i]
        return browser.request(url, {"csrfmiddlewaretoken": token, "base_revision": "3"})

    results = simultaneously(lambda: submit(0), lambda: submit(1))
    assert [r[0] for r in results] == [302, 302]
    locations = [r[2]["Location"] for r in results]
    winners = [i for i, loc in enumerate(locations) if loc.endswith("/change/")]
    assert len(winners) == 1, locations
    loser = 1 - winners[0]
    assert "/revert/" in locations[loser]
    # The loser is sent back to the revert page, which says what happened.
    status, body, _ = forms[loser][0].request(locations[loser])
    assert status == 200 and "changed by someone else" in body
    page.refresh_from_db()
    assert page.revision_number == 4
    assert page.body == ("one" if winners[0] == 0 else "two")
    assert Revision.objects.filter(page=page).count() == 4


def test_admin_create_race(live_server):
    """Several editors create the same page at once: one page is created; every other
    editor gets the form back with a plain message and their text — never a 500."""
    browsers = []
    for n in range(6):
        name = f"creator{n}"
        get_user_model().objects.create_superuser(name, f"{name}@example.com", f"pw-{name}-1")
        browser = Browser(live_server.url)
        browser.login(name, f"pw-{name}-1")
        status, body, _ = browser.request("/admin/wiki/page/add/")
        assert status == 200
        browsers.append((browser, browser.csrf_from(body)))

    def submit(i):
        browser, token = browsers[i]
        return browser.request(
            "/admin/wiki/page/add/",
            {
                "csrfmiddlewaretoken": token,
                "title": "Contested Page",
                "body": f"text by creator {i}",
                "summary": "",
                "tags_text": "",
                "comment": "",
            },
        )

    results = simultaneously(*(lambda i=i: submit(i) for i in range(len(browsers))))
    statuses = [r[0] for r in results]
    assert statuses.count(302) == 1, statuses
    assert sorted(set(statuses)) == [200, 302], statuses
    for i, (status, body, _) in enumerate(results):
        if status == 200:
            assert "already exists" in body or "created by someone else" in body
            assert f"text by creator {i}" in body  # their text kept in the form
    assert services.Page.objects.filter(title="Contested Page").count() == 1
