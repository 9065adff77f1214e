"""Shared fixtures: small factories, not the demo fixtures."""

import itertools

import pytest

from core import pagecache
from wiki import services

_counter = itertools.count(1)


@pytest.fixture
def make_page(db):
    """make_page(title=None, body="", **kwargs) → a Page saved through the service."""

    def factory(title: str | None = None, body: str = "Some text.", **kwargs):
        return services.page_create(
            title=title or f"Test Page {next(_counter)}", body=body, **kwargs
        )

    return factory


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-editor-1")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _own_search_index(settings, tmp_path):
    """Each test gets an empty search index: documents indexed by an earlier test (whose
    rows were rolled back, and whose ids SQLite may reuse) never leak into another."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Versions roll back with each test's transaction and repeat; pages cached by an
    earlier test under the same versions must not answer this one."""
    pagecache.clear()
