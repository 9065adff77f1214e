"""The site's conventions in a browser: page names in any spelling arrive at the page,
editors' tools are shown to editors only, the favicon loads, history compares any two."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("spelling", ["FrontPage", "frontpage", "Front-Page"])
def test_any_spelling_of_a_page_arrives_at_it(page, spelling):
    response = page.goto(f"/wiki/{spelling}/")
    assert response.status == 200
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.redirected_to.url.endswith("/wiki/front-page/")
    expect(page).to_have_url(re.compile(r"/wiki/front-page/$"))
    expect(page.locator(".page-header h1")).to_have_text("FrontPage")


def test_a_missing_page_says_who_wants_it(page):
    response = page.goto("/wiki/session-management/?title=SessionManagement")
    assert response.status == 404
    section = page.locator("section", has=page.get_by_role("heading", name="Pages that link here"))
    expect(section.get_by_role("link", name="WebComponents")).to_be_visible()


def test_editors_tools_only_in_editors_navigation(page, staff_page):
    for who, tab in (("reader", page), ("editor", staff_page)):
        tab.goto("/catalog/matrix/")
        catalog_nav = tab.get_by_role("navigation", name="Catalog")
        footer = tab.get_by_role("contentinfo")
        expected = 1 if who == "editor" else 0
        expect(catalog_nav.get_by_role("link", name="Upkeep")).to_have_count(expected)
        expect(footer.get_by_role("link", name="Wanted pages")).to_have_count(expected)
        expect(footer.get_by_role("link", name="Log in")).to_have_count(1 - expected)
    page.goto("/catalog/upkeep/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/catalog/upkeep/"))
    staff_page.goto("/catalog/upkeep/")
    expect(staff_page.locator("h1")).to_have_text("Matrix upkeep")


def test_favicon_and_no_console_errors(page):
    page.goto("/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200
    assert page.request.get("/favicon.ico").status == 200  # followed to the SVG
    page.wait_for_load_state("load")
    assert not page.problems.errors, page.problems.errors


def test_history_compares_any_two_revisions(page, shoot):
    page.goto("/wiki/web-frameworks/history/")
    expect(page.get_by_role("radio", name="Compare from revision 1")).to_be_checked()
    expect(page.get_by_role("radio", name="Compare to revision 2")).to_be_checked()
    page.get_by_role("radio", name="Compare from revision 2").check()
    page.get_by_role("radio", name="Compare to revision 1").check()
    shoot(page, "history-desktop")
    page.get_by_role("button", name="Compare the chosen revisions").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-frameworks/diff/1/2/$"))
    expect(page.locator(".diff-line.add").filter(has_text="See also WebComponents")).to_be_visible()
