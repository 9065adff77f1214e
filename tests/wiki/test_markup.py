import re

import pytest

from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki.links import Target, registry
from wiki.markup import sanitize
from wiki.render import render

pytestmark = pytest.mark.django_db


def links(html: str) -> list[tuple[str, str, str]]:
    """(class, href, text) of every <a> in the HTML."""
    return re.findall(r'<a class="([^"]*)" href="([^"]*)"[^>]*>(.*?)</a>', html)


class TestWikiLinks:
    def test_double_bracket_link_resolves_by_title_case_insensitively(self, make_page):
        make_page("Template Engines")
        html = render("See [[template engines]].").html
        assert links(html) == [("wikilink", "/wiki/template-engines/", "template engines")]

    def test_link_resolves_by_slug(self, make_page):
        make_page("Template Engines")
        html = render("[[template-engines]]").html
        assert 'href="/wiki/template-engines/"' in html

    def test_label_and_anchor(self, make_page):
        make_page("Design Patterns")
        html = render("[[Design Patterns#MVC|the MVC section]]").html
        assert links(html) == [("wikilink", "/wiki/design-patterns/#MVC", "the MVC section")]

    def test_missing_target_is_red_link_to_create(self):
        rendered = render("[[No Such Page]]")
        assert links(rendered.html) == [
            ("wikilink missing", "/wiki/no-such-page/?title=No+Such+Page", "No Such Page")
        ]
        assert [(link.key, link.resolved) for link in rendered.links] == [("nosuchpage", False)]

    def test_prefixed_link_through_registry(self):
        def resolve(names):
            return {n: Target(f"/catalog/{n}/", n.title()) for n in names if n == "flask"}

        registry.register("testfw", resolve, label="Test framework")
        try:
            rendered = render("[[testfw:Flask]] and [[testfw:nope]] and [[testfw:flask|it]]")
        finally:
            registry.unregister("testfw")
        assert '<a class="wikilink testfw" href="/catalog/flask/">Flask</a>' in rendered.html
        assert '<a class="wikilink testfw" href="/catalog/flask/">it</a>' in rendered.html
        assert '<span class="wikilink missing testfw"' in rendered.html
        assert {(link.kind, link.key, link.resolved) for link in rendered.links} == {
            ("testfw", "flask", True),
            ("testfw", "nope", False),
        }

    def test_unknown_prefix_is_an_ordinary_page_title(self):
        html = render("[[Python 3: what is new]]").html
        assert "wikilink missing" in html
        assert "Python 3: what is new" in html


class TestCamelCase:
    def test_wikiword_links(self, make_page):
        make_page("WebFrameworks")
        html = render("All WebFrameworks are here.").html
        assert links(html) == [("wikilink", "/wiki/web-frameworks/", "WebFrameworks")]

    def test_wikiword_matches_spaced_title(self, make_page):
        make_page("Content Management Systems")
        html = render("See ContentManagementSystems.").html
        assert 'href="/wiki/content-management-systems/"' in html

    def test_wikiword_with_anchor(self, make_page):
        make_page("DesignPatterns")
        html = render("DesignPatterns#ConventionOverConfiguration").html
        assert 'href="/wiki/design-patterns/#ConventionOverConfiguration"' in html

    def test_bang_escapes(self):
        rendered = render("Not a link: !WebFrameworks, but FrontPage is.")
        assert "Not a link: WebFrameworks," in rendered.html
        assert "!WebFrameworks" not in rendered.html
        assert [link.key for link in rendered.links] == ["frontpage"]

    def test_not_touched_inside_code(self):
        rendered = render(
            "`WebFrameworks` and\n\n```python\nclass WebFrameworks: pass  # [[Nope]]\n```\n\n"
            "    IndentedCode WikiWord\n"
        )
        assert rendered.links == []
        assert "<a" not in rendered.html

    def test_not_touched_inside_links_or_urls(self):
        rendered = render(
            "[WebFrameworks](https://example.com/) and "
            "https://wiki.python.org/moin/WebFrameworks and <https://example.com/FooBar>"
        )
        assert rendered.links == []

    def test_single_capital_words_and_acronyms_are_not_wikiwords(self):
        assert render("Python, CGI, FastCGI, WSGI and mod_wsgi.").links == []


