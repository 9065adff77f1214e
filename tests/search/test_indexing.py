"""Keeping the index true: after-commit indexing from every kind of save, failures that
never reach the save, and rebuilds that never stop search from answering."""

import logging
import threading

import pytest
from django.core.management import call_command

from catalog import services as catalog_services
from core.models import Task
from search import api, indexer
from wiki import services


def found(q):
    outcome = api.run_search(q)
    assert outcome.unavailable is None, outcome.unavailable
    return {h.title for h in outcome.results.hits}


def test_a_saved_word_is_found_right_after_commit(
    search_backend, make_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page(title="Bottle", body="A tiny framework.")
    assert found("bottle") == {"Bottle"}
    assert Task.objects.filter(topic="search.index").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=page, body="A tiny framework with a zeppelin.")
    assert found("zeppelin") == {"Bottle"}
    with django_capture_on_commit_callbacks(execute=True):
        services.page_delete(page=services.Page.objects.get(pk=page.pk))
    assert found("bottle") == set()
    assert Task.objects.filter(topic="search.index").count() == 0


def test_nothing_is_indexed_before_commit(search_backend, make_page, reindex):
    with pytest.raises(RuntimeError), services.transaction.atomic():
        make_page(title="Rolled Back", body="phantom")
        raise RuntimeError
    make_page(title="Kept", body="phantom")
    reindex()
    assert found("phantom") == {"Kept"}


def test_catalog_saves_are_indexed(
    search_backend, make_framework, make_component, make_support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fw = make_framework("Falcon", summary="Bare-metal APIs.")
        engine = make_component("Chameleon")
    assert found("falcon") == {"Falcon"}
    with django_capture_on_commit_callbacks(execute=True):
        make_support(fw, engine, "YES", "through a xylophone adapter")
    assert found("xylophone") == {"Falcon", "Chameleon"}
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.entry_delete(entry=fw)
    assert found("falcon") == set()
    assert found("xylophone") == set()


def test_loaddata_raw_saves_are_indexed(
    search_backend, tmp_path, django_capture_on_commit_callbacks
):
    fixture = tmp_path / "pages.json"
    fixture.write_text(
        '[{"model": "wiki.page", "fields": {"title": "Loaded Page", "slug": "loaded-page",'
        ' "body": "from a quokka fixture", "created": "2024-01-01T00:00:00Z",'
        ' "updated": "2024-01-01T00:00:00Z"}}]'
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)
    assert found("quokka") == {"Loaded Page"}


def test_an_index_failure_never_fails_the_save(
    search_backend, make_page, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(search_backend), "apply", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        page = make_page(title="Survivor", body="resilient")
    assert page.pk
    assert "search_index --update" in caplog.text
    assert Task.objects.filter(
        topic="search.index", key=f"page:{page.pk}"
    ).exists()  # kept for the repair
    monkeypatch.undo()
    call_command("search_index", "--update", verbosity=0)
    assert found("resilient") == {"Survivor"}
    assert not Task.objects.filter(topic="search.index").exists()
    call_command("search_index", "--check", verbosity=0)


def test_rebuild_update_check_round_trip(search_backend, make_page, make_framework):
    for i in range(5):
        make_page(title=f"Round {i}", body="trip")
    make_framework("Tornado")
    call_command("search_index", "--rebuild", verbosity=0, skip_checks=False)
    call_command("search_index", "--rebuild", verbosity=0)  # idempotent
    call_command("search_index", "--check", verbosity=0)
    assert len(found("trip")) == 5
    call_command("search_index", "--update", verbosity=0)
    call_command("search_index", "--check", verbosity=0)


def test_search_answers_during_a_rebuild(whoosh_backend, make_page, reindex):
    for i in range(120):
        make_page(title=f"Doc {i}", body="rebuild marmot")
    reindex()
    seen = []
    real_rebuild = whoosh_backend.rebuild

    def rebuild_and_search(docs, total, progress=None):
        def progress_and_search(done):
            seen.append(api.run_search("marmot").results.total)

        return real_rebuild(docs, total, progress_and_search)

    whoosh_backend.rebuild = rebuild_and_search
    try:
        call_command("search_index", "--rebuild", verbosity=0)
    finally:
        del whoosh_backend.rebuild
    assert seen and all(total == 120 for total in seen)
    assert api.run_search("marmot").results.total == 120


def test_saves_during_a_rebuild_are_not_lost(whoosh_backend, make_page, reindex):
    make_page(title="Before", body="lemur")
    reindex()
    real_rebuild = whoosh_backend.rebuild
    added = threading.Event()

    def rebuild_with_a_save(docs, total, progress=None):
        docs = list(docs)
        make_page(title="During", body="lemur")  # outbox row; its drain finds the lock held
        assert indexer.drain() == 0
        added.set()
        return real_rebuild(docs, total, progress)

    whoosh_backend.rebuild = rebuild_with_a_save
    try:
        call_command("search_index", "--rebuild", verbosity=0)
    finally:
        del whoosh_backend.rebuild
    assert added.is_set()
    assert found("lemur") == {"Before", "During"}
