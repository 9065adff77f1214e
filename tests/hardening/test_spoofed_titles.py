"""Titles that pass for others are refused (issue 15, finding 15): a word mixing alphabets
(Latin with a Cyrillic "а"), direction overrides and invisible characters. Ordinary titles
in any one alphabet, and words Japanese, Chinese and Korean write together, stay valid."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from wiki.models import Page
from wiki.naming import validate_title

pytestmark = pytest.mark.django_db

SPOOFS = {
    "cyrillic-a": "Fl\u0430sk",
    "greek-omicron": "Pyth\u03bfn Web Frameworks",
    "cyrillic-and-greek": "\u03a1\u0443th\u03bfnWeb",
    "rtl-override": "Flask\u202egnp.exe",
    "rtl-isolate": "\u2067Flask\u2069",
    "lrm": "Flask\u200e",
    "zero-width-space": "Fla\u200bsk",
    "word-joiner": "Fla\u2060sk",
    "byte-order-mark": "\ufeffFlask",
    "soft-hyphen": "Fla\u00adsk",
}
GOOD = [
    "Flask",
    "Café Framework",
    "Django по-русски",
    "Ελληνικά Web",
    "日本語 Web",
    "Jinja2テンプレート",
    "파이썬 Web",
    "Straße",
    "Python 3.12",
]


@pytest.mark.parametrize("title", SPOOFS.values(), ids=SPOOFS.keys())
def test_validate_title_refuses_spoofs(title):
    with pytest.raises(ValidationError) as caught:
        validate_title(title)
    message = " ".join(caught.value.messages)
    assert "alphabet" in message or "invisible or direction-changing" in message


@pytest.mark.parametrize("title", GOOD)
def test_validate_title_keeps_ordinary_titles(title):
    assert validate_title(title) == title


@pytest.mark.parametrize("title", SPOOFS.values(), ids=SPOOFS.keys())
def test_admin_form_refuses_spoofed_title(staff_client, make_page, title):
    make_page("Flask", "The real one.")
    response = staff_client.post(
        "/admin/wiki/page/add/", {"title": title, "body": "fake", "base_revision": ""}
    )
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert list(Page.objects.values_list("title", flat=True)) == ["Flask"]


def test_import_pages_reports_spoofed_titles(tmp_path, capsys):
    path = tmp_path / "pages.jsonl"
    lines = [json.dumps({"title": "Real Page", "body": "ok"})]
    lines += [json.dumps({"title": t, "body": "bad"}) for t in SPOOFS.values()]
    path.write_text("\n".join(lines) + "\n")
    call_command("import_pages", str(path))
    assert list(Page.objects.values_list("title", flat=True)) == ["Real Page"]
    err = capsys.readouterr().err
    for number in range(2, 2 + len(SPOOFS)):
        assert f"line {number}:" in err
