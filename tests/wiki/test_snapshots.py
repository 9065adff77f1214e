"""Stored anonymous page responses (wiki/snapshots.py): one query, never stale.

Each test views a page anonymously (which stores its snapshot), checks the next view is
served from it, changes something the page shows, and checks the next anonymous view
shows the change: every change goes through a service whose change step bumps the
versions of the pages it touches (core/changes.py), and a snapshot serves only its own."""

import gzip

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import layout
from core.compression import accepts_gzip
from wiki import http, services, snapshots
from wiki.models import Page, PageSnapshot, Tag

pytestmark = pytest.mark.django_db


def view(client, slug: str, query: str = "", **headers) -> str:
    response = client.get(f"/wiki/{slug}/{query}", headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def stored(slug: str) -> bool:
    return PageSnapshot.objects.filter(page__slug=slug).exists()


def served_from_snapshot(client, slug: str, django_assert_num_queries) -> str:
    assert stored(slug)
    with django_assert_num_queries(1):
        return view(client, slug)


# ---------------------------------------------------------------- the fast path


def test_second_view_is_one_query_with_the_same_bytes_and_headers(
    client, make_page, django_assert_num_queries
):
    make_page("Flask", "A *micro* framework.", tags="micro")
    first = client.get("/wiki/flask/")
    assert stored("flask")
    with django_assert_num_queries(1):
        second = client.get("/wiki/flask/")
    assert second.status_code == 200
    assert second.content == first.content
    for header in (
        "Content-Type",
        "ETag",
        "Cache-Control",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert second[header] == first[header], header
    assert "Cookie" in second["Vary"] and "Accept-Encoding" in second["Vary"]
    assert not second.cookies
    assert "<em>micro</em>" in second.content.decode()


def test_if_none_match_is_a_304_from_the_snapshot(client, make_page, django_assert_num_queries):
    make_page("Flask", "text")
    etag = client.get("/wiki/flask/")["ETag"]
    with django_assert_num_queries(1):
        response = client.get("/wiki/flask/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "no-cache"


def test_gzip_bytes_to_clients_that_accept_them(client, make_page):
    make_page("Flask", "text " * 500)
    plain = client.get("/wiki/flask/")
    zipped = client.get("/wiki/flask/", headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    assert zipped["ETag"] != plain["ETag"]  # two representations, two strong validators
    assert "Accept-Encoding" in zipped["Vary"]
    refused = client.get("/wiki/flask/", headers={"Accept-Encoding": "gzip;q=0, deflate"})
    assert "Content-Encoding" not in refused and refused.content == plain.content
    # Either validator the client holds is a 304, answered with the variant it would get.
    for etag in (plain["ETag"], zipped["ETag"]):
        not_modified = client.get(
            "/wiki/flask/", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}
        )
        assert not_modified.status_code == 304
        assert not_modified["ETag"] == zipped["ETag"]


def test_first_view_with_gzip_is_gzip_too(client, make_page):
    make_page("Flask", "text")
    first = client.get("/wiki/flask/", headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    assert b"Flask" in gzip.decompress(first.content)


def test_head_works(client, make_page, django_assert_num_queries):
    make_page("Flask", "text")
    get = client.get("/wiki/flask/")
    with django_assert_num_queries(1):
        head = client.head("/wiki/flask/")
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""


def test_head_first_stores_too(client, make_page):
    make_page("Flask", "text")
    assert client.head("/wiki/flask/").status_code == 200
    assert stored("flask")
    assert "Flask" in view(client, "flask")


def test_unknown_page_is_still_a_404(client, make_page):
    assert client.get("/wiki/nothing-here/").status_code == 404
    assert not PageSnapshot.objects.exists()


def test_a_failed_store_never_fails_the_view(client, make_page, monkeypatch):
    make_page("Flask", "text")

    def refuse(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(PageSnapshot.objects, "bulk_create", refuse)
    assert "Flask" in view(client, "flask")
    assert not stored("flask")


# ---------------------------------------------------------------- who gets the dynamic view


def test_query_strings_get_the_dynamic_view_and_store_nothing(client, make_page):
    make_page("Flask", "text")
    echoed = view(client, "flask", "?q=someone-elses-search")
    assert "someone-elses-search" in echoed
    assert not stored("flask")
    view(client, "flask")
    assert "someone-elses-search" in view(client, "flask", "?q=someone-elses-search")
    assert "someone-elses-search" not in view(client, "flask")


def test_old_revisions_are_not_the_snapshot(client, make_page):
    page = make_page("Flask", "version one")
    services.page_update(page=page, body="version two")
    view(client, "flask")
    assert "version one" in view(client, "flask", "?rev=1")
    assert "version two" in view(client, "flask")


def test_logged_in_users_get_the_dynamic_view(staff_client, make_page):
    make_page("Flask", "text")
    Client().get("/wiki/flask/")
    assert stored("flask")
    text = view(staff_client, "flask")
    assert 'href="/admin/wiki/page/' in text  # the Edit tab


def test_logged_in_view_stores_nothing(staff_client, make_page):
    make_page("Flask", "text")
    assert 'href="/admin/wiki/page/' in view(staff_client, "flask")
    assert not stored("flask")
    assert 'href="/admin/wiki/page/' not in view(Client(), "flask")


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_session_and_messages_cookies_get_the_dynamic_view(client, make_page, cookie):
    make_page("Flask", "text")
    view(Client(), "flask")
    client.cookies[cookie] = "x"
    with CaptureQueriesContext(connection) as queries:
        assert "Flask" in view(client, "flask")
    assert not any("wiki_pagesnapshot" in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) >= 3


# ---------------------------------------------------------------- never stale


def test_own_edit(client, make_page, django_assert_num_queries):
    page = make_page("Flask", "version one")
    view(client, "flask")
    assert "version one" in served_from_snapshot(client, "flask", django_assert_num_queries)
    services.page_update(page=page, body="version two", summary="Now with a summary")
    text = view(client, "flask")
    assert "version two" in text and "Now with a summary" in text
    assert "version two" in served_from_snapshot(client, "flask", django_assert_num_queries)


def test_own_edit_changes_the_etag(client, make_page):
    page = make_page("Flask", "v1")
    etag = client.get("/wiki/flask/")["ETag"]
    services.page_update(page=page, body="v2")
    fresh = client.get("/wiki/flask/", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "v2" in fresh.content.decode()


def test_a_new_page_linking_here_counts_as_a_backlink(client, make_page, django_assert_num_queries):
    make_page("Flask", "text")
    assert "0 pages link here" in view(client, "flask")
    make_page("Other", "See [[Flask]].")
    assert "1 page links here" in view(client, "flask")
    assert "1 page links here" in served_from_snapshot(client, "flask", django_assert_num_queries)


def test_an_edit_that_adds_or_drops_a_link_counts(client, make_page):
    make_page("Flask", "text")
    other = make_page("Other", "Nothing yet.")
    assert "0 pages link here" in view(client, "flask")
    other = services.page_update(page=other, body="Now [[Flask]].")
    assert "1 page links here" in view(client, "flask")
    services.page_update(page=other, body="Not any more.")
    assert "0 pages link here" in view(client, "flask")


def test_a_deleted_linking_page_no_longer_counts(client, make_page):
    make_page("Flask", "text")
    other = make_page("Other", "See [[Flask]].")
    assert "1 page links here" in view(client, "flask")
    services.page_delete(page=other)
    assert "0 pages link here" in view(client, "flask")


def test_a_deleted_page_is_gone(client, make_page):
    page = make_page("Flask", "text")
    view(client, "flask")
    services.page_delete(page=page)
    assert client.get("/wiki/flask/").status_code == 404
    assert not PageSnapshot.objects.exists()


def test_a_created_link_target_turns_the_red_link_blue(client, make_page):
    make_page("Overview", "See [[Jinja2]].")
    assert 'class="wikilink missing"' in view(client, "overview")
    make_page("Jinja2", "Templates.")
    text = view(client, "overview")
    assert 'class="wikilink missing"' not in text
    assert 'href="/wiki/jinja2/"' in text


def test_a_deleted_link_target_turns_the_link_red(client, make_page):
    make_page("Overview", "See [[Jinja2]].")
    target = make_page("Jinja2", "Templates.")
    assert 'class="wikilink missing"' not in view(client, "overview")
    services.page_delete(page=target)
    assert 'class="wikilink missing"' in view(client, "overview")


def test_page_rename(client, make_page):
    page = make_page("Flask", "text")
    make_page("Other", "See [[Flask]].")
    view(client, "flask")
    view(client, "other")
    services.page_update(page=page, body="text", title="Flask Framework")
    text = view(client, "flask-framework")  # a renamed page moves to its new address
    assert "<h1>Flask Framework</h1>" in text
    assert "<title>Flask Framework" in text
    assert client.get("/wiki/flask/").status_code == 301  # the old one redirects
    assert 'href="/wiki/flask-framework/"' in view(client, "other")  # the old name arrives


def test_tag_rename(client, make_page):
    make_page("Flask", "text", tags="micro")
    make_page("Bottle", "text", tags="micro")
    assert ">micro</a>" in view(client, "flask") and ">micro</a>" in view(client, "bottle")
    tag = Tag.objects.get(name="micro")
    tag.name = "microframework"
    services.tag_save(tag=tag)
    assert ">microframework</a>" in view(client, "flask")
    assert ">microframework</a>" in view(client, "bottle")


def test_tag_deleted(client, make_page):
    make_page("Flask", "text", tags="micro")
    assert ">micro</a>" in view(client, "flask")
    services.tag_delete(tag=Tag.objects.get(name="micro"))
    assert ">micro</a>" not in view(client, "flask")


def test_tag_admin_goes_through_the_service(staff_client, client, make_page):
    make_page("Flask", "text", tags="micro")
    assert ">micro</a>" in view(client, "flask")
    tag = Tag.objects.get(name="micro")
    response = staff_client.post(
        f"/admin/wiki/tag/{tag.pk}/change/", {"name": "micro-framework", "slug": "micro"}
    )
    assert response.status_code == 302
    assert ">micro-framework</a>" in view(client, "flask")


def test_tags_set_by_an_edit(client, make_page):
    page = make_page("Flask", "text", tags="micro")
    assert ">micro</a>" in view(client, "flask")
    services.page_update(page=page, body="text", tags="wsgi")
    text = view(client, "flask")
    assert ">wsgi</a>" in text and ">micro</a>" not in text


def test_author_rename(client, make_page, django_user_model):
    alice = django_user_model.objects.create_user("alice", password="pw-alice-1")
    bob = django_user_model.objects.create_user("bob", password="pw-bob-1")
    page = make_page("Flask", "text", author=alice)
    make_page("Bottle", "text", author=bob)
    services.page_update(page=page, body="edited", author=bob)
    assert "by bob" in view(client, "flask")
    assert "by bob" in view(client, "bottle")
    bob.username = "robert"
    bob.save()
    assert "by robert" in view(client, "flask")
    assert "by robert" in view(client, "bottle")


def test_author_deleted(client, make_page, django_user_model):
    alice = django_user_model.objects.create_user("alice", password="pw-alice-1")
    make_page("Flask", "text", author=alice)
    assert "by alice" in view(client, "flask")
    alice.delete()
    assert "by alice" not in view(client, "flask")


def test_a_log_in_does_not_drop_snapshots(client, make_page, staff_user):
    make_page("Flask", "text", author=staff_user)
    view(client, "flask")
    update_last_login(None, staff_user)  # what a log-in saves
    assert stored("flask")


def test_raw_saves_of_loaddata(client, make_page, tmp_path):
    import json

    from django.core.management import call_command

    make_page("Flask", "text", summary="old summary")
    assert "old summary" in view(client, "flask")
    fixture = tmp_path / "page.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "wiki.page",
                    "fields": {
                        "title": "Flask",
                        "slug": "flask",
                        "body": "text",
                        "summary": "new",
                        "created": "2025-06-01T00:00:00Z",
                        "updated": "2025-06-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert "new" in view(client, "flask") and "old summary" not in view(client, "flask")


def test_layout_change_site_name(client, make_page, settings):
    make_page("Flask", "text")
    assert "Python Web Frameworks" in view(client, "flask")
    assert stored("flask")
    settings.WIKI_SITE_NAME = "Another Wiki"
    text = view(client, "flask")
    assert "Another Wiki" in text and "Python Web Frameworks" not in text


def test_layout_change_static_manifest_or_templates(client, make_page, monkeypatch):
    make_page("Flask", "text")
    first = client.get("/wiki/flask/")
    # A deploy: new hashed static names (or templates) — the stamp changes.
    monkeypatch.setattr(layout, "_static_names", lambda: "css/site.0123abcd.css")
    layout.reset()
    PageSnapshot.objects.update(content=http.compress(b"old layout"))
    again = client.get("/wiki/flask/")
    assert b"old layout" not in again.content
    assert again["ETag"] != first["ETag"]  # a browser's copy of the old layout is not reused
    assert PageSnapshot.objects.get().layout == layout.stamp()
    assert b"old layout" not in client.get("/wiki/flask/").content


def test_layout_stamp_covers_the_templates(settings, tmp_path):
    before = layout.stamp()
    template_dir = tmp_path / "templates"
    template_dir.mkdir()
    (template_dir / "base.html").write_text("changed")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [template_dir]}]
    assert layout.stamp() != before


# ---------------------------------------------------------------- races


def test_a_change_committed_while_rendering_is_never_served(client, make_page, monkeypatch):
    """A reader renders from data read before a save; the save commits before the reader
    stores: what it stores is labelled with the version it read, which the save has
    already outdated, so it is never served."""
    make_page("Flask", "text")
    other = make_page("Other", "Nothing.")
    from wiki import selectors

    real = selectors.backlink_count

    def count_then_someone_saves(page):
        count = real(page)  # read before the save: 0
        services.page_update(page=other, body="See [[Flask]].")
        return count

    monkeypatch.setattr(selectors, "backlink_count", count_then_someone_saves)
    assert "0 pages link here" in view(client, "flask")
    monkeypatch.setattr(selectors, "backlink_count", real)
    row = PageSnapshot.objects.get(page__slug="flask")
    assert row.version < Page.objects.get(slug="flask").version
    assert snapshots.fetch("flask") is None
    assert "1 page links here" in view(client, "flask")


def test_a_snapshot_of_an_older_version_is_not_served(make_page):
    page = make_page("Flask", "text")
    old = Page.objects.get(pk=page.pk).version
    stale = snapshots.Snapshot(etag='"x"', content=http.compress(b"stale"))
    assert snapshots.store(page.pk, old, stale)
    assert snapshots.fetch("flask") == stale
    services.page_update(page=page, body="changed")
    assert Page.objects.get(pk=page.pk).version > old
    assert snapshots.fetch("flask") is None


def test_accepts_gzip_parsing(rf):
    def accepts(header):
        return accepts_gzip(rf.get("/", headers={"Accept-Encoding": header}))

    assert accepts("gzip")
    assert accepts("deflate, gzip;q=1.0, *;q=0.5")
    assert accepts("x-gzip")
    assert not accepts("gzip;q=0")
    assert not accepts("gzip; q=0.000")
    assert not accepts("br, deflate")
    assert not accepts("")
    assert not accepts("gzipx")


def test_snapshot_rows_are_small(client, make_page):
    make_page("Flask", "Some *markdown* text. " * 400)
    response = client.get("/wiki/flask/")
    row = PageSnapshot.objects.get()
    assert len(row.content) < len(response.content) / 4


def test_user_model_is_the_default():
    # The user receivers listen to AUTH_USER_MODEL; this suite renames and deletes its users.
    assert get_user_model()._meta.label == "auth.User"
    assert Page._meta.get_field("tags").remote_field.through._meta.label == "wiki.Page_tags"


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_never_fails_or_stalls_the_view(client, make_page):
    """Another process holds the lock a store needs (SQLite: the database's write lock, as
    a save in progress does; PostgreSQL: the page's row): the view answers at once — it
    waits LOCK_WAIT_MS, not the connection's 20 s — and stores nothing; the next view
    stores."""
    import time

    make_page("Flask", "text")
    release = _hold_the_store_lock()
    try:
        started = time.monotonic()
        assert "Flask" in view(client, "flask")
        assert time.monotonic() - started < 5
    finally:
        release()
    assert not stored("flask")
    view(client, "flask")
    assert stored("flask")


def _hold_the_store_lock():
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        import sqlite3

        other = sqlite3.connect(settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        other = psycopg.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"],
        )
        other.execute("SELECT id FROM wiki_page FOR UPDATE")

    def release():
        if connection.vendor == "sqlite":
            other.execute("ROLLBACK")
        else:
            other.rollback()
        other.close()

    return release


def test_warm_stores_what_a_first_view_would(client, make_page, django_assert_num_queries):
    make_page("Flask", "text", tags="micro")
    make_page("Bottle", "See [[Flask]].")
    view(client, "bottle")
    assert snapshots.warm() == 1  # Flask; Bottle has one
    with django_assert_num_queries(1):
        warmed = client.get("/wiki/flask/")
    PageSnapshot.objects.all().delete()
    assert warmed.content == client.get("/wiki/flask/").content
    assert snapshots.warm(["flask", "bottle"]) == 1
    assert snapshots.warm() == 0


def test_warm_pages_command_stores_every_page(make_page, client, django_assert_num_queries):
    from io import StringIO

    from django.core.management import call_command

    make_page("Flask", "text")
    make_page("Bottle", "See [[Flask]].")
    out = StringIO()
    call_command("warm_pages", stdout=out)
    assert "2 page(s) stored" in out.getvalue()
    assert PageSnapshot.objects.count() == 2
    # (A process's first request to a view also looks for a shared cached copy, once.)
    assert client.get("/wiki/flask/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/wiki/bottle/").status_code == 200
    call_command("warm_pages", stdout=out)
    assert "0 page(s) stored" in out.getvalue()
