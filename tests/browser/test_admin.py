"""Editing in the admin: live preview, saving, the new revision in the page and in search,
and two editors saving the same page."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, STAFF_USER

pytestmark = pytest.mark.browser


def open_editor(page, slug: str):
    page.goto(f"/wiki/{slug}/")
    page.get_by_role("navigation", name="Page").get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(r"/admin/wiki/page/\d+/change/"))
    expect(page.locator("#id_body")).to_be_editable()


def append(page, text: str) -> None:
    body = page.locator("#id_body")
    body.press("Control+End")
    body.press_sequentially(text, delay=5)


def test_log_in_through_the_form(page):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill(STAFF_USER)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_be_visible()
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("link", name="Pages")).to_be_visible()


def test_log_in_from_a_page_returns_to_it(page):
    page.goto("/wiki/web-components/")
    page.get_by_role("contentinfo").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/wiki/web-components/$"))
    page.get_by_label("Username").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/wiki/web-components/$"))
    expect(
        page.get_by_role("navigation", name="Page").get_by_role("link", name="Edit")
    ).to_be_visible()


def test_preview_sits_beside_the_text_on_a_wide_screen(new_context, shoot):
    context, _ = new_context(staff=True, viewport={"width": 1366, "height": 900})
    editor = context.new_page()
    open_editor(editor, "web-frameworks")
    expect(editor.locator("#wiki-preview a.wikilink").first).to_be_visible()
    body = editor.locator("#id_body").bounding_box()
    preview = editor.locator(".wiki-preview-panel").bounding_box()
    assert preview["x"] >= body["x"] + body["width"], (body, preview)
    assert preview["y"] < body["y"] + body["height"], (body, preview)  # side by side
    shoot(editor, "admin-edit-desktop")


def test_edit_with_live_preview_then_save(staff_page, page, shoot):
    editor = staff_page
    open_editor(editor, "content-management-systems")
    preview = editor.locator("#wiki-preview")
    # The preview starts from the saved text, rendered by the server.
    expect(preview.locator("a.wikilink").first).to_be_visible()

    append(editor, "\n\nQuuxplorer notes: see [[WebFrameworks|the framework list]] and ~~gone~~.")
    # Only the server knows that WebFrameworks exists, and where it lives.
    link = preview.locator("a.wikilink", has_text="the framework list")
    expect(link).to_have_attribute("href", "/wiki/web-frameworks/")
    expect(preview.locator("del")).to_have_text("gone")
    expect(preview).to_contain_text("Quuxplorer notes")
    editor.get_by_label("Edit summary").fill("Quuxplorer notes from the browser test")
    editor.locator("#wiki-preview-heading").evaluate("el => el.scrollIntoView({block: 'center'})")
    assert not editor.problems.errors, editor.problems.errors

    editor.get_by_role("button", name="Save", exact=True).click()
    # Saving returns the editor to the page, with a message there.
    expect(editor).to_have_url(re.compile(r"/wiki/content-management-systems/$"))
    expect(editor.locator(".messages li.success")).to_contain_text("revision 2")
    expect(editor.locator(".page-body")).to_contain_text("Quuxplorer notes")

    # Anyone sees the new revision on the page...
    page.goto("/wiki/content-management-systems/")
    expect(page.locator(".page-body")).to_contain_text("Quuxplorer notes")
    expect(page.locator(".page-meta")).to_contain_text("Revision 2")
    expect(page.locator(".page-meta")).to_contain_text("Quuxplorer notes from the browser test")
    page.get_by_role("navigation", name="Page").get_by_role("link", name="History").click()
    expect(page.locator("table.history tbody tr").first).to_contain_text(STAFF_USER)

    # ...and search finds the new word (the index is updated after the commit).
    deadline = time.monotonic() + 10
    while True:
        page.goto("/search/?q=quuxplorer")
        if page.locator(".search-hit").count() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    hit = page.locator(".search-hit").first
    expect(hit.get_by_role("link")).to_have_text("ContentManagementSystems")
    expect(hit.locator("mark")).to_have_text(re.compile("quuxplorer", re.I))


def test_edit_conflict_keeps_the_second_editors_text(new_context, shoot):
    a_context, _ = new_context(staff=True)
    b_context, b_problems = new_context(staff=True)
    a, b = a_context.new_page(), b_context.new_page()
    open_editor(a, "pycopia-web-framework")
    open_editor(b, "pycopia-web-framework")
    base = a.locator("input[name=base_revision]").input_value()
    assert base == b.locator("input[name=base_revision]").input_value()

    append(a, "\n\nAlpha editor was here.")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(a.locator(".messages li.success")).to_be_visible()

    append(b, "\n\nBravo editor was here.")
    b.get_by_role("button", name="Save", exact=True).click()
    expect(b.locator(".errorlist li", has_text="Edit conflict")).to_be_visible()
    expect(b.locator(".wiki-conflict")).to_contain_text("Alpha editor was here.")
    assert "Bravo editor was here." in b.locator("#id_body").input_value()
    assert "Alpha editor was here." not in b.locator("#id_body").input_value()
    assert b.locator("input[name=base_revision]").input_value() == str(int(base) + 1)
    b.locator(".wiki-conflict").scroll_into_view_if_needed()
    shoot(b, "admin-conflict-desktop")

    # Saving again knowingly replaces A's change.
    b.get_by_role("button", name="Save", exact=True).click()
    expect(b.locator(".messages li.success")).to_be_visible()
    expect(b.locator(".page-body")).to_contain_text("Bravo editor was here.")
    expect(b.locator(".page-meta")).to_contain_text(f"Revision {int(base) + 2}")
    assert not b_problems.errors, b_problems.errors
