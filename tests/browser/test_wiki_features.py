"""Redirects from other names, the recycle bin, an image on a page, live facts, and a
reader's report reaching the editors' queue — in a real browser, against the live server."""

import io
import json
import re
import subprocess
import urllib.request

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}


def create_page(staff_page, title: str, body: str, other_names: str = "") -> None:
    staff_page.goto("/admin/wiki/page/add/")
    staff_page.locator("#id_title").fill(title)
    staff_page.locator("#id_body").fill(body)
    if other_names:
        staff_page.locator("#id_aliases_text").fill(other_names)
    staff_page.get_by_role("button", name="Save", exact=True).click()
    staff_page.wait_for_url(lambda url: "/add/" not in url)
    expect(staff_page.locator(".errorlist")).to_have_count(0)


def both_sizes(page, shoot, name: str) -> None:
    """Screenshots at 1366×900 and 390×844; nothing scrolls sideways on the phone."""
    page.set_viewport_size(WIDE)
    shoot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a phone"
    shoot(page, f"{name}-phone")
    page.set_viewport_size(WIDE)


def test_an_old_name_redirects_and_says_so(staff_page, page, shoot):
    create_page(staff_page, "Litestar Browser Test", "An ASGI framework.", "Starlite Browser Test")
    create_page(staff_page, "Renames Browser Test", "Formerly [[Starlite Browser Test]].")
    page.goto("/wiki/starlite-browser-test/")
    expect(page).to_have_url(re.compile(r"/wiki/litestar-browser-test/\?from="))
    expect(page.locator(".redirect-note")).to_contain_text("Redirected from Starlite Browser Test")
    both_sizes(page, shoot, "redirected-page")
    page.goto("/wiki/renames-browser-test/")
    page.get_by_role("link", name="Starlite Browser Test").click()
    expect(page).to_have_url(re.compile(r"/wiki/litestar-browser-test/$"))
    expect(page.locator("h1")).to_have_text("Litestar Browser Test")
    staff_page.goto("/wiki/_redirects/")
    expect(staff_page.locator("h1")).to_have_text("Broken and double redirects")
    both_sizes(staff_page, shoot, "redirects-report")
    assert not page.problems.errors, page.problems.errors


def test_the_recycle_bin_keeps_and_restores_a_page(staff_page, page, shoot):
    create_page(staff_page, "Bin Browser Test", "Kept with its history.")
    staff_page.goto("/wiki/bin-browser-test/")
    staff_page.get_by_role("navigation", name="Page").get_by_role("link", name="Edit").click()
    staff_page.wait_for_url("**/change/")
    staff_page.goto(staff_page.url.replace("/change/", "/delete/"))
    expect(staff_page.locator("#content")).to_contain_text("to the recycle bin, with its history")
    staff_page.get_by_role("button", name=re.compile("Yes")).click()
    assert page.goto("/wiki/bin-browser-test/").status == 404

    staff_page.goto("/admin/wiki/deletedpage/")
    row = staff_page.locator("#result_list tr", has_text="Bin Browser Test")
    expect(row).to_be_visible()
    both_sizes(staff_page, shoot, "admin-recycle-bin")
    row.get_by_role("link", name="Restore…").click()
    expect(staff_page.locator("#content")).to_contain_text("1 revision")
    both_sizes(staff_page, shoot, "admin-restore")
    staff_page.get_by_role("button", name=re.compile("Restore")).click()
    expect(staff_page.locator("ul.messagelist li").first).to_contain_text("Restored")

    page.goto("/wiki/bin-browser-test/")
    expect(page.locator(".wiki-content")).to_contain_text("Kept with its history.")


def _png() -> bytes:
    image = Image.new("RGB", (1600, 500), (230, 238, 247))
    for x in range(100, 1500, 350):
        for dx in range(240):
            for dy in range(180, 320):
                image.putpixel((x + dx, dy), (31, 95, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_on_a_page_with_live_facts(staff_page, page, shoot):
    staff_page.goto("/admin/wiki/attachment/add/")
    staff_page.locator("#id_upload").set_input_files(
        {"name": "browser-diagram.png", "mimeType": "image/png", "buffer": _png()}
    )
    staff_page.locator("#id_description").fill("Four boxes in a row")
    both_sizes(staff_page, shoot, "admin-attachment-add")
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.locator("ul.messagelist li").first).to_be_visible()
    expect(staff_page.locator("#result_list")).to_contain_text(
        "![Four boxes in a row](attachment:browser-diagram.png)"
    )
    both_sizes(staff_page, shoot, "admin-attachments")

    create_page(
        staff_page,
        "Image Browser Test",
        "Flask today: {{framework:flask|facts}}\n\n"
        "![Four boxes in a row](attachment:browser-diagram.png)\n\n"
        "It renders templates with {{framework:flask|supports}}.",
    )
    page.goto("/wiki/image-browser-test/")
    image = page.get_by_role("img", name="Four boxes in a row")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 960  # the display copy
    expect(page.locator(".wiki-content .facts").first).to_contain_text("Flask")
    both_sizes(page, shoot, "page-with-image")
    assert not page.problems.errors, page.problems.errors


def test_a_readers_report_reaches_the_queue(page, staff_page, shoot):
    page.goto("/wiki/web-frameworks/")
    page.get_by_role("link", name="Report a problem with this page").click()
    expect(page.locator("h1")).to_have_text("Report a problem")
    page.get_by_label("What is wrong?").fill(
        "The list misses Litestar <script>alert(1)</script>, released in 2021."
    )
    page.get_by_label("A source (optional)").fill("https://litestar.example/changelog")
    both_sizes(page, shoot, "report-form")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    both_sizes(page, shoot, "report-thanks")

    staff_page.goto("/admin/corrections/report/")
    row = staff_page.locator("#result_list tr", has_text="The list misses Litestar")
    expect(row).to_contain_text("<script>alert(1)</script>")  # shown as text
    both_sizes(staff_page, shoot, "admin-report-queue")
    row.get_by_role("link").first.click()
    both_sizes(staff_page, shoot, "admin-report")
    staff_page.get_by_role("button", name=re.compile("Accept and edit")).click()
    expect(staff_page).to_have_url(re.compile(r"/admin/wiki/page/\d+/change/"))
    expect(staff_page.locator("ul.messagelist")).to_contain_text("The list misses Litestar")
    assert not staff_page.problems.errors, staff_page.problems.errors


def test_the_new_reader_pages_are_valid_html(server, tmp_path):
    from tests.browser.test_html_valid import VNU_JAR

    with urllib.request.urlopen(server.url + "/wiki/web-frameworks/", timeout=30) as response:
        page = response.read().decode()
    report = re.search(r'href="(/report/\?on=page:\d+)"', page).group(1)
    files = []
    for name, url in {"report-form": report, "report-thanks": "/report/thanks/"}.items():
        with urllib.request.urlopen(server.url + url, timeout=30) as response:
            path = tmp_path / f"{name}.html"
            path.write_bytes(response.read())
            files.append(str(path))
    run = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [
        m.get("message") for m in messages if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, errors
