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
