"""The matrix grid, compare and upkeep pages."""

import datetime
import re

from catalog.models import Level


def test_matrix_grid_shows_every_kind_of_cell(client, small_catalog, make_page):
    page = make_page("Pylons and Mako")
    cells = small_catalog["cells"]
    cells["pylons-mako"].evidence_page = page
    cells["pylons-mako"].save()
    cells["django-jinja"].evidence_url = "https://example.com/djj2"
    cells["django-jinja"].save()
    html = client.get("/catalog/matrix/").content.decode()
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert "No?" in html  # uncertain, marked
    assert "undefined in source" in html and ">M<" in html  # kept, never mapped
    assert "Obsoleted by Mako" in html
    assert f'href="{page.get_absolute_url()}"' in html  # evidence page
    assert 'href="https://example.com/djj2"' in html  # evidence URL
    assert 'class="cell-link" href="/catalog/flask/"' in html  # no evidence: the framework
    assert "Legend" in html and "lv-default" in html
    assert 'class="matrix-scroll"' in html


def test_matrix_filters_rows_and_columns(client, small_catalog):
    html = client.get("/catalog/matrix/?f=flask&e=jinja2&e=mako").content.decode()
    table = html[html.index('<table class="matrix"') : html.index("</table>")]
    assert "Flask" in table and "Django</a>" not in table
    assert "Jinja2" in table and "Mako" in table and "Kid" not in table
    html = client.get("/catalog/matrix/?status=discontinued").content.decode()
    table = html[html.index('<table class="matrix"') : html.index("</table>")]
    assert "Pylons" in table and "Flask" not in table


def test_matrix_query_count_is_bounded(
    client,
    small_catalog,
    make_framework,
    make_component,
    make_cell,
    django_assert_max_num_queries,
):
    engines = [make_component(f"Engine {i}") for i in range(8)]
    for i in range(15):
        fw = make_framework(f"Row {i}")
        for engine in engines[: i % 8]:
            make_cell(fw, engine, Level.YES)
    with django_assert_max_num_queries(8):
        response = client.get("/catalog/matrix/")
    assert response.status_code == 200
    assert response.content.decode().count("<tr data-name=") == 18


def test_compare_two_to_four(client, small_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        html = client.get("/catalog/compare/?f=django&f=flask&f=pylons").content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.index("Django") < head.index("Flask") < head.index("Pylons")
    assert "First release" in html and "2005" in html and "2010" in html
    assert "Template engines" in html and "Obsoleted by Mako" in html


def test_compare_messages(client, small_catalog):
    html = client.get("/catalog/compare/?f=django").content.decode()
    assert "Pick at least 2 frameworks" in html and "<thead>" not in html
    many = "&".join(f"f={s}" for s in ["django", "flask", "pylons", "a", "b"])
    html = client.get(f"/catalog/compare/?{many}").content.decode()
    assert "compare at most 4" in html
    html = client.get("/catalog/compare/?f=django&f=nope").content.decode()
    assert "No framework called “nope”" in html and "<thead>" not in html
    assert client.get("/catalog/compare/").status_code == 200


def test_upkeep_lists_cells_needing_work(client, small_catalog, make_cell):
    cells = small_catalog["cells"]
    today = datetime.date.today()
    for cell in cells.values():
        cell.last_verified = today
        cell.save()
    cells["django-dtl"].last_verified = today - datetime.timedelta(days=3 * 365)
    cells["django-dtl"].save()
    html = client.get("/catalog/upkeep/").content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert len(rows) == 3  # flask × mako (uncertain), pylons × jinja2 (undefined), django × dtl
    assert "Uncertain" in html and "Undefined in source" in html and "Not verified" in html
    assert "Flask" in html and "Kid" not in html.split("cells to look at")[1]
    html = client.get("/catalog/upkeep/?reason=uncertain").content.decode()
    assert "1 cell to look at" in html


def test_upkeep_includes_never_verified(client, small_catalog):
    html = client.get("/catalog/upkeep/?reason=stale").content.decode()
    assert "7 cells to look at" in html and "never" in html
