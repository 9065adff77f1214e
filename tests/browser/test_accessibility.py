"""Keyboard and accessibility: landmarks, labels, the skip link, visible focus, and axe-core
(from the npm registry, installed by `make browsers`) with no serious or critical finding."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PUBLIC_PAGES, open_admin_editor

pytestmark = pytest.mark.browser

AXE_PAGES = {
    name: PUBLIC_PAGES[name]
    for name in (
        "front",
        "wiki-page",
        "page-list",
        "history",
        "diff",
        "catalog-list",
        "framework",
        "matrix",
        "compare",
        "compare-one",
        "cell",
        "search",
        "did-you-mean",
        "grid",
        "grid-group",
        "capability",
        "catalog-history",
    )
}

UNLABELLED = """() => Array.from(document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"))
  .filter(el => el.offsetParent !== null || el.closest("details"))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !el.title)
  .map(el => el.outerHTML.slice(0, 120))"""

FOCUS_STYLE = """() => { const el = document.activeElement; const s = getComputedStyle(el);
  return { tag: el.tagName, text: (el.textContent || el.value || "").trim().slice(0, 40),
           outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
           shadow: s.boxShadow !== "none" }; }"""


def run_axe(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
                 v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))"""
    )
    return result


@pytest.fixture
def axe_context(new_context):
    # axe is injected as an inline script: only this context bypasses the CSP.
    context, _ = new_context(bypass_csp=True)
    return context


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_public_pages(axe_context, axe_source, name):
    page = axe_context.new_page()
    page.goto(AXE_PAGES[name])
    violations = run_axe(page, axe_source)
    assert not violations, f"{AXE_PAGES[name]}:\n" + "\n".join(violations)


def test_axe_charts_page(axe_context, axe_source):
    page = axe_context.new_page()
    page.goto(PUBLIC_PAGES["charts"])
    violations = run_axe(page, axe_source)
    assert not violations, "\n".join(violations)


def test_axe_admin_edit_page(new_context, axe_source):
    context, _ = new_context(staff=True, bypass_csp=True)
    page = context.new_page()
    open_admin_editor(page)
    expect(page.locator("#wiki-preview a.wikilink").first).to_be_visible()
    violations = run_axe(page, axe_source)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("name", ["front", "wiki-page", "catalog-list", "matrix", "search"])
def test_landmarks_and_labels(page, name):
    page.goto(PUBLIC_PAGES[name])
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("search").first).to_be_visible()
    # The page's own heading first; Markdown content may hold more level-one headings.
    expect(page.locator("main h1").first).to_be_attached()
    assert page.locator("h1").count() == page.locator("main h1").count()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title().strip()
    unlabelled = page.evaluate(UNLABELLED)
    assert not unlabelled, unlabelled


def test_skip_link_and_visible_focus(page):
    page.goto("/wiki/web-frameworks/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["width"] > 20, f"the skip link is not shown: {box}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From the top, every stop in the header shows where the focus is.
    page.goto("/wiki/web-frameworks/")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STYLE)
        seen.append(state)
        assert state["outline"] or state["shadow"], f"no visible focus on {state}"
    tags = {s["tag"] for s in seen}
    assert {"A", "INPUT", "BUTTON"} <= tags, seen


def test_suggestions_are_announced_as_a_listbox(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the wiki and catalog")
    box.press_sequentially("dja", delay=30)
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()
