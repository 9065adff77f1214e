"""The recycle bin: deleting keeps a page and its history out of every reader's view;
editors restore it (links turn blue again) or purge it for good."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core import outbox
from search import api
from wiki import aliases, services
from wiki.models import Page, PageLink, PageSnapshot, Revision
from wiki.selectors import backlink_count, recent_revisions, wanted_pages

pytestmark = pytest.mark.django_db


def html_of(page: Page) -> str:
    return Page.objects.get(pk=page.pk).current_revision.html


@pytest.fixture
def engines(make_page):
    mako = make_page("Mako", "Templates. See [[Jinja2]].", tags="templates")
    services.page_update(page=mako, body="Templates, v2. See [[Jinja2]].")
    jinja = make_page("Jinja2", "x")
    linker = make_page("Engines", "[[Mako]] and [[Jinja2]].")
    outbox.drain()
    return {"mako": mako, "jinja": jinja, "linker": linker}


def test_a_deleted_page_keeps_its_history_and_leaves_every_readers_view(client, engines):
    mako = engines["mako"]
    client.get("/wiki/mako/")  # its snapshot is stored
    assert PageSnapshot.objects.filter(page=mako).exists()
    services.page_delete(page=mako)
    outbox.drain()
    assert Page.everything.get(pk=mako.pk).deleted is not None
    assert Revision.objects.filter(page_id=mako.pk).count() == 2
    assert not Page.objects.filter(pk=mako.pk).exists()
    for url in ("/wiki/mako/", "/wiki/mako/history/", "/wiki/mako/diff/1/2/", "/wiki/mako/feed/"):
        assert client.get(url).status_code == 404, url
    for url in ("/wiki/", "/wiki/_recent/", "/wiki/_tags/templates/", "/sitemap.xml", "/"):
        assert "/wiki/mako/" not in client.get(url).content.decode(), url
    assert "Mako" not in client.get("/wiki/_recent/feed/").content.decode()
    assert all(r.page_id != mako.pk for r in recent_revisions())
    # Links to it are red and wanted; its own links are gone (Jinja2 lost a backlink).
    assert "wikilink missing" in html_of(engines["linker"])
    assert [w.key for w in wanted_pages()] == ["mako"]
    assert backlink_count(engines["jinja"]) == 1
    assert not PageLink.objects.filter(source_id=mako.pk).exists()


def test_search_drops_a_deleted_page_and_finds_it_again_once_restored(engines):
    def titles(q):
        return {hit.title for hit in api.run_search(q).results.hits}

    outbox.drain()
    assert "Mako" in titles("templates")
    services.page_delete(page=engines["mako"])
    outbox.drain()
    assert "Mako" not in titles("templates")
    services.page_restore(page=engines["mako"])
    outbox.drain()
    assert "Mako" in titles("templates")


def test_restore_brings_it_back_with_history_names_and_blue_links(client, engines):
    mako = engines["mako"]
    aliases.set_page_aliases(page=mako, names="Mako Templates")
    services.page_delete(page=mako)
    outbox.drain()
    page = services.page_restore(page=mako)
    outbox.drain()
    assert (page.slug, page.revision_number, page.deleted) == ("mako", 2, None)
    assert list(page.aliases.values_list("name", flat=True)) == ["Mako Templates"]
    assert 'href="/wiki/mako/"' in html_of(engines["linker"])
    assert "missing" not in html_of(engines["linker"])
    assert wanted_pages() == []
    assert backlink_count(engines["jinja"]) == 2  # its own links are back
    assert "Templates, v2" in client.get("/wiki/mako/").content.decode()


def test_a_deleted_title_is_free_and_its_restore_is_refused_while_taken(engines):
    mako = engines["mako"]
    services.page_delete(page=mako)
    newcomer = services.page_create(title="Mako", body="A new page.")
    assert newcomer.slug == "mako"
    with pytest.raises(ValidationError, match="already exists"):
        services.page_restore(page=mako)
    assert Page.everything.get(pk=mako.pk).deleted is not None
    services.page_update(page=newcomer, body="A new page.", title="Mako (2025)")
    aliases.set_page_aliases(page=Page.objects.get(pk=newcomer.pk), names="")
    restored = services.page_restore(page=mako)
    assert restored.title == "Mako" and restored.slug == "mako"


def test_a_restored_page_whose_address_was_taken_gets_a_free_one(make_page):
    page = make_page("Kid Templates", slug="kid")
    services.page_delete(page=page)
    make_page("Kid")
    restored = services.page_restore(page=page)
    assert restored.slug == "kid-2"


def test_purge_removes_only_pages_in_the_bin(engines):
    with pytest.raises(ValidationError, match="Only pages in the recycle bin"):
        services.page_purge(page=engines["jinja"])
    services.page_delete(page=engines["mako"])
    services.page_purge(page=engines["mako"])
    assert not Page.everything.filter(pk=engines["mako"].pk).exists()
    assert not Revision.objects.filter(page_id=engines["mako"].pk).exists()


def test_purge_pages_command_respects_age_and_dry_run(make_page):
    old, recent = make_page("Old"), make_page("Recent")
    services.page_delete(page=old)
    services.page_delete(page=recent)
    Page.everything.filter(pk=old.pk).update(deleted=timezone.now() - timedelta(days=40))
    out = io.StringIO()
    call_command("purge_pages", "--older-than", "30", "--dry-run", "-v", "2", stdout=out)
    assert "Would purge “Old”" in out.getvalue() and "Would purge 1 page" in out.getvalue()
    assert Page.everything.in_bin().count() == 2
    out = io.StringIO()
    call_command("purge_pages", "--older-than", "30", stdout=out)
    assert "Purged 1 page from the recycle bin." in out.getvalue()
    assert list(Page.everything.in_bin().values_list("title", flat=True)) == ["Recent"]
    call_command("purge_pages", "--older-than", "30", stdout=io.StringIO())  # idempotent
    call_command("purge_pages", stdout=io.StringIO())
    assert not Page.everything.in_bin().exists()


class TestAdmin:
    def test_deleting_in_the_admin_goes_to_the_bin(self, staff_client, make_page):
        page = make_page("Bottle")
        confirm = staff_client.get(f"/admin/wiki/page/{page.pk}/delete/").content.decode()
        assert "to the recycle bin, with its history" in confirm
        response = staff_client.post(f"/admin/wiki/page/{page.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        binned = Page.everything.get(pk=page.pk)
        assert binned.deleted is not None and binned.deleted_by.username == "editor"

    def test_the_bin_lists_restores_and_purges(self, staff_client, make_page):
        page = make_page("Bottle")
        services.page_delete(page=page)
        listing = staff_client.get("/admin/wiki/deletedpage/").content.decode()
        assert "Bottle" in listing and "Restore…" in listing
        form = staff_client.get(f"/admin/wiki/deletedpage/{page.pk}/restore/")
        assert "1 revision" in form.content.decode()
        response = staff_client.post(f"/admin/wiki/deletedpage/{page.pk}/restore/")
        assert response.status_code == 302
        assert Page.objects.filter(pk=page.pk).exists()
        services.page_delete(page=page)
        response = staff_client.post(
            "/admin/wiki/deletedpage/",
            {"action": "delete_selected", "_selected_action": [page.pk], "post": "yes"},
        )
        assert response.status_code == 302
        assert not Page.everything.filter(pk=page.pk).exists()

    def test_an_editor_at_a_deleted_address_is_offered_the_restore(self, staff_client, make_page):
        page = make_page("Bottle")
        services.page_delete(page=page)
        text = staff_client.get("/wiki/bottle/").content.decode()
        assert "is in the recycle bin" in text
        assert f"/admin/wiki/deletedpage/{page.pk}/restore/" in text
        assert "recycle bin" not in Client().get("/wiki/bottle/").content.decode()


def test_a_tag_only_binned_pages_carry_leaves_the_front_page(client, make_page):
    page = make_page("Lonely", "x", tags="solitary")
    assert "solitary" in client.get("/").content.decode()
    services.page_delete(page=page)
    assert "solitary" not in client.get("/").content.decode()
