"""A phone-sized viewport (390×844): nothing overflows the page sideways; the matrix scrolls
inside its own container."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"
SCROLLERS = ".matrix-scroll, .table-scroll, .chart-scroll, pre, .visually-hidden"
WIDE = """(skip) => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(skip))
  .slice(0, 5).map(el => el.tagName + "." + el.className)"""


@pytest.fixture
def phone(new_context):
    context, problems = new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.problems = problems
    return page


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("front", "/"),
        ("page", "/wiki/web-frameworks/"),
        ("catalog", "/catalog/"),
        ("framework", "/catalog/flask/"),
        ("search", "/search/?q=template"),
    ],
)
def test_no_sideways_overflow(phone, shoot, name, url):
    phone.goto(url)
    expect(phone.locator("h1").first).to_be_visible()
    assert phone.evaluate("window.innerWidth") == PHONE["width"]
    overflow = phone.evaluate(OVERFLOW)
    assert overflow <= 1, (
        f"{url} is {overflow}px wider than the screen: {phone.evaluate(WIDE, SCROLLERS)}"
    )
    expect(phone.get_by_role("search").first).to_be_visible()
    shoot(phone, f"{name}-phone")


def test_matrix_scrolls_inside_its_container(phone, shoot):
    phone.goto("/catalog/matrix/")
    assert phone.evaluate(OVERFLOW) <= 1, phone.evaluate(WIDE, SCROLLERS)
    scroller = phone.locator(".matrix-scroll")
    sizes = scroller.evaluate(
        "el => ({sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight})"
    )
    assert sizes["sw"] > sizes["cw"], sizes
    assert sizes["cw"] <= PHONE["width"], sizes
    scroller.scroll_into_view_if_needed()
    shoot(phone, "matrix-phone")

    # Swiping sideways moves the engines, and the framework names stay put.
    name_cell = phone.locator(".matrix tbody th").first
    before = name_cell.bounding_box()["x"]
    engine = phone.locator(".matrix thead th").last
    engine_before = engine.bounding_box()["x"]
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    phone.wait_for_timeout(100)
    assert abs(name_cell.bounding_box()["x"] - before) <= 1
    assert engine.bounding_box()["x"] < engine_before - 100
    assert phone.evaluate("window.scrollX") == 0
