import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core import outbox
from core.models import Task
from wiki import services
from wiki.models import Page, PageLink, Revision
from wiki.selectors import backlinks, orphan_pages, wanted_pages

pytestmark = pytest.mark.django_db


def settle() -> None:
    """Do the outbox's follow-up work (inside a test's transaction no commit runs it)."""
    outbox.drain()


def html_of(page: Page) -> str:
    return Page.objects.get(pk=page.pk).current_revision.html


class TestRevisions:
    def test_create_makes_revision_one_with_rendered_html(self, make_page, staff_user):
        page = make_page("Flask", "A *micro* framework.", author=staff_user, comment="new")
        rev = page.current_revision
        assert (rev.number, rev.author, rev.comment) == (1, staff_user, "new")
        assert rev.html == "<p>A <em>micro</em> framework.</p>"
        assert page.slug == "flask" and page.revision_number == 1

    def test_updates_append_numbered_revisions(self, make_page):
        page = make_page("Flask", "one")
        page = services.page_update(page=page, body="two")
        page = services.page_update(page=page, body="three", comment="third")
        assert list(page.revisions.order_by("number").values_list("number", "body")) == [
            (1, "one"),
            (2, "two"),
            (3, "three"),
        ]
        assert page.body == "three" and page.current_revision.number == 3

    def test_unchanged_save_adds_no_revision(self, make_page):
        page = make_page("Flask", "same")
        page = services.page_update(page=page, body="same")
        assert page.revisions.count() == 1

    def test_revert_restores_text_and_title_as_new_revision(self, make_page):
        page = make_page("Flask", "good text")
        page = services.page_update(page=page, body="vandalised", title="Flask Bad")
        page = services.page_revert(page=page, number=1)
        assert (page.title, page.body, page.revision_number) == ("Flask", "good text", 3)
        assert page.current_revision.comment == "Reverted to revision 1"

    def test_revision_numbers_unique_per_page(self, make_page):
        page = make_page("Flask")
        with pytest.raises(IntegrityError):
            Revision.objects.create(page=page, number=1, title="x", body="y")


class TestValidation:
    @pytest.mark.parametrize(
        "title",
        ["", "   ", "../etc/passwd", "%2e%2e", "a\x00b", "<b>x</b>", 'say "hi"', "x" * 10_000,
         "a/b", "---"],
    )  # fmt: skip
    def test_bad_titles_get_a_clear_error(self, title):
        with pytest.raises(ValidationError) as exc:
            services.page_create(title=title, body="x")
        assert exc.value.messages[0].endswith(".")
        assert not Page.objects.exists()

    def test_title_unique_case_and_punctuation_insensitively(self, make_page):
        make_page("Web Frameworks")
        for clash in ["web frameworks", "WebFrameworks", "web-frameworks"]:
            with pytest.raises(ValidationError, match="already exists"):
                services.page_create(title=clash, body="x")

    def test_database_enforces_case_insensitive_title(self, make_page):
        make_page("Flask")
        with pytest.raises(IntegrityError):
            Page.objects.create(title="FLASK", slug="flask-2")

    def test_body_over_limit_refused(self, settings):
        settings.WIKI_MAX_BODY_BYTES = 100
        with pytest.raises(ValidationError, match="limit is 100 bytes"):
            services.page_create(title="Big", body="x" * 101)
        assert not Page.objects.exists()

    def test_tags_parsed_and_deduplicated(self, make_page):
        page = make_page("Flask", tags="micro, Micro , wsgi,,")
        assert sorted(page.tags.values_list("name", flat=True)) == ["micro", "wsgi"]

    def test_titles_differing_only_in_punctuation_are_one_page(self, make_page):
        make_page("C++")
        with pytest.raises(ValidationError, match="already exists"):
            services.page_create(title="C", body="x")

    def test_slug_collision_after_rename_gets_suffix(self, make_page):
        first = make_page("Foo Bar")
        services.page_update(page=first, body="x", title="Baz")
        second = make_page("Foo Bar")
        assert (first.slug, second.slug) == ("foo-bar", "foo-bar-2")


class TestConflicts:
    def test_second_edit_from_same_base_is_refused_and_nothing_saved(self, make_page):
        page = make_page("Flask", "base")
        services.page_update(page=page, body="first editor", base_revision=1)
        with pytest.raises(services.EditConflict) as exc:
            services.page_update(page=page, body="second editor", base_revision=1)
        assert exc.value.current.body == "first editor"
        page.refresh_from_db()
        assert page.body == "first editor"
        assert page.revisions.count() == 2

    def test_edit_from_current_base_succeeds(self, make_page):
        page = make_page("Flask", "base")
        page = services.page_update(page=page, body="v2", base_revision=1)
        page = services.page_update(page=page, body="v3", base_revision=2)
        assert page.revision_number == 3


