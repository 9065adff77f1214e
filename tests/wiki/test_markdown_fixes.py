"""wiki/markdown_fixes.py: the same HTML as Python-Markdown as released, for ordinary pages and
random documents, and the hostile shapes render what they should. Speed is measured by
bench/markdown_shapes.py, not here."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki import markdown_fixes, markup
from wiki.links import MissingPageUrls, registry

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_PAGES = sorted((ROOT / "fixtures" / "_source" / "pages").glob("*.md"))


def _markdown(fixed: bool):
    real_install = markdown_fixes.install
    markup._local.md = None
    if not fixed:
        markdown_fixes.install = lambda md: md
    try:
        return markup._markdown()
    finally:
        markdown_fixes.install = real_install
        markup._local.md = None


@pytest.fixture(scope="module")
def both():
    """convert(body, fixed) → the site's conversion (wiki.markup.convert: Markdown, wiki
    links, sanitizing) with or without the fixes; no database."""
    instances = {True: _markdown(True), False: _markdown(False)}
    targets = markup.Targets(prefixes=registry.specs(), missing=MissingPageUrls.current())

    def convert(body: str, fixed: bool) -> str:
        markup._local.md = instances[fixed]
        try:
            return markup.convert(body, targets).html
        finally:
            markup._local.md = None

    return convert


ORDINARY = [
    "# Title\n\nA paragraph with *emphasis*, **strong**, `code` and a [link](https://x.org/).",
    "Setext title\n============\n\nSub\n---\n\ntext",
    "- one\n- two\n    - nested\n- three\n\n1. first\n2. second\n\n3. loose",
    "> quoted\n> > nested\nlazy line\n\n> # heading in a quote",
    "| Name | Kind |\n| :--- | ---: |\n| Flask | micro |\n| Django | full |\n",
    "|one|\n|---|\n|cell|\n",
    "```python\ndef f():\n    return 1\n```\n\n    indented code\n    more\n\nafter",
    "Text[^1] and more[^n].\n\n[^1]: A note.\n[^n]: Another\n    continued.\n",
    "[ref link][r] and [r]\n\n[r]: https://example.org/ 'Title'\n",
    "***\n\n---\n\n___\n\ntext\n- - -\n",
    "line one  \nline two\\\nthree &amp; &copy; &#169; \\* not em \\\\ slash",
    "<div>raw <b>html</b></div>\n\n<http://example.org/> and <a@b.org>",
    "See [[Flask]], [[Page|label]], WebFrameworks, !WikiWord and DesignPatterns#MVC.",
    "- [ ] todo\n- [x] done\n\n~~gone~~ and https://example.org/a?b=c",
    "# A\n## B\n### C\ntext\n# D",
    "    code\n# heading\n    code again\n",
]


@pytest.mark.parametrize("path", FIXTURE_PAGES, ids=lambda p: p.name)
def test_fixture_pages_render_identically(both, path):
    body = path.read_text()
    assert both(body, fixed=True) == both(body, fixed=False)


@pytest.mark.parametrize("body", ORDINARY)
def test_ordinary_markdown_renders_identically(both, body):
    assert both(body, fixed=True) == both(body, fixed=False)


ATOMS = [
    "a", "b c", "#", "# h", "## x #", "=", "==", "-", "---", "***", "* * *", "_", "|",
    "|a|b|", "|-|-|", "| --- |", ":-", "\\", "\\|", ">", "> q", ">>", "    code", "\t", "  ",
    "1. i", "- i", "* i", "+ i", "[r]: http://x", "[r]", "[^1]", "[^1]: note", "    more",
    "```", "```py", "~~~", "<div>", "</div>", "<p>", "&amp;", "&#1;", "&x", "`c`", "[[Page]]",
    "WikiWord", "!WikiWord", "[a](b)", "<http://x.y>", "<a@b.c>", "**s**", "*e*", "~~d~~",
    "- [ ] t", "  \n", "http://e.x/a", "\u0430",
]  # fmt: skip
documents = st.lists(
    st.tuples(
        st.sampled_from(["", "  ", "    "]),
        st.sampled_from(ATOMS),
        st.sampled_from(["\n", "\n", "\n\n", " ", ""]),
    ),
    max_size=30,
).map(lambda parts: "".join(a + b + c for a, b, c in parts))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_render_identically(both, body):
    assert both(body, fixed=True) == both(body, fixed=False)


def test_the_fixes_are_installed_on_the_site_renderer():
    md = _markdown(True)
    assert isinstance(md.parser.blockprocessors["table"], markdown_fixes.LinearTableProcessor)
    assert isinstance(md.treeprocessors["inline"], markdown_fixes.LinearInlineProcessor)
    assert isinstance(
        md.parser.blockprocessors["hashheader"].RE, markdown_fixes._RememberingPattern
    )


# The shapes that were quadratic, each rendering what it should (sizes where the released
# parser takes seconds; the benchmark has the full sizes and the times).
class TestHostileShapesRenderCorrectly:
    def test_setext_headings(self, both):
        html = both("a\n=\nb\n-\n" * 3000, fixed=True)
        assert html.count('<h1 id="a') == 3000
        assert html.count('<h2 id="b') == 3000

    def test_dash_lines_are_level_two_headings(self, both):
        html = both("-\n" * 6000, fixed=True)
        assert html.count("<h2") == 3000
        assert html.count("<h2") == both("-\n" * 10, fixed=False).count("<h2") * 600

    def test_atx_headings(self, both):
        html = both("".join(f"# Heading {i}\n" for i in range(5000)), fixed=True)
        assert html.count("<h1") == 5000
        assert ">Heading 4999<" in html

    def test_entities(self, both):
        html = both("x &amp; " * 40_000, fixed=True)
        assert html.count("&amp;") == 40_000

    def test_backslashes(self, both):
        html = both("\\" * 100_000, fixed=True)
        assert html == "<p>" + "\\" * 50_000 + "</p>"

    def test_one_column_table_test(self, both):
        html = both("|x\n# h|\n" * 3000, fixed=True)
        assert html.count("<h1") == 3000
        assert "<table" not in html

    def test_rules_and_text(self, both):
        html = both("***\n" * 4000 + "***\na\n" * 4000, fixed=True)
        assert html.count("<hr") == 8000
        assert html.count("<p>a</p>") == 4000

    def test_code_and_headings(self, both):
        html = both("    c\n# x\n" * 2000, fixed=True)
        assert html.count("<pre") == 2000
        assert html.count("<h1") == 2000

    def test_reference_definitions_between_text(self, both):
        body = "".join(f"[r{i}]: http://example.org/{i}\na [r{i}]\n" for i in range(2000))
        html = both(body, fixed=True)
        assert html.count('<a href="http://example.org/') == 2000

    def test_headings_in_a_quote(self, both):
        html = both("> # a\n" * 4000, fixed=True)
        assert html.count("<blockquote>") == 1
        assert html.count("<h1") == 4000

    def test_hard_line_breaks(self, both):
        html = both("a  \n" * 10_000 + "end", fixed=True)
        assert html.count("<br>") == 10_000

    def test_wiki_words_on_every_line(self, both):
        html = both("WikiWord  \n" * 5000, fixed=True)
        assert html.count('class="wikilink missing"') == 5000
