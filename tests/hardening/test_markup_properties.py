"""Property tests of markup → HTML: any mix of Markdown, raw HTML, payload pieces, wiki
links and unicode renders without raising, inert, already sanitized (sanitizing again
changes nothing), and a 1 MB body renders within a generous bound (a hang guard)."""

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki.markup import sanitize
from wiki.render import render

pytestmark = pytest.mark.django_db

FRAGMENTS = [
    *XSS_PAYLOADS,
    "# ", "## Heading\n", "> ", "- ", "1. ", "* [ ] ", "```\n", "```python\n", "~~~\n", "`",
    "**", "_", "~~", "|a|b|\n|-|-|\n", "[", "]", "(", ")", "![", "<", ">", "&", "&amp;",
    "&#x6A;", "&#106;", "\n", "\n\n", "    ", "\t", "[[", "]]", "|", "#", "[[Page Title]]",
    "[[Page|label]]", "[[framework:flask]]", "[[component:jinja2]]", "WebFrameworks",
    "!WikiWord", "[^1]", "[^1]: note\n", "https://example.com/a?b=c&d", "javascript:",
    "java\u0000script:", "JaVaScRiPt:", "data:", "vbscript:", "on", "onerror=", "alert(1)",
    "<a href=", "<img src=", "<svg", "<math", "<style>", "</", "-->", "<!--", "<![CDATA[",
    "\u202e", "\u200b", "\ufeff", "é", "日本語", "🐍", "\x7f", "\u2028",
]  # fmt: skip

text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map(
    "".join
)

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(body=text)
def test_render_never_raises_and_is_inert(body):
    html = render(body).html
    assert isinstance(html, str)
    assert_inert(html)


@PROPERTY_SETTINGS
@given(body=text)
def test_sanitize_is_idempotent_on_rendered_html(body):
    html = render(body).html
    assert sanitize(html) == html


@settings(max_examples=100, deadline=None)
@given(raw=text)
@example(raw="<!--<script>alert(1)</script>-->\ufeff")  # found by Hypothesis: a BOM left first
def test_sanitize_alone_is_inert_and_idempotent(raw):
    once = sanitize(raw)
    assert_inert(once)
    assert sanitize(once) == once


@pytest.mark.parametrize(
    "unit",
    [
        "Plain words and **bold** text with a [[Link]] and `code`.\n\n",
        "<div><b><i>" * 3 + "x" + "</i></b></div>" * 3 + "\n",
        "> " * 30 + "deep quote\n",
        "[" * 50 + "x" + "]" * 50 + "(" * 20 + "\n",
        "".join(XSS_PAYLOADS) + "\n",
    ],
    ids=["prose", "nested-html", "quotes", "brackets", "payloads"],
)
def test_a_megabyte_renders_within_a_bound(unit):
    body = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    started = time.monotonic()
    html = render(body).html
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{elapsed:.1f} s"
    assert_inert(html)
