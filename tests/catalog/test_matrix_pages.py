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
    assert ">Undefined<" in html  # a compact word; the raw value is on the evidence page
    assert "Obsoleted by Mako" in html  # the full label, in the cell's title
    assert "Legend" in html and "lv-default" in html
    assert 'class="matrix-scroll"' in html
    # Every cell links to its evidence page, which names the raw value, page and URL.
    for cell in cells.values():
        assert f'href="/catalog/matrix/{cell.framework.slug}/{cell.engine.slug}/"' in html
    undefined = client.get("/catalog/matrix/pylons/jinja2/").content.decode()
    assert "<code>M</code>" in undefined and "never defines" in undefined
    evidence = client.get("/catalog/matrix/pylons/mako/").content.decode()
    assert f'href="{page.get_absolute_url()}"' in evidence
    online = client.get("/catalog/matrix/django/jinja2/").content.decode()
    assert 'href="https://example.com/djj2"' in online
    assert client.get("/catalog/matrix/flask/nope/").status_code == 404


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
    settings,
):
    settings.PAGE_CACHE_ENABLED = False  # the view's own queries (the cache's: test_pagecache)
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
    # The entries, their versions, relations; the groups, their capabilities, the cells.
    with django_assert_max_num_queries(12):
        html = client.get("/catalog/compare/?f=django&f=flask&f=pylons").content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.index("Django") < head.index("Flask") < head.index("Pylons")
    assert "First release" in html and "2005" in html and "2010" in html
    assert "Template engines" in html and "Obsoleted by Mako" in html


def test_compare_is_never_an_error_page(client, small_catalog):
    # One picked (as "Compare with others" on a framework page): that one, ticked, and a prompt.
    response = client.get("/catalog/compare/?f=django")
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' not in html
    assert "Pick one to three more frameworks to compare with Django" in html
    assert re.search(r'<input type="checkbox" name="f" value="django"[^>]* checked', html)
    assert not re.search(r'value="flask"[^>]* checked', html)
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert "Django" in head
    # More than four: the first four, and why.
    many = "&".join(f"f={s}" for s in ["django", "flask", "pylons", "kid", "mako"])
    html = client.get(f"/catalog/compare/?{many}").content.decode()
    assert "Compare at most 4" in html and "here are the first 4" in html
    html = client.get("/catalog/compare/?f=django&f=nope").content.decode()
    assert "No framework called “nope”" in html
    # None: the picker, every framework unticked.
    html = client.get("/catalog/compare/").content.decode()
    assert "Pick 2 to 4 frameworks" in html and " checked" not in html


def test_upkeep_is_for_editors(client, small_catalog):
    response = client.get("/catalog/upkeep/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert "Upkeep" not in client.get("/catalog/").content.decode()


def test_upkeep_lists_cells_needing_work(staff_client, small_catalog, make_cell):
    client = staff_client
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


def test_upkeep_includes_never_verified(staff_client, small_catalog):
    html = staff_client.get("/catalog/upkeep/?reason=stale").content.decode()
    assert "7 cells to look at" in html and "never" in html


def test_matrix_quick_filter_works_without_scripts(client, small_catalog):
    html = client.get("/catalog/matrix/?q=fla&e=mako").content.decode()
    table = html[html.index('<table class="matrix"') : html.index("</table>")]
    assert "Flask" in table and "Django" not in table and "Pylons" not in table
    assert 'name="q" value="fla"' in html
    assert '<input type="hidden" name="e" value="mako">' in html  # the other filters kept
