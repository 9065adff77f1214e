"""Valid HTML: the Nu HTML checker (vnu-jar from the npm registry, installed by
`make browsers`; Java runs it) finds no error on the main page types, as the live server
with production settings sends them."""

import json
import subprocess
import urllib.request

import pytest

from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

VNU_JAR = ROOT / "var" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHECKED = {
    "front": "/",
    "wiki-page": "/wiki/web-frameworks/",
    "old-revision": "/wiki/web-frameworks/?rev=1",
    "history": "/wiki/web-frameworks/history/",
    "diff": "/wiki/web-frameworks/diff/1/2/",
    "page-list": "/wiki/",
    "recent": "/wiki/_recent/",
    "catalog": "/catalog/",
    "framework": "/catalog/django/",
    "component": "/catalog/components/jinja2/",
    "components": "/catalog/components/",
    "matrix": "/catalog/matrix/",
    "cell": "/catalog/matrix/django/jinja2/",
    "compare": "/catalog/compare/?f=django&f=flask&f=pyramid",
    "compare-one": "/catalog/compare/?f=flask",
    "charts": "/catalog/charts/",
    "search": "/search/?q=template",
    "grid": "/catalog/grid/",
    "grid-group": "/catalog/grid/batteries/",
    "capability": "/catalog/capabilities/asgi/",
    "catalog-history": "/catalog/django/history/",
    "cap-cell": "/catalog/matrix/flask/asgi/",
    "choose": "/catalog/choose/?require=asgi&prefer=orm",
    "missing": "/wiki/session-management/?title=SessionManagement",
}


def test_nu_html_checker_finds_no_error(server, tmp_path):
    if not VNU_JAR.exists():
        pytest.fail(f"vnu.jar is missing at {VNU_JAR}: run `make browsers` (npm install vnu-jar)")
    files = []
    for name, url in CHECKED.items():
        try:
            with urllib.request.urlopen(server.url + url, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as error:  # the missing page answers 404, on purpose
            assert error.code == 404 and name == "missing", (url, error.code)
            body = error.read()
        path = tmp_path / f"{name}.html"
        path.write_bytes(body)
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
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')} "
        f"[{m.get('extract', '').strip()[:80]}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors[:40])
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(files) == len(CHECKED)
