"""Real processes against a real (file or server) database: concurrent savers never see
a LockError nor lose an update, and an indexer SIGKILLed mid-commit leaves an index that
still opens, that --check reports and --update repairs."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from bench.live import database_url
from core.models import Task
from search import api

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SAVER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from wiki.services import page_create
    prefix, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        page_create(title=f"{prefix} {i}", body=f"concurrent {prefix.lower()} save")
    print("done", count)
    """
)

KILLED = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from whoosh import writing
    ready = sys.argv[1]
    real = writing.SegmentWriter._commit_toc
    def stall(self, segments):
        open(ready, "w").close()   # segment files written, TOC not yet: kill me now
        time.sleep(60)
        return real(self, segments)
    writing.SegmentWriter._commit_toc = stall
    from wiki.services import page_create
    page_create(title="Kamikaze", body="kamikaze page saved while its indexer dies")
    """
)


@pytest.fixture
def child_env(settings, tmp_path):
    if connection.vendor == "sqlite" and str(connection.settings_dict["NAME"]).startswith(
        ("file:", ":memory:")
    ):
        pytest.fail("process tests need a file-based test database (see config/test_settings)")
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="test-only-child-process-key",
        DATABASE_URL=database_url(connection.settings_dict),
        SEARCH_BACKEND="whoosh",
        SEARCH_INDEX_DIR=str(settings.SEARCH_INDEX_DIR),
        VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(django_settings.BASE_DIR),
    )
    return env


def _spawn(env, script, *args):
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        env=env,
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_saving_at_once(child_env, make_page):
    make_page(title="Seed", body="concurrent seed")
    call_command("search_index", "--rebuild", verbosity=0)
    count = 12
    procs = [_spawn(child_env, SAVER, name, count) for name in ("Alpha", "Beta")]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "LockError" not in err and "Traceback" not in err, err
    assert Task.objects.filter(topic="search.index").count() == 0
    results = api.run_search("concurrent", pagelen=50).results
    assert results.total == 2 * count + 1
    for name in ("alpha", "beta"):
        assert api.run_search(f"concurrent {name}", pagelen=50).results.total == count
    call_command("search_index", "--check", verbosity=0)


def test_indexer_killed_mid_commit(child_env, make_page, tmp_path):
    make_page(title="Survivor", body="still here")
    call_command("search_index", "--rebuild", verbosity=0)
    ready = tmp_path / "ready"
    proc = _spawn(child_env, KILLED, ready)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the child never reached the commit"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    # The index still opens and answers; the killed commit is simply not there.
    outcome = api.run_search("survivor")
    assert outcome.unavailable is None
    assert outcome.results.total == 1
    assert api.run_search("kamikaze").results.total == 0
    assert Task.objects.filter(topic="search.index").exists()  # the outbox kept the change
    with pytest.raises(CommandError, match="missing"):
        call_command("search_index", "--check", verbosity=0)

    # Another process can save (no stale lock), and --update repairs everything.
    saver = _spawn(child_env, SAVER, "After", 1)
    _out, err = saver.communicate(timeout=60)
    assert saver.returncode == 0, err
    call_command("search_index", "--update", verbosity=0)
    call_command("search_index", "--check", verbosity=0)
    assert api.run_search("kamikaze").results.total == 1
    assert api.run_search("concurrent after").results.total == 1
    leftovers = [p.name for p in Path(child_env["SEARCH_INDEX_DIR"]).glob("index-*")]
    assert leftovers


def test_the_worker_stops_on_sigterm_leaving_no_claimed_task(child_env, make_page):
    """`manage.py work` beside gunicorn: a deploy's SIGTERM ends it after the batch at hand,
    so no task is left claimed (waiting out its lease) and the index is complete."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "work", "-v0", "--idle", "0.1"],
        env=child_env,
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        saver = _spawn({**child_env, "OUTBOX_DRAIN": "off"}, SAVER, "Worked", 5)
        _out, err = saver.communicate(timeout=120)
        assert saver.returncode == 0, err
        deadline = time.monotonic() + 60
        while Task.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Task.objects.exists()  # the worker did the saves' follow-up work
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=30)
    finally:
        worker.kill() if worker.poll() is None else None
    assert worker.returncode == 0, err
    assert api.run_search("worked", pagelen=50).results.total == 5
