"""No page scrolls sideways, on a phone (390×844) or a laptop (1366×900): every page type is
measured with document.documentElement.scrollWidth. Wide content scrolls inside its own box
— the matrix, the comparison — with its row labels kept in view."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
SCROLLERS = (
    ".matrix-scroll, .table-scroll, .chart-scroll, pre, .visually-hidden, .wiki-content table"
)
WIDE = """(skip) => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(skip))
  .slice(0, 5).map(el => el.tagName + "." + el.className)"""
EVERY_PAGE_TYPE = {
    "front": "/",
    "page": "/wiki/web-frameworks/",
    "long-page": "/wiki/python-web-frameworks/",
    "old-revision": "/wiki/web-frameworks/?rev=1",
    "page-list": "/wiki/",
    "history": "/wiki/web-frameworks/history/",
    "diff": "/wiki/web-frameworks/diff/1/2/",
    "backlinks": "/wiki/web-frameworks/backlinks/",
    "recent": "/wiki/_recent/",
    "wanted": "/wiki/_wanted/",
    "orphans": "/wiki/_orphans/",
    "tag": "/wiki/_tags/hub/",
    "missing": "/wiki/session-management/?title=SessionManagement",
    "catalog": "/catalog/",
    "components": "/catalog/components/",
    "framework": "/catalog/django/",
    "component": "/catalog/components/jinja2/",
    "matrix": "/catalog/matrix/",
    "cell": "/catalog/matrix/django/jinja2/",
    "compare": "/catalog/compare/?f=django&f=flask&f=pyramid&f=bottle",
    "compare-one": "/catalog/compare/?f=flask",
    "charts": "/catalog/charts/",
    "search": "/search/?q=template",
    "grid": "/catalog/grid/",
    "grid-group": "/catalog/grid/batteries/",
    "capability": "/catalog/capabilities/asgi/",
    "catalog-history": "/catalog/django/history/",
    "cap-cell": "/catalog/matrix/flask/asgi/",
    "choose": "/catalog/choose/?require=asgi&prefer=orm",
}


@pytest.fixture
def phone(new_context):
    context, problems = new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.problems = problems
    return page


@pytest.fixture
def laptop(new_context):
    context, _ = new_context(viewport=LAPTOP)
    return context.new_page()


def assert_no_sideways_scroll(page, url: str, width: int) -> None:
    # A phone browser widens its layout viewport to fit wide content: innerWidth staying at
    # the screen's width is half the proof, scrollWidth within it the other half.
    assert page.evaluate("window.innerWidth") == width, (url, page.evaluate("innerWidth"))
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{url} is {scroll_width}px wide on a {width}px screen: {page.evaluate(WIDE, SCROLLERS)}"
    )


@pytest.mark.parametrize("name", list(EVERY_PAGE_TYPE))
def test_no_sideways_scroll_on_a_phone(phone, shoot, name):
    url = EVERY_PAGE_TYPE[name]
    phone.goto(url)
    expect(phone.locator("h1").first).to_be_visible()
    assert_no_sideways_scroll(phone, url, PHONE["width"])
    if name in ("front", "page", "catalog", "framework", "search", "history", "compare"):
        shoot(phone, f"{name}-phone")


@pytest.mark.parametrize("name", list(EVERY_PAGE_TYPE))
def test_no_sideways_scroll_on_a_laptop(laptop, name):
    url = EVERY_PAGE_TYPE[name]
    laptop.goto(url)
    expect(laptop.locator("h1").first).to_be_visible()
    assert_no_sideways_scroll(laptop, url, LAPTOP["width"])


def test_the_whole_matrix_fits_a_laptop_screen(laptop, shoot):
    laptop.goto("/catalog/matrix/")
    scroller = laptop.locator(".matrix-scroll")
    sizes = scroller.evaluate("el => ({sw: el.scrollWidth, cw: el.clientWidth})")
    assert sizes["sw"] <= sizes["cw"], sizes  # every engine column in view, no sideways scroll
    last = laptop.locator(".matrix thead th").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= LAPTOP["width"]
    shoot(laptop, "matrix-laptop")


def test_matrix_scrolls_inside_its_container_on_a_phone(phone, shoot):
    phone.goto("/catalog/matrix/")
    assert_no_sideways_scroll(phone, "/catalog/matrix/", PHONE["width"])
    expect(phone.locator(".scroll-hint")).to_be_visible()
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


def test_compare_on_a_phone_keeps_the_row_labels(phone, shoot):
    phone.goto(EVERY_PAGE_TYPE["compare"])
    scroller = phone.locator(".table-scroll").first
    label = phone.locator("table.compare tbody th", has_text="First release")
    before = label.bounding_box()["x"]
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    phone.wait_for_timeout(100)
    assert abs(label.bounding_box()["x"] - before) <= 1
    expect(label).to_be_visible()


def test_phone_layouts_put_the_reading_first(phone, shoot):
    # A wiki page: its lead, then the contents, then the text.
    phone.goto("/wiki/python-web-frameworks/")
    lead = phone.locator(".page-lead").bounding_box()
    toc = phone.locator("nav.toc").bounding_box()
    rest = phone.locator(".page-rest").bounding_box()
    assert lead["y"] < toc["y"] < rest["y"], (lead, toc, rest)
    # Search: the first result before the facets, and one search box.
    phone.goto("/search/?q=template")
    first_hit = phone.locator(".search-hit").first.bounding_box()
    facets = phone.get_by_role("complementary", name="Refine the results").bounding_box()
    assert first_hit["y"] < facets["y"]
    expect(phone.locator("#site-search-q")).to_be_hidden()
    expect(phone.locator("#search-page-q")).to_be_visible()
    # The catalog: a card a framework, with its facts labelled.
    phone.goto("/catalog/")
    card = phone.locator("table.entry-cards tbody tr").first
    assert card.bounding_box()["width"] <= PHONE["width"]
    expect(card.locator("td[data-label=Kind]")).to_be_visible()
    shoot(phone, "catalog-phone")


def test_desktop_keeps_the_contents_beside_the_text(laptop):
    laptop.goto("/wiki/python-web-frameworks/")
    toc = laptop.locator("nav.toc")
    text = laptop.locator(".page-lead").bounding_box()
    assert toc.bounding_box()["x"] > text["x"] + text["width"]
    laptop.mouse.wheel(0, 2500)
    laptop.wait_for_timeout(200)
    box = toc.bounding_box()
    assert 0 <= box["y"] <= 40, box  # still in view: sticky
