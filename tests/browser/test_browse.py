"""Reading the wiki: links between pages, backlinks, history, diffs, and red links."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def content_link(page, name: str):
    return page.locator(".wiki-content a.wikilink", has_text=re.compile(rf"^{name}$")).first


def test_front_page_to_a_diff(page, shoot):
    page.goto("/")
    expect(page.locator(".wiki-content h1")).to_contain_text("Python Web Frameworks Wiki")
    shoot(page, "front-desktop")

    # "WebComponents" is a bare CamelCase word in FrontPage's text.
    content_link(page, "WebComponents").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-components/$"))
    expect(page.locator(".page-header h1")).to_have_text("WebComponents")

    # WebComponents writes [[WebFrameworks]].
    content_link(page, "WebFrameworks").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/$"))
    expect(page.locator(".page-header h1")).to_have_text("WebFrameworks")
    shoot(page, "page-desktop")

    tabs = page.get_by_role("navigation", name="Page")
    tabs.get_by_role("link", name="Backlinks").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/backlinks/$"))
    backlinks = page.locator("main")
    for source in ("WebComponents", "FrontPage", "PythonFrameworks"):
        expect(backlinks.get_by_role("link", name=source, exact=True)).to_be_visible()

    tabs.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/history/$"))
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Point to the components")
    shoot(page, "history-desktop")

    page.get_by_role("link", name="diff with r1").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/diff/1/2/$"))
    expect(page.locator(".diff-line.add").filter(has_text="See also WebComponents")).to_be_visible()
    shoot(page, "diff-desktop")
    assert not page.problems.errors


def test_red_link_anonymous(page):
    page.goto("/wiki/web-components/")
    red = page.locator(".wiki-content a.wikilink.missing", has_text="SessionManagement").first
    expect(red).to_be_visible()
    color = red.evaluate("el => getComputedStyle(el).color")
    assert color != page.locator(".wiki-content a.wikilink:not(.missing)").first.evaluate(
        "el => getComputedStyle(el).color"
    ), "a missing page's link should look different"
    red.click()
    expect(page.locator("h1")).to_contain_text("No such page yet")
    expect(page.locator("h1")).to_contain_text("SessionManagement")
    expect(page.get_by_role("link", name=re.compile("Create the page"))).to_have_count(0)


def test_red_link_leads_staff_to_the_create_form(staff_page):
    page = staff_page
    page.goto("/wiki/web-components/")
    page.locator(".wiki-content a.wikilink.missing", has_text="DatabaseLibraries").click()
    expect(page.locator("h1")).to_contain_text("No such page yet")
    page.get_by_role("link", name=re.compile("Create the page")).click()
    expect(page).to_have_url(re.compile(r"/admin/wiki/page/add/"))
    expect(page.locator("#id_title")).to_have_value("DatabaseLibraries")
    expect(page.locator("#id_body")).to_be_editable()
