"""manage.py bootstrap, as `make run` calls it on a fresh database."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Entry
from core.models import Stamp
from wiki.models import Page

pytestmark = pytest.mark.django_db


def test_a_fresh_database_gets_the_starting_content_once(monkeypatch, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-test-password")
    # Bookkeeping rows (a collection's stamp) are not content.
    Stamp.objects.create(name="wiki", number=3)
    assert not Page.objects.exists()
    out = StringIO()
    call_command("bootstrap", stdout=out)
    assert "Loaded" in out.getvalue()
    assert Page.objects.filter(current_revision__isnull=False).count() >= 5
    assert Entry.objects.count() >= 50
    pages = Page.objects.count()
    call_command("bootstrap", stdout=out)
    assert "already has content" in out.getvalue()
    assert Page.objects.count() == pages
