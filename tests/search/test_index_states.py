"""A missing or damaged Whoosh index: search says so, the site keeps working, the
command reports and repairs it."""

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from search import api
from search.backends import reset_backends


def current_dir(settings):
    root = settings.SEARCH_INDEX_DIR
    return root / (root / "CURRENT").read_text().strip()


def test_missing_index_is_reported_not_a_500(client, whoosh_backend, make_page):
    make_page(title="Flask")  # outbox only: nothing drained inside the test transaction
    page = client.get(reverse("search:results"), {"q": "flask"})
    assert page.status_code == 200
    assert b"Search is unavailable" in page.content
    assert b"search_index --rebuild" in page.content
    api_response = client.get(reverse("search:api-search"), {"q": "flask"})
    assert api_response.status_code == 503
    assert "not been built" in api_response.json()["error"]
    assert client.get(reverse("search:api-suggest"), {"q": "fl"}).json()["suggestions"] == []
    assert client.get(reverse("wiki:page-list")).status_code == 200
    assert api.ids_matching("flask", "framework") is None


@pytest.mark.parametrize("damage", ["garbage", "deleted", "pointer"])
def test_damaged_index(client, settings, whoosh_backend, make_page, damage, capsys):
    make_page(title="Flask", body="micro")
    call_command("search_index", "--rebuild", verbosity=0)
    assert api.run_search("flask").results.total == 1
    path = current_dir(settings)
    if damage == "garbage":
        for f in path.iterdir():
            f.write_bytes(b"\x00garbage" * 100)
    elif damage == "deleted":
        shutil.rmtree(settings.SEARCH_INDEX_DIR)
    else:
        (settings.SEARCH_INDEX_DIR / "CURRENT").write_text("../../etc\n")
    # What a process that opens the index now sees (an older one may still answer from
    # the searcher it already holds, which is fine).
    reset_backends()
    page = client.get(reverse("search:results"), {"q": "flask"})
    assert page.status_code == 200
    assert b"Search is unavailable" in page.content
    with pytest.raises(CommandError):
        call_command("search_index", "--check")
    call_command("search_index", "--rebuild", verbosity=0)
    call_command("search_index", "--check")
    assert api.run_search("flask").results.total == 1


def test_check_catches_a_deleted_document_and_update_repairs(whoosh_backend, make_page, reindex):
    make_page(title="Alpha", body="one")
    make_page(title="Beta", body="two")
    call_command("search_index", "--rebuild", verbosity=0)
    call_command("search_index", "--check")
    alpha = api.run_search("alpha").results.hits[0]
    whoosh_backend.remove([f"page:{alpha.object_id}"])
    whoosh_backend.index([])
    with pytest.raises(CommandError, match="1 missing"):
        call_command("search_index", "--check")
    call_command("search_index", "--update", verbosity=0)
    call_command("search_index", "--check")
    call_command("search_index", "--update", verbosity=0)  # idempotent
    call_command("search_index", "--check")


def test_schema_version_mismatch_asks_for_rebuild(settings, whoosh_backend, make_page):
    make_page(title="Alpha")
    call_command("search_index", "--rebuild", verbosity=0)
    (current_dir(settings) / "SCHEMA_VERSION").write_text("0\n")
    outcome = api.run_search("alpha")
    assert outcome.unavailable is not None
    assert "another version" in outcome.unavailable.message
