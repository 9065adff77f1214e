"""Search: suggestions as you type in the header, highlights, facets, did-you-mean."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_header_suggestions_with_the_keyboard(page, shoot):
    page.goto("/wiki/")
    box = page.get_by_role("combobox", name="Search the wiki and catalog")
    box.press_sequentially("web", delay=40)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    titles = options.locator("span:not(.kind)").all_inner_texts()
    assert "WebFrameworks" in titles, titles
    shoot(page, "suggestions-desktop")

    # Arrow down to WebFrameworks (wrapping is fine), then Enter opens it.
    for _ in range(titles.index("WebFrameworks") + 1):
        box.press("ArrowDown")
    selected = listbox.locator("[aria-selected=true]")
    expect(selected).to_contain_text("WebFrameworks")
    expect(box).to_have_attribute("aria-activedescendant", selected.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/$"))
    expect(page.locator(".page-header h1")).to_have_text("WebFrameworks")


def test_escape_closes_and_enter_submits(page):
    page.goto("/")
    box = page.locator("#site-search-q")
    box.press_sequentially("flask", delay=30)
    expect(page.locator("#site-search-listbox")).to_be_visible()
    box.press("Escape")
    expect(page.locator("#site-search-listbox")).to_be_hidden()
    box.press("Enter")  # nothing highlighted: the form submits to the results page
    expect(page).to_have_url(re.compile(r"/search/\?q=flask$"))
    expect(page.locator(".search-hit").first).to_be_visible()


def test_results_highlights_and_facets(page, shoot):
    page.goto("/search/?q=template")
    hits = page.locator(".search-hit")
    expect(hits.first).to_be_visible()
    marks = page.locator(".search-hit mark")
    expect(marks.first).to_be_visible()
    assert {m.lower() for m in marks.all_inner_texts()} <= {"template", "templates", "templating"}
    shoot(page, "search-desktop")

    facets = page.get_by_role("complementary", name="Refine the results")
    total = int(re.search(r"([\d,]+) result", page.locator(".search-main").inner_text())[1])
    link = facets.get_by_role("link", name="Wiki page")
    expected = int(link.locator("xpath=..").locator(".count").inner_text())
    link.click()
    expect(page).to_have_url(re.compile(r"kind=page"))
    expect(page.locator(".search-main")).to_contain_text(f"{expected} result")
    assert expected < total
    badges = page.locator(".search-hit h2 .badge").all_inner_texts()
    assert badges and all(b == badges[0] for b in badges), badges
    for url in page.locator(".search-hit .hit-url").all_inner_texts():
        assert url.startswith("/wiki/"), url
    expect(facets.locator("[aria-current=true]")).to_have_text("Wiki page")

    facets.get_by_role("link", name="All").first.click()
    expect(page).not_to_have_url(re.compile(r"kind=page"))
    expect(page.locator(".search-main")).to_contain_text(f"{total} result")


def test_did_you_mean(page):
    page.goto("/search/?q=cherypy")
    suggestion = page.locator(".did-you-mean a")
    expect(suggestion).to_have_text("cherrypy")
    suggestion.click()
    expect(page).to_have_url(re.compile(r"q=cherrypy"))
    expect(page.get_by_role("link", name="CherryPy", exact=True).first).to_be_visible()
    expect(page.locator(".search-hit mark").first).to_be_visible()
    expect(page.locator(".did-you-mean")).to_have_count(0)


def test_slash_focuses_the_search_box(page):
    page.goto("/wiki/")
    box = page.locator("#site-search-q")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the slash itself is not typed
    box.press_sequentially("dj", delay=40)
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options.first).to_contain_text("Django")  # the framework before djng


def test_landing_page_highlights_the_query_words(page, shoot):
    page.goto("/search/?q=keith+dart")
    first = page.locator(".search-hit h2 a").first
    expect(first).to_have_attribute("href", re.compile(r"highlight=keith"))
    first.click()
    expect(page).to_have_url(re.compile(r"highlight=keith"))
    marks = page.locator("#main mark.search-highlight")
    expect(marks.first).to_be_visible()
    texts = [m.lower() for m in marks.all_text_contents()]
    assert texts and all(t.startswith(("keith", "dart")) for t in texts), texts
    shoot(page, "search-landing-highlight")


def test_a_section_hit_opens_at_its_heading(page):
    page.goto("/search/?q=luke+arno")
    section = page.locator(".search-hit .hit-section a").first
    expect(section).to_be_visible()
    href = section.get_attribute("href")
    assert "#" in href and "highlight=" in href, href
    section.click()
    anchor = href.split("#", 1)[1]
    expect(page.locator(f"[id='{anchor}']")).to_be_in_viewport()
