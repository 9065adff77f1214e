"""loaddata with a bad foreign key or an invalid level fails clearly and changes nothing;
fixture text full of payloads loads, and renders sanitized."""

import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tests.hardening.conftest import assert_page_inert
from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki.models import Page

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = [
    {"model": "catalog.pythonversion", "fields": {"name": "3.12", "major": 3, "minor": 12}},
    {
        "model": "catalog.entry",
        "fields": {"type": "framework", "name": "Flask", "slug": "flask", "kind": "micro"},
    },
    {
        "model": "catalog.entry",
        "fields": {
            "type": "component",
            "name": "Jinja2",
            "slug": "jinja2",
            "category": "template-engine",
        },
    },
]

BAD = {
    "invalid level": {
        "model": "catalog.support",
        "fields": {"framework": ["flask"], "engine": ["jinja2"], "level": "MAYBE"},
    },
    "missing python version": {
        "model": "catalog.entry",
        "fields": {
            "type": "framework",
            "name": "Ghost",
            "slug": "ghost",
            "kind": "micro",
            "python_versions": [["9.99"]],
        },
    },
    "missing engine": {
        "model": "catalog.support",
        "fields": {"framework": ["flask"], "engine": ["no-such-engine"], "level": "YES"},
    },
    "missing evidence page": {
        "model": "catalog.support",
        "fields": {
            "framework": ["flask"],
            "engine": ["jinja2"],
            "level": "YES",
            "evidence_page": ["no-such-page"],
        },
    },
    "invalid entry type": {
        "model": "catalog.entry",
        "fields": {"type": "spaceship", "name": "X", "slug": "x", "kind": "micro"},
    },
}


EXPECTED = {
    "invalid level": "catalog_support_level_valid",
    "missing python version": "9.99",
    "missing engine": "names no capability or engine that exists",
    "missing evidence page": "no-such-page",
    # SQLite names the failed constraint; PostgreSQL may name another and show the row.
    "invalid entry type": ("catalog_entry_type_valid", "spaceship"),
}


def counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for label in ("wiki", "catalog")
        for m in apps.get_app_config(label).get_models()
    }


@pytest.mark.parametrize("problem", BAD.keys())
def test_bad_fixture_fails_clearly_and_changes_nothing(tmp_path, make_page, problem):
    make_page("Existing", "kept")
    call_command("loaddata", _write(tmp_path / "base.json", GOOD[:1]), verbosity=0)
    before = counts()
    # The good objects come first in the same file: they must be rolled back too.
    path = _write(tmp_path / "bad.json", [*GOOD[1:], BAD[problem]])
    with pytest.raises((CommandError, Exception)) as exc:
        call_command("loaddata", path, verbosity=0)
    message = str(exc.value)
    # What is wrong, naming the offending value or rule.
    expected = EXPECTED[problem]
    expected = (expected,) if isinstance(expected, str) else expected
    assert any(fragment in message for fragment in expected), message
    assert counts() == before, problem


def test_payload_fixture_loads_and_renders_sanitized(tmp_path, client):
    pages = [
        {
            "model": "wiki.page",
            "fields": {
                "title": f"Payload {i}",
                "slug": f"payload-{i}",
                "body": payload,
                "summary": payload[:300],
                "created": "2024-01-01T00:00:00Z",
                "updated": "2024-01-01T00:00:00Z",
            },
        }
        for i, payload in enumerate(XSS_PAYLOADS)
    ]
    path = _write(tmp_path / "payloads.json", pages)
    call_command("loaddata", path, verbosity=0)
    assert Page.objects.count() == len(XSS_PAYLOADS)
    for page in Page.objects.all():
        assert page.current_revision is not None, "pages render after the load commits"
        assert_inert(page.html)
        response = client.get(page.get_absolute_url())
        assert response.status_code == 200
        assert_page_inert(response.content.decode(), page.slug)


def _write(path, objects) -> str:
    path.write_text(json.dumps(objects))
    return str(path)
