"""The catalog admin renders for editors and explains constraint failures in words."""

import pytest

from catalog.models import Entry, EntryType, Level, Support


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/framework/",
        "/admin/catalog/framework/?kind__exact=micro&status__exact=active&q=fla",
        "/admin/catalog/framework/add/",
        "/admin/catalog/component/",
        "/admin/catalog/component/add/",
        "/admin/catalog/source/",
        "/admin/catalog/pythonversion/",
        "/admin/catalog/support/",
    ],
)
def test_admin_pages_render(staff_client, small_catalog, url):
    assert staff_client.get(url).status_code == 200


def test_change_pages_render_with_inlines(staff_client, small_catalog):
    html = staff_client.get(
        f"/admin/catalog/framework/{small_catalog['pylons'].pk}/change/"
    ).content.decode()
    assert "grid cells (capabilities" in html.lower()
    html = staff_client.get(
        f"/admin/catalog/component/{small_catalog['mako'].pk}/change/"
    ).content.decode()
    assert "matrix column" in html


def _entry_post(**overrides) -> dict:
    data = {
        "name": "Hug",
        "slug": "hug",
        "kind": "micro",
        "category": "",
        "status": "active",
        "status_note": "",
        "first_release": "",
        "end_year": "",
        "latest_version": "",
        "latest_release": "",
        "python_note": "",
        "sloc": "",
        "size_note": "",
        "used_by": "",
        "homepage": "",
        "repository": "",
        "licence": "",
        "summary": "",
        "description": "",
        "notes": "",
    }
    for prefix in ("support_row", "relations_out", "relations_in", "support_column"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_framework_added_in_admin_gets_its_type(staff_client, db):
    response = staff_client.post("/admin/catalog/framework/add/", _entry_post())
    assert response.status_code == 302
    assert Entry.objects.get(slug="hug").type == EntryType.FRAMEWORK


def test_framework_without_kind_explained(staff_client, db):
    response = staff_client.post("/admin/catalog/framework/add/", _entry_post(kind=""))
    assert response.status_code == 200
    assert "A framework needs a kind" in response.content.decode()
    assert not Entry.objects.filter(slug="hug").exists()


def test_component_without_category_explained(staff_client, db):
    response = staff_client.post("/admin/catalog/component/add/", _entry_post(kind="", category=""))
    assert "A component needs a category" in response.content.decode()


def test_years_out_of_order_explained(staff_client, db):
    response = staff_client.post(
        "/admin/catalog/framework/add/", _entry_post(first_release="2010", end_year="2001")
    )
    assert "The end year cannot be before the first release" in response.content.decode()


def test_obsoleted_cell_without_successor_explained(staff_client, small_catalog):
    flask, kid = small_catalog["flask"], small_catalog["kid"]
    cells = list(Support.objects.filter(framework=flask).order_by("pk"))
    data = _entry_post(name="Flask", slug="flask", status="active", first_release="2010")
    data.update(
        {
            "support_row-TOTAL_FORMS": str(len(cells) + 1),
            "support_row-INITIAL_FORMS": str(len(cells)),
        }
    )
    for i, cell in enumerate(cells):
        data.update(
            {
                f"support_row-{i}-id": str(cell.pk),
                f"support_row-{i}-framework": str(flask.pk),
                f"support_row-{i}-engine": str(cell.engine_id),
                f"support_row-{i}-level": cell.level,
                f"support_row-{i}-raw_value": cell.raw_value,
                f"support_row-{i}-uncertain": "on" if cell.uncertain else "",
            }
        )
    n = len(cells)
    data.update(
        {
            f"support_row-{n}-framework": str(flask.pk),
            f"support_row-{n}-engine": str(kid.pk),
            f"support_row-{n}-level": Level.OBSOLETED,
        }
    )
    response = staff_client.post(f"/admin/catalog/framework/{flask.pk}/change/", data)
    assert response.status_code == 200
    assert "needs the engine that replaced it" in response.content.decode()
    assert not Support.objects.filter(framework=flask, engine=kid).exists()