class TestLinksFollowPages:
    """Pages naming a title that appears, moves or goes away are marked in the change's
    transaction and re-rendered by the outbox after it (drained here by settle())."""

    def test_creating_a_page_resolves_links_that_wanted_it(self, make_page):
        source = make_page("Overview", "See [[Jinja2]] and WebFrameworks.")
        assert html_of(source).count("wikilink missing") == 2
        assert {w.key for w in wanted_pages()} == {"jinja2", "webframeworks"}
        version = Page.objects.get(pk=source.pk).version
        target = make_page("Jinja2", "Templates.")
        # Marked at once, rendered later: not in the creating request.
        marked = Page.objects.get(pk=source.pk)
        assert marked.needs_render and marked.version > version
        assert Task.objects.filter(topic="wiki.render", key=str(source.pk)).exists()
        assert html_of(source).count("wikilink missing") == 2
        settle()
        assert not Page.objects.get(pk=source.pk).needs_render
        assert '<a class="wikilink" href="/wiki/jinja2/">Jinja2</a>' in html_of(source)
        assert PageLink.objects.get(source=source, target_key="jinja2").target == target
        assert {w.key for w in wanted_pages()} == {"webframeworks"}
        assert list(backlinks(target)) == [source]

    def test_renaming_resolves_new_name_and_keeps_old_by_slug(self, make_page):
        wants_new = make_page("A", "Link to [[Genshi Templates]].")
        wants_old = make_page("B", "Link to [[Genshi]].")
        page = make_page("Genshi", "x")
        settle()
        assert "wikilink missing" in html_of(wants_new)
        page = services.page_update(page=page, body="x", title="Genshi Templates")
        settle()
        assert page.slug == "genshi"  # stable URL
        assert 'href="/wiki/genshi/"' in html_of(wants_new)
        assert "missing" not in html_of(wants_new)
        # the old name still finds the page through its slug
        assert 'href="/wiki/genshi/"' in html_of(wants_old)

    def test_renaming_twice_breaks_links_to_the_middle_name(self, make_page):
        page = make_page("Alpha", "x")
        page = services.page_update(page=page, body="x", title="Beta")
        wants_beta = make_page("Linker", "[[Beta]]")
        assert "missing" not in html_of(wants_beta)
        services.page_update(page=page, body="x", title="Gamma")
        settle()
        assert "wikilink missing" in html_of(wants_beta)
        assert [w.key for w in wanted_pages()] == ["beta"]

    def test_deleting_a_page_turns_links_red_and_lists_it_wanted(self, make_page):
        target = make_page("Mako", "x")
        source = make_page("Engines", "[[Mako]]")
        services.page_delete(page=target)
        # Listed as wanted at once; the link turns red when the page is re-rendered.
        assert [w.key for w in wanted_pages()] == ["mako"]
        settle()
        assert "wikilink missing" in html_of(source)
        assert [(w.key, [p.title for p in w.wanted_by]) for w in wanted_pages()] == [
            ("mako", ["Engines"])
        ]

    def test_orphans(self, make_page):
        lonely = make_page("Lonely", "Links to [[Popular]] and itself: [[Lonely]].")
        popular = make_page("Popular", "x")
        settle()
        assert set(orphan_pages()) == {lonely}
        services.page_update(page=popular, body="Back to [[Lonely]].")
        assert set(orphan_pages()) == set()


class TestRawLoadedPages:
    def test_ensure_rendered_creates_revision_and_links(self, make_page):
        target = make_page("Target", "x")
        page = Page.objects.create(title="Raw", slug="raw", body="Hi [[Target]]")
        assert page.current_revision is None
        page = services.page_ensure_rendered(page)
        assert page.revision_number == 1
        assert 'href="/wiki/target/"' in page.current_revision.html
        assert list(backlinks(target)) == [page]
        services.page_ensure_rendered(page)
        assert page.revisions.count() == 1


def test_an_edit_rewrites_only_the_links_that_changed(make_page):
    target = make_page("Target")
    page = make_page("Source", "[[Target]] and [[Missing]] and [[Gone]]")
    kept = dict(PageLink.objects.filter(source=page).values_list("target_key", "pk"))
    services.page_update(page=page, body="Now [[Target]] and [[Missing]] and [[New One]].")
    after = dict(PageLink.objects.filter(source=page).values_list("target_key", "pk"))
    assert set(after) == {"target", "missing", "newone"}
    assert after["target"] == kept["target"] and after["missing"] == kept["missing"]
    link = PageLink.objects.get(source=page, target_key="target")
    assert (link.target_id, link.resolved) == (target.pk, True)
    # The same key with another spelling: the row follows the text.
    services.page_update(page=page, body="[[TARGET]] only")
    assert list(PageLink.objects.filter(source=page).values_list("target_text", flat=True)) == [
        "TARGET"
    ]
