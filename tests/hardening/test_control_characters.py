"""Control characters (issue 15, finding 6): dropped where text comes in — the wiki and
catalog admin forms, import_pages, import_matrix — and every XML output (Atom feed,
sitemap, SVG charts) stays well-formed whatever text is already stored."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.matrix import export_csv
from catalog.models import ComponentCategory, Entry, EntryType, FrameworkKind, Level, Support
from wiki import services
from wiki.models import Page, Revision

pytestmark = pytest.mark.django_db

VT = "\x0b"  # what a word processor pastes for a line break


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.fixture
def catalog():
    flask = Entry.objects.create(
        type=EntryType.FRAMEWORK, name="Flask", slug="flask", kind=FrameworkKind.MICRO,
        first_release=2010,
    )  # fmt: skip
    jinja = Entry.objects.create(
        type=EntryType.COMPONENT, name="Jinja2", slug="jinja2",
        category=ComponentCategory.TEMPLATE_ENGINE,
    )  # fmt: skip
    cell = Support.objects.create(framework=flask, engine=jinja, level=Level.DEFAULT)
    return {"flask": flask, "jinja": jinja, "cell": cell}


# ---------------------------------------------------------------- outputs, text already stored


def test_feed_survives_a_stored_vertical_tab(anonymous, make_page):
    page = make_page("Flask", "text")
    services.page_update(page=page, body="more text", comment="fixed")
    Revision.objects.filter(page=page).update(comment=f"fixed{VT}typo", title=f"Fla{VT}sk")
    response = anonymous.get("/wiki/_recent/feed/")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    text = "".join(feed.itertext())
    assert "fixedtypo" in text and VT not in text


def test_sitemap_survives_a_stored_vertical_tab(anonymous, make_page):
    page = make_page("Flask", "text")
    Page.objects.filter(pk=page.pk).update(slug=f"fla{VT}sk")
    response = anonymous.get("/sitemap.xml")
    assert response.status_code == 200
    locations = [el.text for el in ET.fromstring(response.content).iter() if el.tag.endswith("loc")]
    assert any(loc.endswith("/wiki/fla%0Bsk/") for loc in locations)  # reverse() quotes it


@pytest.mark.parametrize("url", ["/catalog/matrix.svg", "/catalog/timeline.svg"])
def test_svg_charts_survive_a_stored_vertical_tab(anonymous, catalog, url):
    Entry.objects.filter(pk=catalog["flask"].pk).update(name=f"Fla{VT}sk")
    Support.objects.filter(pk=catalog["cell"].pk).update(raw_value=f"D{VT}", notes=f"n{VT}")
    response = anonymous.get(url)
    assert response.status_code == 200
    svg = ET.fromstring(response.content)
    assert "Flask" in "".join(svg.itertext())
    page = anonymous.get("/catalog/charts/")
    assert page.status_code == 200 and VT not in page.content.decode()


# ---------------------------------------------------------------- inputs


def test_wiki_admin_drops_control_characters(staff_client):
    response = staff_client.post(
        "/admin/wiki/page/add/",
        {
            "title": "Pasted Page",
            "body": f"First line{VT}second line\x1b",
            "summary": f"A{VT}summary",
            "tags_text": f"tag{VT}one",
            "comment": f"from{VT}Word",
            "base_revision": "",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    page = Page.objects.get(title="Pasted Page")
    assert page.body == "First line\nsecond line"
    assert page.summary == "A summary"
    assert page.current_revision.comment == "from Word"
    assert [t.name for t in page.tags.all()] == ["tag one"]


def test_catalog_admin_drops_control_characters(staff_client, catalog):
    data = {
        "name": f"Hug{VT}Web", "slug": "hug", "kind": "micro", "category": "",
        "status": "active", "status_note": "", "first_release": "", "end_year": "",
        "latest_version": "", "latest_release": "", "python_note": "", "sloc": "",
        "size_note": "", "used_by": "", "homepage": "", "repository": "", "licence": "",
        "summary": f"Small{VT}and fast", "description": f"One{VT}two", "notes": "",
        "support_row-TOTAL_FORMS": "1", "support_row-INITIAL_FORMS": "0",
        "support_row-0-engine": str(catalog["jinja"].pk), "support_row-0-level": Level.YES,
        "support_row-0-raw_value": f"Y{VT}", "support_row-0-notes": f"by{VT}plugin",
    }  # fmt: skip
    for prefix in ("relations_out", "relations_in", "support_column"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = staff_client.post("/admin/catalog/framework/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    hug = Entry.objects.get(slug="hug")
    assert (hug.name, hug.summary, hug.description) == ("Hug Web", "Small and fast", "One\ntwo")
    cell = Support.objects.get(framework=hug)
    assert (cell.raw_value, cell.notes) == ("Y", "by\nplugin")


def test_import_pages_drops_control_characters(tmp_path):
    path = tmp_path / "pages.jsonl"
    line = {"title": "Imported", "body": f"a{VT}b\x07", "summary": f"s{VT}t", "tags": [f"x{VT}y"]}
    path.write_text(json.dumps(line) + "\n")
    call_command("import_pages", str(path), workers=1)
    page = Page.objects.get(title="Imported")
    assert (page.body, page.summary) == ("a\nb", "s t")
    assert [t.name for t in page.tags.all()] == ["x y"]


def test_import_matrix_drops_control_characters(tmp_path, catalog):
    Support.objects.filter(pk=catalog["cell"].pk).update(raw_value=f"D{VT}", notes=f"a{VT}b")
    path = tmp_path / "matrix.csv"
    path.write_text(export_csv())
    call_command("import_matrix", str(path))
    cell = Support.objects.get(pk=catalog["cell"].pk)
    assert (cell.raw_value, cell.notes) == ("D ", "a\nb")