class TestMarkup:
    def test_table_footnote_and_code_highlight(self):
        html = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^n].\n\n[^n]: Note.\n\n"
            "```python\nimport flask\n```\n"
        ).html
        assert "<table>" in html and "<td>1</td>" in html
        assert 'class="footnote"' in html and 'href="#fn:n"' in html
        assert '<span class="kn">import</span>' in html

    def test_toc_only_with_three_headings(self):
        two = render("# A\n\n## B\n")
        three = render("# A\n\n## B\n\n## C\n")
        assert 'class="toc"' not in two.html
        assert 'class="toc"' in three.html and 'href="#c"' in three.html
        assert '<h2 id="b">' in three.html

    def test_heading_anchors(self):
        html = render("## Template Engines\n").html
        assert 'id="template-engines"' in html and 'class="headerlink"' in html


class TestSanitize:
    @pytest.mark.parametrize("payload", XSS_PAYLOADS)
    def test_payload_is_inert(self, payload):
        assert_inert(render(payload).html)

    @pytest.mark.parametrize("payload", XSS_PAYLOADS)
    def test_sanitizing_twice_changes_nothing(self, payload):
        once = render(payload).html
        assert sanitize(once) == once

    def test_safe_links_survive(self):
        html = render("[ok](https://example.com/) [mail](mailto:a@example.com) [rel](/wiki/)").html
        assert 'href="https://example.com/"' in html
        assert 'href="mailto:a@example.com"' in html
        assert 'href="/wiki/"' in html

    def test_text_align_style_kept_other_styles_dropped(self):
        html = render('| a |\n|:-:|\n| b |\n\n<p style="position:fixed">x</p>').html
        assert "text-align:center" in html.replace(" ", "")
        assert "position" not in html


def test_inspector_catches_active_content():
    # The checker itself must be able to fail.
    from tests.payloads import active_content

    assert active_content('<img src=x onerror="alert(1)">')
    assert active_content('<a href=" jav\tascript:alert(1)">x</a>')
    assert active_content("<script>alert(1)</script>")
    assert not active_content('<a href="https://example.com/">x</a>')


def test_escaped_wikiword_after_a_link_stays_escaped(make_page):
    rendered = render("CherryPy ships no !JavaScript, but WebFrameworks do.")
    assert [link.key for link in rendered.links] == ["cherrypy", "webframeworks"]
    assert "no JavaScript," in rendered.html


class TestBoundedRendering:
    """Hostile shapes render within a bound (the child's time limit), never hang or crash."""

    @pytest.mark.parametrize(
        "body",
        [
            "".join("  " * i + "- x\n" for i in range(3000)),
            "> " * 50_000,
            "[" * 60_000,
            "[[a" * 20_000,
            "<a " * 30_000,
            "` a" * 30_000,
        ],
        ids=["nested-lists", "nested-quotes", "brackets", "wikilinks", "tags", "backticks"],
    )
    def test_hostile_markdown_is_bounded(self, body, settings):
        import time

        settings.WIKI_RENDER_TIMEOUT = 2.0
        started = time.monotonic()
        rendered = render(body)
        # A safety bound on a hang, not a speed measurement (those live in bench/).
        assert time.monotonic() - started < 30
        assert_inert(rendered.html)


def test_page_urls_follow_the_script_prefix(make_page):
    """Link URLs are remembered per URLconf and script prefix: a site served under a
    sub-path links there."""
    from django.urls import set_script_prefix

    from wiki.links import page_url

    make_page("Target Page")
    assert page_url("target-page") == "/wiki/target-page/"
    set_script_prefix("/sub/")
    try:
        assert page_url("target-page") == "/sub/wiki/target-page/"
        assert 'href="/sub/wiki/target-page/"' in render("[[Target Page]]").html
    finally:
        set_script_prefix("/")
    assert 'href="/wiki/target-page/"' in render("[[Target Page]]").html
