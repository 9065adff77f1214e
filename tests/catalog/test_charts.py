"""Server-side SVG: well-formed XML, titled, with escaped names."""

import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def _parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_heatmap_svg(client, small_catalog, make_framework, make_cell):
    evil = make_framework('<script>&"Evil"</script>', slug="evil", first_release=2001)
    make_cell(evil, small_catalog["jinja"], "YES", uncertain=True)
    response = client.get("/catalog/matrix.svg")
    root = _parse(response)
    texts = _texts(root)
    assert '<script>&"Evil"</script>' in texts  # the name survives as text, not markup
    assert b"<script>" not in response.content
    assert "Y?" in texts and "D" in texts and "M" in texts  # codes; undefined shows raw
    assert "Jinja2" in "".join(texts) and "Flask" in texts
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert "/catalog/flask/" in links


def test_timeline_svg(client, small_catalog, make_framework):
    make_framework(
        "Tom & Jerry <b>", slug="tj", first_release=1999, end_year=2003, status="discontinued"
    )
    make_framework("Undated", slug="undated")
    root = _parse(client.get("/catalog/timeline.svg"))
    texts = _texts(root)
    assert "Tom & Jerry <b>" in texts
    assert "Undated" not in texts
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert any("Pylons: first released 2005, until 2010; status discontinued" in t for t in titles)
    assert any(t.startswith("Django: first released 2005, still active") for t in titles)


def test_charts_page_inlines_both(client, small_catalog):
    html = client.get("/catalog/charts/").content.decode()
    assert html.count("<svg") == 2
    assert "Template engine support matrix" in html and "Timeline of Python web frameworks" in html


def test_empty_catalog_svgs_are_valid(client, db):
    _parse(client.get("/catalog/matrix.svg"))
    _parse(client.get("/catalog/timeline.svg"))
