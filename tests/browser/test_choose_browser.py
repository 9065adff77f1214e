"""The chooser in a browser: tick two required capabilities, submit, read the ranked list
and the reasons; by keyboard; on a 390 px phone without sideways scroll; axe and the Nu
HTML checker find nothing serious."""

import json
import re
import subprocess
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import run_axe
from tests.browser.test_html_valid import VNU_JAR
from tests.browser.test_phone import LAPTOP, assert_no_sideways_scroll

pytestmark = pytest.mark.browser

ASKED = "/catalog/choose/?require=jinja2&require=mako&prefer=genshi&python=3.12"


def test_tick_two_required_and_read_the_answer(page, shoot):
    page.goto("/catalog/choose/")
    expect(page.locator("h1")).to_have_text("Choose a framework")
    expect(page.get_by_text("Tick one or more capabilities")).to_be_visible()
    page.get_by_label("Jinja2: required").check()
    page.get_by_label("Mako: required").check()
    page.get_by_role("button", name="Find frameworks").click()
    expect(page).to_have_url(re.compile(r"require=jinja2&require=mako"))

    # The form keeps what was asked.
    expect(page.get_by_label("Jinja2: required")).to_be_checked()
    expect(page.get_by_label("Mako: required")).to_be_checked()
    expect(page.get_by_label("Genshi: required")).not_to_be_checked()

    ranked = page.locator(".choose-results > li h3").all_inner_texts()
    assert "Django" in ranked, ranked
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ frameworks? fits?$"))).to_be_visible()

    left = page.locator(".choose-left > li")
    expect(page.get_by_role("heading", name=re.compile(r"^Left out \(\d+\)$"))).to_be_visible()
    lines = left.all_inner_texts()
    assert lines and all(re.search(r"(Jinja2|Mako): ", line) for line in lines), lines[:5]
    assert not {line.split(" — ")[0] for line in lines} & set(ranked)
    # web2py's cells say No: the reason links to the cell's evidence.
    web2py = left.filter(has_text=re.compile(r"^web2py\s+—"))
    expect(web2py).to_contain_text("Jinja2: No")
    evidence = web2py.get_by_role("link", name="Jinja2: No")
    assert evidence.get_attribute("href")
    shoot(page, "choose-desktop")

    evidence.click()
    expect(page.locator("h1")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/catalog/choose/"))
    assert not page.problems.errors, page.problems.errors


def test_compare_the_top_ones(page):
    page.goto(ASKED)
    compare = page.get_by_role("link", name=re.compile(r"^Compare these [234]$"))
    top = page.locator(".choose-results > li h3").all_inner_texts()[:4]
    compare.click()
    expect(page).to_have_url(re.compile(r"/catalog/compare/\?f="))
    headers = page.locator(".compare").first.locator("thead th").all_inner_texts()
    assert headers == top, (headers, top)


def test_keyboard_only(page):
    page.goto("/catalog/choose/")
    box = page.get_by_label("Mako: preferred")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Find frameworks").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"prefer=mako"))
    expect(page.locator(".choose-results > li").first).to_contain_text("Has: Mako:")


def test_no_sideways_scroll_on_a_phone_or_laptop(new_context, shoot):
    phone_context, problems = new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    for url in ("/catalog/choose/", ASKED + "&require=" + "x" * 200 + "&licence=BSD"):
        phone.goto(url)
        expect(phone.locator("h1")).to_be_visible()
        assert_no_sideways_scroll(phone, url, PHONE["width"])
    expect(phone.get_by_text("(too long)")).to_be_visible()
    shoot(phone, "choose-phone")
    laptop_context, _ = new_context(viewport=LAPTOP)
    laptop = laptop_context.new_page()
    laptop.goto(ASKED)
    assert_no_sideways_scroll(laptop, ASKED, LAPTOP["width"])
    shoot(laptop, "choose-laptop")
    for page in (phone, laptop):
        problems.collect_csp(page)
    assert not problems.errors, problems.errors


@pytest.mark.parametrize("url", ["/catalog/choose/", ASKED])
def test_axe(new_context, axe_source, url):
    context, _ = new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    page.goto(url)
    violations = run_axe(page, axe_source)
    assert not violations, f"{url}:\n" + "\n".join(violations)


def test_valid_html(server, tmp_path):
    if not VNU_JAR.exists():
        pytest.fail(f"vnu.jar is missing at {VNU_JAR}: run `make browsers` (npm install vnu-jar)")
    files = []
    for i, url in enumerate(["/catalog/choose/", ASKED + "&require=nope&status=zombie"]):
        with urllib.request.urlopen(server.url + url, timeout=30) as response:
            path = tmp_path / f"choose-{i}.html"
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
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors[:40])
