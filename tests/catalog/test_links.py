"""[[framework:…]] and [[component:…]] in wiki pages resolve to catalog entries."""

from catalog import services
from catalog.models import Entry
from core import outbox
from tests.catalog.test_admin import _entry_post
from wiki.models import Page


def settle() -> None:
    """Do the outbox's follow-up work (inside a test's transaction no commit runs it)."""
    outbox.drain()


def _html(page: Page) -> str:
    return Page.objects.select_related("current_revision").get(pk=page.pk).html


def test_framework_link_resolves(small_catalog, make_page):
    page = make_page("About Flask", body="Try [[framework:flask]] or [[framework:FLASK|it]].")
    html = _html(page)
    assert 'href="/catalog/flask/"' in html
    assert ">Flask<" in html and ">it<" in html
    assert "missing" not in html


def test_link_by_name_case_insensitive_and_component(small_catalog, make_page):
    page = make_page(body="[[framework:Django]] uses [[component:Django Templates]].")
    html = _html(page)
    assert 'href="/catalog/django/"' in html
    assert 'href="/catalog/components/django-templates/"' in html


def test_missing_then_created_then_renamed_then_deleted(db, make_page):
    page = make_page("Bottle notes", body="See [[framework:bottle]].")
    assert "wikilink missing framework" in _html(page)
    entry = services.framework_create(name="Bottle", slug="bottle", kind="micro")
    settle()
    html = _html(page)
    assert 'href="/catalog/bottle/"' in html and "missing" not in html

    entry.slug = "bottle-py"
    entry.name = "Bottle.py"
    services.entry_save(entry=entry)
    settle()
    assert "wikilink missing framework" in _html(page)

    entry.slug = "bottle"
    services.entry_save(entry=entry)
    settle()
    assert 'href="/catalog/bottle/"' in _html(page)

    services.entry_delete(entry=Entry.objects.get(slug="bottle"))
    settle()
    assert "wikilink missing framework" in _html(page)


def test_an_admin_save_also_relinks(staff_client, make_page, django_capture_on_commit_callbacks):
    page = make_page(body="[[framework:tornado]]")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/catalog/framework/add/",
            _entry_post(name="Tornado", slug="tornado", kind="async"),
        )
    assert response.status_code == 302
    assert 'href="/catalog/tornado/"' in _html(page)


def test_detail_lists_linking_pages(client, small_catalog, make_page):
    make_page("Flask tips", body="[[framework:flask]] is small.")
    response = client.get("/catalog/flask/")
    assert "Flask tips" in response.content.decode()


def test_description_rendered_on_save_with_links(db, make_page):
    make_page("Routing", body="x")
    entry = services.framework_create(
        name="Falcon", slug="falcon", kind="micro", description="**Fast**, see [[Routing]]."
    )
    assert "<strong>Fast</strong>" in entry.description_html
    assert 'href="/wiki/routing/"' in entry.description_html


def test_description_script_is_sanitized(db):
    entry = services.framework_create(
        name="Evil", slug="evil", kind="micro", description="<script>alert(1)</script>ok"
    )
    assert "<script" not in entry.description_html


def test_raw_loaddata_gets_description_html(db, tmp_path, django_capture_on_commit_callbacks):
    import json

    from django.core.management import call_command

    fixture = tmp_path / "entries.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "catalog.entry",
                    "fields": {
                        "type": "framework",
                        "name": "Quart",
                        "slug": "quart",
                        "kind": "async",
                        "description": "Async *Flask*, see [[framework:flask]].",
                    },
                },
                {
                    "model": "catalog.entry",
                    "fields": {
                        "type": "framework",
                        "name": "Flask",
                        "slug": "flask",
                        "kind": "micro",
                    },
                },
            ]
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)
    html = Entry.objects.get(slug="quart").description_html
    assert "<em>Flask</em>" in html
    assert 'href="/catalog/flask/"' in html


def _description(entry: Entry) -> str:
    return Entry.objects.get(pk=entry.pk).description_html


def test_description_links_follow_pages_created_renamed_and_deleted(db, make_page, client):
    """A description naming a wiki page that does not exist yet links red; the link turns
    blue when the page is created (by a save or by an import), red again when it goes."""
    from wiki import services as wiki_services
    from wiki.importer import import_lines

    entry = services.framework_create(
        name="Quixote",
        slug="quixote",
        kind="micro",
        description="See [[Quixote Tutorial]] and [[Quixote Sessions]] and QuixoteFaq.",
    )
    assert _description(entry).count("wikilink missing") == 3
    tutorial = make_page("Quixote Tutorial", "How to.")
    settle()
    html = _description(entry)
    assert 'href="/wiki/quixote-tutorial/"' in html
    assert html.count("wikilink missing") == 2
    import_lines(
        ['{"title": "Quixote Sessions", "body": "x"}', '{"title": "QuixoteFaq", "body": "y"}']
    )
    settle()
    html = _description(entry)
    assert "wikilink missing" not in html
    assert 'href="/wiki/quixote-faq/"' in html
    # Renamed: its slug (and so the old name) still leads there, now titled anew.
    wiki_services.page_update(page=tutorial, body="How to.", title="Quixote Guide")
    settle()
    assert 'href="/wiki/quixote-tutorial/" title="Quixote Guide"' in _description(entry)
    wiki_services.page_delete(page=Page.objects.get(title="Quixote Sessions"))
    settle()
    assert _description(entry).count("wikilink missing") == 1
    assert "wikilink missing" in client.get("/catalog/quixote/").content.decode()


def test_description_links_follow_entries_created_later(db):
    flask = services.framework_create(
        name="Flask", slug="flask", kind="micro", description="Compare [[framework:bottle]]."
    )
    assert "wikilink missing framework" in _description(flask)
    services.framework_create(name="Bottle", slug="bottle", kind="micro")
    settle()
    html = _description(flask)
    assert 'href="/catalog/bottle/"' in html and "missing" not in html
