"""Every render runs in a time-limited worker process and falls back to escaped text.

The slow converter below stands for any shape the parser might go quadratic on: the
bound must not depend on recognising the shape."""

import os
import time
from pathlib import Path

import pytest

from wiki import render as rendering
from wiki import sandbox
from wiki.markup import Targets, convert


def slow_convert(body: str, targets: Targets):
    """Module-level, so that the worker process can be handed it by name."""
    if "SLOW" in body:
        time.sleep(60)
    return convert(body, targets)


def crashing_convert(body: str, targets: Targets):
    if "CRASH" in body:
        os._exit(3)
    return convert(body, targets)


def pid_of_worker(*args):
    return os.getpid()


@pytest.fixture
def fresh_sandbox(monkeypatch):
    """A sandbox started after the test's patches, so the worker sees them."""
    box = sandbox.Sandbox()
    monkeypatch.setattr(rendering, "_sandbox", box)
    yield box
    box.stop()


def test_render_runs_in_another_process(fresh_sandbox):
    assert fresh_sandbox.call(pid_of_worker, timeout=10) != os.getpid()
    html = rendering.render("**bold** and `code`").html
    assert "<strong>bold</strong>" in html


def test_overrun_falls_back_to_escaped_text_with_a_note(db, fresh_sandbox, settings, monkeypatch):
    monkeypatch.setattr(rendering, "convert", slow_convert)
    settings.WIKI_RENDER_TIMEOUT = 0.5
    started = time.monotonic()
    rendered = rendering.render("<b>x</b> SLOW [[Somewhere]]")
    assert time.monotonic() - started < 10  # a bound on a hang, not a speed measurement
    assert rendered.fallback == rendering.TOO_SLOW
    assert "took too long to format" in rendered.html
    assert '<pre class="unrendered">&lt;b&gt;x&lt;/b&gt; SLOW' in rendered.html
    assert rendered.links == []
    # The killed worker is replaced: the next body renders normally.
    assert "<em>fine</em>" in rendering.render("*fine*").html


def test_a_worker_that_dies_is_replaced(db, fresh_sandbox, monkeypatch):
    monkeypatch.setattr(rendering, "convert", crashing_convert)
    rendered = rendering.render("CRASH")
    assert rendered.fallback == rendering.BROKEN
    assert "<strong>ok</strong>" in rendering.render("**ok**").html


def test_render_many_bounds_each_body_and_keeps_the_others(db, settings, monkeypatch):
    monkeypatch.setattr(rendering, "convert", slow_convert)
    settings.WIKI_RENDER_TIMEOUT = 1.0
    items = [(i, f"Body *{i}*") for i in range(rendering.MIN_ITEMS_FOR_WORKERS + 4)]
    items[3] = (3, "SLOW body")
    results = dict(rendering.render_many(items, workers=2))
    assert set(results) == {i for i, _ in items}
    assert results[3].fallback == rendering.TOO_SLOW
    assert all(f"<em>{i}</em>" in results[i].html for i in results if i != 3)


def test_run_many_reports_each_outcome():
    outcomes = dict(
        sandbox.run_many(pid_of_worker, [(i, ()) for i in range(6)], workers=2, timeout=10)
    )
    pids = set(outcomes.values())
    assert len(outcomes) == 6 and os.getpid() not in pids and len(pids) <= 2


def test_a_save_renders_before_its_transaction(db, monkeypatch):
    """The render happens outside any transaction: a slow body never holds the database's
    write lock (on SQLite every other writer would wait, then fail)."""
    from django.db import connection

    from wiki import services

    seen = []
    real = rendering.render

    def spy(body):
        seen.append(len(connection.savepoint_ids))
        return real(body)

    monkeypatch.setattr(services, "render", spy)
    # pytest-django's db fixture wraps the test in a transaction; what matters is that
    # the service opens none around the render (the depth stays the test's own).
    depth = len(connection.savepoint_ids)
    page = services.page_create(title="Outside", body="text")
    services.page_update(page=page, body="more text")
    assert seen == [depth, depth]


@pytest.mark.django_db(transaction=True)
def test_the_admin_renders_before_its_transaction(monkeypatch, client, django_user_model):
    """The admin wraps a save in a transaction (on SQLite: the write lock); the body is
    rendered before it opens, and the service stores that result."""
    from django.db import connection

    from wiki import admin as wiki_admin
    from wiki import services
    from wiki.models import Page

    calls = []
    real = rendering.render

    def spy(body):
        calls.append(connection.in_atomic_block)
        return real(body)

    monkeypatch.setattr(wiki_admin, "render", spy)
    monkeypatch.setattr(services, "render", spy)
    user = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-ed-12345")
    client.force_login(user)
    response = client.post(
        "/admin/wiki/page/add/",
        {"title": "Outside", "body": "*text*", "summary": "", "tags_text": "", "comment": ""},
    )
    assert response.status_code == 302
    assert calls == [False]  # once, and outside any transaction
    assert "<em>text</em>" in Page.objects.get(title="Outside").html


def test_creating_a_title_many_pages_want_renders_one_page(db, monkeypatch):
    """The pages wanting a new title are marked in the creating transaction and rendered
    after it, by the outbox: the create itself renders only the new page."""
    from core.models import Task
    from wiki import services
    from wiki.models import Page

    for n in range(120):
        services.page_create(title=f"Wanting {n}", body="See [[Popular Title]].")
    renders = []
    real = rendering.render

    def counting(body):
        renders.append(body)
        return real(body)

    monkeypatch.setattr(services, "render", counting)
    services.page_create(title="Popular Title", body="Here.")
    assert renders == ["Here."]
    assert Page.objects.filter(needs_render=True).count() == 120
    assert Task.objects.filter(topic="wiki.render").count() == 120


def test_a_worker_outlives_no_parent(tmp_path):
    """A process killed outright (SIGKILL: no clean-up) leaves no render worker behind."""
    import signal
    import subprocess
    import sys

    script = (
        "import os, sys, time, django\n"
        "django.setup()\n"
        "from wiki import sandbox\n"
        "box = sandbox.Sandbox()\n"
        "worker = box.call(os.getpid, timeout=10)\n"
        "print(worker, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    worker = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{worker}/stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":  # exited, waiting for init to reap it
            break
        time.sleep(0.2)
    else:
        os.kill(worker, signal.SIGKILL)
        raise AssertionError("the render worker outlived its parent")
