"""Live catalog facts in wiki prose, and other names of entries."""

import pytest
from django.core.exceptions import ValidationError

from catalog import aliases, services
from catalog.models import EntryAlias, Level, Support
from core import outbox
from search import api
from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki.models import Page, PageLink

pytestmark = pytest.mark.django_db


def html_of(page: Page) -> str:
    return Page.objects.get(pk=page.pk).current_revision.html


def test_facts_views_show_the_entry_as_it_is(small_catalog, make_page):
    page = make_page(
        "Flask notes",
        "Summary: {{framework:flask|facts}}\n\nEngines: {{framework:flask|supports}}. "
        "Status {{ framework:Flask | status }}, since {{framework:flask|first-release}}, "
        "Python {{framework:django|python}}. Used by {{component:jinja2|supports}}.",
    )
    html = html_of(page)
    assert (
        '<span class="facts"><a href="/catalog/flask/">Flask</a>: micro framework · active · '
        "first released 2010 · Python 3.12</span>" in html
    )
    assert (
        '<span class="facts"><a href="/catalog/components/jinja2/">Jinja2</a> (default)</span>'
        in html
    )
    assert 'Status <span class="facts">active</span>, since <span class="facts">2010</span>' in html
    assert 'Python <span class="facts">3.12, 3.13</span>' in html
    assert (
        '<a href="/catalog/flask/">Flask</a> (default), <a href="/catalog/django/">Django</a>'
        in html
    )
    kinds = set(PageLink.objects.filter(source=page).values_list("kind", "target_key"))
    assert ("framework-facts", "flask") in kinds and ("component-facts", "jinja2") in kinds


def test_unknown_entries_and_views_say_so(small_catalog, make_page):
    page = make_page("Notes", "{{framework:nosuch|facts}} {{framework:flask|colour}} {{other:x|y}}")
    html = html_of(page)
    assert '<span class="facts-missing">[no framework called “nosuch”]</span>' in html
    assert "[no fact “colour” — use one of: facts, supports, status" in html
    assert "{{other:x|y}}" in html
    assert "{{framework:flask|facts}}" in html_of(make_page("Code", "`{{framework:flask|facts}}`"))


def test_a_changed_entry_re_renders_only_the_pages_embedding_its_facts(small_catalog, make_page):
    embeds = make_page("Embeds", "{{framework:flask|status}}")
    links = make_page("Links", "[[framework:flask]]")
    outbox.drain()
    flask = small_catalog["flask"]
    links_version = Page.objects.get(pk=links.pk).version
    flask.status = "inactive"
    services.entry_save(entry=flask)
    assert Page.objects.get(pk=embeds.pk).needs_render
    assert not Page.objects.get(pk=links.pk).needs_render
    assert Page.objects.get(pk=links.pk).version == links_version
    outbox.drain()
    assert '<span class="facts">inactive</span>' in html_of(embeds)


def test_a_changed_cell_re_renders_the_supports_view(small_catalog, make_page):
    page = make_page("Engines", "{{framework:flask|supports}}")
    assert "Mako" not in html_of(page)
    cell = Support.objects.get(framework=small_catalog["flask"], engine=small_catalog["mako"])
    cell.level, cell.uncertain = Level.YES, False
    services.support_save(support=cell)
    outbox.drain()
    assert ">Mako</a>" in html_of(page)
    services.support_delete(support=cell)
    outbox.drain()
    assert ">Mako</a>" not in html_of(page)


def test_an_entry_alias_is_a_link_a_fact_and_a_redirect(small_catalog, make_page, client):
    page = make_page("History", "[[framework:starlite]] {{framework:starlite|status}}")
    assert "wikilink missing" in html_of(page)
    litestar = services.framework_create(
        name="Litestar", slug="litestar", kind="async", status="active"
    )
    aliases.set_entry_aliases(entry=litestar, names="Starlite")
    outbox.drain()
    html = html_of(page)
    assert '<a class="wikilink framework" href="/catalog/litestar/">Litestar</a>' in html
    assert '<span class="facts">active</span>' in html
    response = client.get("/catalog/starlite/")
    assert (response.status_code, response["Location"]) == (301, "/catalog/litestar/")


class TestEntryAliasesRefused:
    def test_another_entrys_name_or_alias(self, small_catalog):
        with pytest.raises(ValidationError, match="another entry, “Django”"):
            aliases.set_entry_aliases(entry=small_catalog["flask"], names="django")
        aliases.set_entry_aliases(entry=small_catalog["flask"], names="Flask micro")
        with pytest.raises(ValidationError, match="already another name of “Flask”"):
            aliases.set_entry_aliases(entry=small_catalog["django"], names="flask-micro")

    def test_its_own_name_is_a_loop(self, small_catalog):
        with pytest.raises(ValidationError, match="redirect to itself"):
            aliases.set_entry_aliases(entry=small_catalog["flask"], names="FLASK")
        assert not EntryAlias.objects.exists()

    @pytest.mark.parametrize("payload", XSS_PAYLOADS)
    def test_hostile_names(self, small_catalog, staff_client, payload):
        flask = small_catalog["flask"]
        try:
            aliases.set_entry_aliases(entry=flask, names=[payload])
        except ValidationError:
            assert not EntryAlias.objects.exists()
            return
        html = staff_client.get(f"/admin/catalog/framework/{flask.pk}/change/").content.decode()
        field = html.split('name="aliases_text"', 1)[1].split("</textarea>", 1)[0]
        assert_inert(field.split(">", 1)[1])


def test_the_admin_edits_entry_aliases(small_catalog, staff_client):
    flask = small_catalog["flask"]
    form = staff_client.get(f"/admin/catalog/framework/{flask.pk}/change/")
    assert 'name="aliases_text"' in form.content.decode()


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:30])
def test_hostile_entry_text_in_facts_stays_inert(make_framework, make_page, payload):
    make_framework("Evil", slug="evil", licence=payload[:100], status="active")
    page = make_page("Facts", "{{framework:evil|facts}} {{framework:evil|licence}}")
    assert_inert(html_of(page))


def test_a_cell_whose_evidence_page_is_in_the_bin_can_still_be_edited(
    small_catalog, make_page, staff_client
):
    from wiki import services as wiki_services

    evidence = make_page("Evidence")
    cell = small_catalog["cells"]["flask-jinja"]
    cell.evidence_page = evidence
    services.support_save(support=cell)
    wiki_services.page_delete(page=evidence)
    url = f"/admin/catalog/support/{cell.pk}/change/"
    form = {
        "framework": cell.framework_id,
        "engine": cell.engine_id,
        "level": "YES",
        "raw_value": "",
        "evidence_page": evidence.pk,
        "evidence_url": "",
        "notes": "now yes",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    cell.refresh_from_db()
    assert (cell.level, cell.evidence_page_id) == ("YES", evidence.pk)


def test_search_finds_an_entry_by_its_other_name(db):
    litestar = services.framework_create(name="Litestar", slug="litestar", kind="async")
    aliases.set_entry_aliases(entry=litestar, names="Starlite")
    outbox.drain()
    assert [hit.title for hit in api.run_search("starlite").results.hits][:1] == ["Litestar"]
