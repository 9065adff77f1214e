"""Hostile page names: a clean validation error in the admin form and through
import_pages (with the line number), and a 404 page — never a 500 — as a URL."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from tests.hardening.conftest import assert_page_inert
from wiki.models import Page

pytestmark = pytest.mark.django_db

BAD_NAMES = {
    "dotdot": "../../etc/passwd",
    "dotdot-plain": "a..b",
    "percent-dotdot": "%2e%2e%2fsecret",
    "percent": "%2e%2e",
    "nul": "Null\x00Byte",
    "markup": '<b onmouseover="x">Bold</b>',
    "quote": 'Say "hi"',
    "huge": "x" * 10_240,
    "blank": "   ",
    "control": "Tab\tand\nnewline\x1b",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_admin_form_refuses_bad_name(staff_client, name):
    response = staff_client.post(
        "/admin/wiki/page/add/", {"title": name, "body": "text", "base_revision": ""}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "title" in form.errors, form.errors
    message = " ".join(form.errors["title"])
    assert message and "Traceback" not in message
    assert_page_inert(response.content.decode(), "admin form")
    assert not Page.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_admin_rename_refuses_bad_name(staff_client, make_page, name):
    page = make_page("Good Name", "body")
    response = staff_client.post(
        f"/admin/wiki/page/{page.pk}/change/",
        {"title": name, "body": "body", "base_revision": page.revision_number},
    )
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    page.refresh_from_db()
    assert page.title == "Good Name" and page.revision_number == 1


def test_import_pages_reports_each_bad_line(tmp_path, capsys):
    lines = [json.dumps({"title": "Fine Page", "body": "ok"})]
    lines += [json.dumps({"title": name, "body": "bad"}) for name in BAD_NAMES.values()]
    lines.append(json.dumps({"title": "Also Fine", "body": "ok"}))
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n")
    try:
        call_command("import_pages", str(path), verbosity=1)
    except SystemExit:
        pass
    except Exception as exc:  # a CommandError summarising the bad lines is fine
        assert "Traceback" not in str(exc)
    out = capsys.readouterr()
    text = out.out + out.err
    for line_number in range(2, 2 + len(BAD_NAMES)):
        assert f"line {line_number}" in text.lower(), (line_number, text[-2000:])
    assert set(Page.objects.values_list("title", flat=True)) == {"Fine Page", "Also Fine"}


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/..%2f..%2fetc/",
        "/wiki/%2e%2e/",
        "/wiki/%2e%2e%2f%2e%2e%2fetc%2fpasswd/",
        "/wiki/%00/",
        "/wiki/a%00b/history/",
        "/wiki/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
        "/wiki/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E/",
        "/wiki/" + "x" * 10_240 + "/",
        "/wiki/%ff%fe/",
        "/wiki/..%5c..%5cwindows/",
        "/catalog/%00/",
        "/wiki/_tags/%00/",
        "/catalog/components/..%2f/",
    ],
)
def test_hostile_urls_are_404_pages(url, staff_user):
    for client in (Client(), Client()):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        html = response.content.decode()
        assert_page_inert(html, url)
        client.force_login(staff_user)  # the second pass as an editor ("Create the page")
    assert not Page.objects.exists()
