"""The catalog: filtering, a framework, the matrix, comparing, and the charts."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_filter_the_list_and_open_a_framework(page, shoot):
    page.goto("/catalog/")
    shoot(page, "catalog-desktop")
    everything = page.locator(".catalog-table tbody tr").count()
    form = page.get_by_role("search", name="Filter frameworks")
    form.get_by_label("Kind").select_option("micro")
    form.get_by_label("Supports engine").select_option("jinja2")
    form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"kind=micro.*supports=jinja2"))
    rows = page.locator(".catalog-table tbody tr")
    names = rows.locator("th").all_inner_texts()
    assert "Flask" in names and "Django" not in names, names
    assert 0 < len(names) < everything
    for kind in rows.locator("td:nth-of-type(1)").all_inner_texts():
        assert kind == "Micro"
    expect(page.locator(".result-count")).to_contain_text(f"{len(names)} framework")
    expect(form.get_by_label("Kind")).to_have_value("micro")

    rows.get_by_role("link", name="Flask", exact=True).click()
    expect(page).to_have_url(re.compile(r"/catalog/flask/$"))
    expect(page.locator("h1")).to_contain_text("Flask")
    expect(page.get_by_role("heading", name="Template engines")).to_be_visible()
    shoot(page, "framework-desktop")


def test_matrix_filter_sticky_header_and_evidence(page, shoot):
    page.goto("/catalog/matrix/")
    shoot(page, "matrix-desktop")
    scroller = page.locator(".matrix-scroll")
    header = page.locator(".matrix thead th").nth(1)
    box_before = header.bounding_box()
    frame = scroller.bounding_box()
    scrolled = scroller.evaluate("el => { el.scrollTop = 400; return el.scrollTop; }")
    assert scrolled > 100, "the matrix should scroll inside its own container"
    page.wait_for_timeout(100)
    box_after = header.bounding_box()
    assert abs(box_after["y"] - frame["y"]) <= 2, (box_before, box_after, frame)
    # ...while the body rows did move up.
    first_row = page.locator(".matrix tbody tr").first.bounding_box()
    assert first_row["y"] < frame["y"]

    page.get_by_text("Filter rows and columns").click()
    page.get_by_label("Template engines (columns)").select_option("jinja2")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"e=jinja2"))
    headers = page.locator(".matrix thead th")
    expect(headers).to_have_count(2)
    expect(headers.nth(1)).to_have_text("Jinja2")

    # A cell links to its evidence: the value as the source wrote it, the source by its
    # title, and the wiki page that holds the source table.
    cell = page.locator(".matrix tr[data-name='django'] td a")
    expect(cell).to_have_text("Yes")
    cell.click()
    expect(page).to_have_url(re.compile(r"/catalog/matrix/django/jinja2/$"))
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("As the source wrote it")
    expect(facts.locator("code")).to_have_text("djj2Y")
    shoot(page, "cell-desktop")
    facts.locator("dt:text('Evidence') + dd a").click()
    expect(page.locator(".page-body")).to_contain_text("Jinja")


def test_compare_from_a_framework_page_by_plain_clicks(page, shoot):
    page.goto("/catalog/flask/")
    page.get_by_role("link", name="Compare with others").click()
    # Opened from Flask: Flask is ticked, and the page asks for more instead of an error.
    expect(page).to_have_url(re.compile(r"/catalog/compare/\?f=flask$"))
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Pick one to three more")
    expect(page.get_by_role("checkbox", name="Flask", exact=True)).to_be_checked()
    # Plain clicks on names tick them; the filter box narrows the list.
    page.get_by_role("checkbox", name="Django", exact=True).click()
    page.get_by_label("Filter the list").fill("pyr")
    expect(page.get_by_role("checkbox", name="Bottle", exact=True)).to_be_hidden()
    page.get_by_text("Pyramid", exact=True).click()  # the label
    expect(page.locator(".picker-count")).to_have_text("3 chosen.")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"f=django.*f=flask.*f=pyramid"))
    heads = page.locator("table.compare").first.locator("thead th")
    expect(heads).to_have_text(["Django", "Flask", "Pyramid"])
    # The picker stays, below the table, with the three ticked: one click removes one.
    page.get_by_role("checkbox", name="Pyramid", exact=True).click()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("table.compare").first.locator("thead th")).to_have_text(
        ["Django", "Flask"]
    )
    page.goto("/catalog/compare/?f=django&f=flask&f=pyramid")
    facts = page.locator("table.compare").first
    kinds = facts.locator("tr", has=page.locator("th", has_text="Kind"))
    expect(kinds.locator("td")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("Template engines")
    shoot(page, "compare-desktop")


def test_compare_shows_differences_first_and_unfolds_the_rest(page, shoot):
    page.goto("/catalog/compare/?f=django&f=flask&f=fastapi")
    batteries = page.locator("section.compare-group", has=page.locator("#cg-batteries"))
    first = batteries.locator("table.compare").first
    # Django has an ORM, Flask and FastAPI do not: a difference, shown open.
    orm = first.get_by_role("row", name=re.compile(r"^ORM "))
    expect(orm).to_be_visible()
    expect(orm.locator("td").first).to_contain_text("Default")
    # Flask and Bottle agree on some rows: folded, and one click unfolds them.
    page.goto("/catalog/compare/?f=flask&f=bottle")
    same = page.locator("details.compare-same").first
    expect(same.locator("table")).to_be_hidden()
    same.locator("summary").click()
    expect(same.locator("table")).to_be_visible()
    shoot(page, "compare-groups")


def test_heatmap_and_timeline_render(page, shoot):
    page.goto("/catalog/charts/")
    for heading in ("Template engine support, as a heatmap", "Timeline"):
        section = page.locator("section", has=page.get_by_role("heading", name=heading))
        svg = section.locator("svg").first
        expect(svg).to_be_visible()
        size = svg.bounding_box()
        assert size["width"] > 200 and size["height"] > 100, (heading, size)
        shapes = svg.locator("rect, line, path, text").count()
        assert shapes > 20, (heading, shapes)
    shoot(page, "charts-desktop")

    # The standalone SVG files load as images.
    for url in ("/catalog/matrix.svg", "/catalog/timeline.svg"):
        width = page.evaluate(
            """url => new Promise((resolve) => {
                const img = new Image();
                img.onload = () => resolve(img.naturalWidth);
                img.onerror = () => resolve(-1);
                img.src = url;
            })""",
            url,
        )
        assert width > 0, url
    assert not page.problems.errors
