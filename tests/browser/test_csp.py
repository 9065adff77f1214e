"""Under the real Content-Security-Policy (script-src 'self'), the pages and the admin's live
preview run without a console error, an uncaught exception or a CSP violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PUBLIC_PAGES, open_admin_editor

pytestmark = pytest.mark.browser


def test_the_detector_sees_a_blocked_inline_script(page):
    """If this fails, the checks below could not fail either."""
    page.goto("/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.append(s); }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.__ran") is None, "an inline script ran: the CSP is missing"
    page.problems.collect_csp(page)
    assert any("CSP violation: script-src" in e for e in page.problems.errors), page.problems.errors


def test_public_pages_have_no_errors(page):
    for name, url in PUBLIC_PAGES.items():
        response = page.goto(url)
        expected = 404 if name == "missing-page" else 200
        assert response.status == expected, (url, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        page.problems.collect_csp(page)
    # The header's suggestions are fetched by script, under the same policy.
    page.locator("#site-search-q").press_sequentially("fla", delay=30)
    expect(page.locator("#site-search-listbox [role=option]").first).to_be_visible()
    page.problems.collect_csp(page)
    # The missing page answers 404 on purpose; anything else is a problem.
    missing = PUBLIC_PAGES["missing-page"].split("?")[0]
    problems = [e for e in page.problems.errors if not ("status of 404" in e and missing in e)]
    assert not problems, "\n".join(problems)


def test_admin_edit_page_and_live_preview_under_the_csp(staff_page):
    page = staff_page
    open_admin_editor(page)
    preview = page.locator("#wiki-preview")
    expect(preview.locator("a.wikilink").first).to_be_visible()
    page.locator("#id_body").press("Control+End")
    page.locator("#id_body").press_sequentially("\n\n## Preview under CSP", delay=5)
    expect(preview.get_by_role("heading", name="Preview under CSP")).to_be_visible()
    page.problems.collect_csp(page)
    assert not page.problems.errors, "\n".join(page.problems.errors)
