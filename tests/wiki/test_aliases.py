"""Other names of pages: renames keep them, links and URLs follow them, clashes and loops
are refused, and the editors' report finds broken and double redirects."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core import outbox
from search import api
from tests.payloads import XSS_PAYLOADS
from wiki import aliases, services
from wiki.links import lookup_pages
from wiki.models import Page, PageAlias, PageLink

pytestmark = pytest.mark.django_db


def html_of(page: Page) -> str:
    return Page.objects.get(pk=page.pk).current_revision.html


def test_a_rename_keeps_the_old_title_and_slug_as_aliases(make_page):
    page = make_page("Starlite", "An ASGI framework.", slug="starlite-asgi")
    page = services.page_update(page=page, body="An ASGI framework.", title="Litestar")
    assert page.slug == "litestar"
    assert sorted(a.name for a in page.aliases.all()) == ["Starlite", "starlite-asgi"]
    found = lookup_pages(["starlite", "starliteasgi", "litestar"])
    assert {k: v[1] for k, v in found.items()} == {
        "starlite": "litestar",
        "starliteasgi": "litestar",
        "litestar": "litestar",
    }


def test_a_case_only_rename_keeps_the_address_and_adds_no_alias(make_page):
    page = make_page("Web frameworks")
    page = services.page_update(page=page, body="x", title="Web Frameworks")
    assert page.slug == "web-frameworks"
    assert not page.aliases.exists()


def test_old_names_in_links_reach_the_renamed_page(make_page):
    page = make_page("Pynecone", "x")
    linker = make_page("Overview", "See [[Pynecone]] and [[Pynecone|the old one]].")
    services.page_update(page=page, body="x", title="Reflex")
    outbox.drain()
    html = html_of(linker)
    assert html.count('href="/wiki/reflex/"') == 2
    assert "missing" not in html
    assert PageLink.objects.get(source=linker, target_key="pynecone").target_id == page.pk


def test_an_alias_an_editor_adds_turns_red_links_blue(make_page):
    linker = make_page("Overview", "See [[weppy]].")
    assert "wikilink missing" in html_of(linker)
    emmett = make_page("Emmett", "x")
    aliases.set_page_aliases(page=emmett, names="weppy\n")
    outbox.drain()
    assert '<a class="wikilink" href="/wiki/emmett/" title="Emmett">weppy</a>' in html_of(linker)
    aliases.set_page_aliases(page=emmett, names="")
    outbox.drain()
    assert "wikilink missing" in html_of(linker)


class TestRefused:
    def test_an_alias_equal_to_another_pages_title(self, make_page):
        make_page("Flask")
        bottle = make_page("Bottle")
        with pytest.raises(ValidationError, match="title of another page, “Flask”"):
            aliases.set_page_aliases(page=bottle, names="flask")
        assert not PageAlias.objects.exists()

    def test_an_alias_equal_to_another_pages_alias(self, make_page):
        litestar = make_page("Litestar")
        aliases.set_page_aliases(page=litestar, names="Starlite")
        other = make_page("Starlette")
        with pytest.raises(ValidationError, match="already another name of “Litestar”"):
            aliases.set_page_aliases(page=other, names="Starlite\nStarlette ASGI")
        assert list(PageAlias.objects.values_list("name", "page")) == [("Starlite", litestar.pk)]

    def test_an_alias_to_itself_is_a_loop(self, make_page):
        page = make_page("Pyramid")
        with pytest.raises(ValidationError, match="redirect loop"):
            aliases.set_page_aliases(page=page, names="pyramid")

    def test_a_title_equal_to_another_pages_alias(self, make_page):
        page = make_page("Litestar")
        aliases.set_page_aliases(page=page, names="Starlite")
        with pytest.raises(ValidationError, match="another name of the page “Litestar”"):
            services.page_create(title="Starlite", body="x")
        other = make_page("Other")
        with pytest.raises(ValidationError, match="another name of the page"):
            services.page_update(page=other, body="x", title="starlite")
        assert Page.objects.get(pk=other.pk).title == "Other"

    def test_bad_names(self, make_page):
        page = make_page("Pyramid")
        with pytest.raises(ValidationError) as exc:
            aliases.set_page_aliases(page=page, names="repoze.bfg\n../etc\n<b>x</b>")
        assert len(exc.value.messages) == 2
        assert not PageAlias.objects.exists()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_alias_names_are_refused_or_shown_escaped(staff_client, make_page, payload):
    page = make_page("Target")
    try:
        aliases.set_page_aliases(page=page, names=[payload])
    except ValidationError:
        assert not PageAlias.objects.exists()
        return
    alias = PageAlias.objects.get()
    response = Client().get("/wiki/target/", {"from": alias.name})
    assert payload not in response.content.decode()
    Page.everything.filter(pk=page.pk).update(deleted="2020-01-01T00:00:00Z")
    report = staff_client.get("/wiki/_redirects/").content.decode()
    assert payload not in report


class TestRedirects:
    def test_old_address_answers_301_and_the_page_says_so(self, client, make_page):
        page = make_page("Starlite", "ASGI.")
        services.page_update(page=page, body="ASGI.", title="Litestar")
        response = client.get("/wiki/starlite/")
        assert response.status_code == 301
        assert response["Location"] == "/wiki/litestar/?from=Starlite"
        landed = client.get(response["Location"]).content.decode()
        assert "Redirected from <strong>Starlite</strong>" in landed
        # The bare address is the page as ever, stored and served without the note.
        bare = client.get("/wiki/litestar/").content.decode()
        assert "Redirected from" not in bare

    def test_other_views_of_an_old_address_redirect_too(self, client, make_page):
        page = make_page("Pylons Project")
        services.page_update(page=page, body="x", title="Pyramid")
        response = client.get("/wiki/pylons-project/history/?page=2")
        assert (response.status_code, response["Location"]) == (
            301,
            "/wiki/pyramid/history/?page=2",
        )

    def test_a_made_up_from_shows_nothing(self, client, make_page):
        make_page("Litestar")
        text = client.get("/wiki/litestar/?from=Visit evil.example").content.decode()
        article = text.split("<article", 1)[1].split("</article>", 1)[0]
        assert "Redirected from" not in article and "evil.example" not in article

    def test_an_alias_of_a_page_in_the_bin_does_not_redirect(self, client, make_page):
        page = make_page("Litestar")
        aliases.set_page_aliases(page=page, names="Starlite")
        services.page_delete(page=page)
        assert client.get("/wiki/starlite/").status_code == 404


class TestReport:
    def test_broken_and_double_redirects_are_listed_for_editors_only(self, staff_client, make_page):
        gone = make_page("Turbogears 1")
        aliases.set_page_aliases(page=gone, names="TG1")
        services.page_delete(page=gone)
        kept = make_page("Pyramid")
        aliases.set_page_aliases(page=kept, names="repoze bfg")
        # Two writers racing (or a raw load) can give one name to two pages.
        Page.objects.create(title="Repoze BFG", slug="repoze-bfg", body="x")
        problems = {(p.kind, p.alias.name) for p in aliases.problems()}
        assert problems == {("broken", "TG1"), ("double", "repoze bfg")}
        assert Client().get("/wiki/_redirects/").status_code == 302  # to the log-in
        text = staff_client.get("/wiki/_redirects/").content.decode()
        assert "Broken (1)" in text and "Double (1)" in text
        assert "“Turbogears 1” is in the recycle bin." in text
        assert "also the title or address of “Repoze BFG”" in text


def test_the_admin_edits_other_names_and_refuses_clashes(staff_client, make_page):
    make_page("Flask")
    page = make_page("Emmett", "x")
    url = f"/admin/wiki/page/{page.pk}/change/"
    form = {
        "title": "Emmett",
        "body": "x",
        "summary": "",
        "tags_text": "",
        "comment": "",
        "base_revision": "1",
    }
    response = staff_client.post(url, {**form, "aliases_text": "weppy\nflask"})
    assert response.status_code == 200
    assert "title of another page, “Flask”" in response.content.decode()
    assert not PageAlias.objects.exists()
    response = staff_client.post(url, {**form, "aliases_text": "weppy"})
    assert response.status_code == 302
    assert list(page.aliases.values_list("name", flat=True)) == ["weppy"]
    # A rename in the same form keeps the old title beside the names given.
    response = staff_client.post(
        url, {**form, "title": "Emmett Framework", "aliases_text": "weppy"}
    )
    assert response.status_code == 302
    assert sorted(page.aliases.values_list("name", flat=True)) == ["Emmett", "weppy"]


def test_search_finds_a_page_by_any_of_its_names(make_page):
    page = make_page("Litestar", "An ASGI framework with plugins.")
    services.page_update(page=page, body=page.body, title="Litestar Framework")
    aliases.set_page_aliases(page=Page.objects.get(pk=page.pk), names="Litestar\nStarlite")
    outbox.drain()
    for query in ("starlite", "litestar framework"):
        titles = [hit.title for hit in api.run_search(query).results.hits]
        assert titles[:1] == ["Litestar Framework"], (query, titles)
