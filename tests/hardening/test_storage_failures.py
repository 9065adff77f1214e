"""When the database cannot be written (issue 15, finding 18): readers keep reading, and a
save says "not saved" with its text shown back — a 503, never a bare 500. A read-only
database directory is tested with a real gunicorn whose root user has lost the right to
override file permissions; a full disk with SQLite's max_page_count (PostgreSQL: a
read-only transaction, its SQLSTATE 25006)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client

from bench.live import free_port
from tests.hardening.conftest import BIN, ROOT, Browser
from wiki.models import Page

pytestmark = pytest.mark.django_db

SAVED_TEXT = "A paragraph the editor spent an hour on. " * 50


def _save(client: Client, page: Page, body: str):
    return client.post(
        f"/admin/wiki/page/{page.pk}/change/",
        {
            "title": page.title,
            "body": body,
            "summary": "",
            "tags_text": "",
            "comment": "my careful summary",
            "base_revision": page.revision_number,
            "_save": "Save",
        },
    )


@pytest.fixture
def editor(staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    return client


def _assert_not_saved_page(response, body: str) -> None:
    assert response.status_code == 503
    html = response.content.decode()
    assert "Not saved" in html and "Your text was not saved" in html
    assert body.strip()[:60] in html  # the text, in a read-only textarea to copy
    assert "my careful summary" in html
    assert "csrfmiddlewaretoken" not in html


def _make_unwritable(cursor) -> str:
    """Make the test connection unable to write; the problem the site should report."""
    if connection.vendor == "sqlite":
        # Use up the free pages the file already has, then allow it no more: a full disk.
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        size = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE disk_filler (x BLOB)")
        cursor.execute("INSERT INTO disk_filler VALUES (zeroblob(%s))", [(free + 1) * size])
        cursor.execute("PRAGMA page_count")
        cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")
        return "disk is full"
    cursor.execute("SET transaction_read_only = on")  # as on a hot standby: SQLSTATE 25006
    return "read-only"


def _make_writable(cursor) -> None:
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA max_page_count = 1073741823")


def test_unwritable_database_save_says_so_and_keeps_the_text(editor, make_page):
    page = make_page("Cannot Write", "old text")
    savepoint = transaction.savepoint()  # PostgreSQL: rolling back to it ends read-only
    with connection.cursor() as cursor:
        problem = _make_unwritable(cursor)
    try:
        response = _save(editor, page, SAVED_TEXT)
    finally:
        transaction.savepoint_rollback(savepoint)
        with connection.cursor() as cursor:
            _make_writable(cursor)
    _assert_not_saved_page(response, SAVED_TEXT)
    assert problem in response.content.decode()
    if connection.vendor == "sqlite":
        page.refresh_from_db()
        assert (page.body, page.revision_number) == ("old text", 1)
        assert Client().get(f"/wiki/{page.slug}/").status_code == 200  # readers still read


# ---------------------------------------------------------------- a read-only directory

NO_OVERRIDE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


class _Server:
    """gunicorn (config/gunicorn.py) as root without CAP_DAC_OVERRIDE: file permissions
    apply to it as to any user."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "1"}
        self.log = log

    def __enter__(self):
        self.out = self.log.open("a")
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
        self.proc = subprocess.Popen(
            NO_OVERRIDE + command, cwd=ROOT, env=self.env, stdout=self.out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.base + "/wiki/", timeout=5):
                    return self
            except urllib.error.HTTPError as err:
                message = f"/wiki/ answered {err.code}: {self.log.read_text()[-3000:]}"
                raise AssertionError(message) from err
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + self.log.read_text()[-3000:])

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.out.close()


@pytest.fixture
def site_on_disk():
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to drop root's permission override")
    folder = Path(tempfile.mkdtemp(prefix="wiki-ro-"))
    data = folder / "data"
    data.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "SECRET_KEY": "test-only-read-only-key",
        "DEBUG": "",
        "VAR_DIR": str(folder / "var"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    env.pop("TEST_DATABASE_NAME", None)
    manage = [str(BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "shell", "-c",
         "from django.contrib.auth import get_user_model as g\n"
         "from wiki import services\n"
         "g().objects.create_superuser('ed', 'ed@x.example', 'pw-ed-long-1')\n"
         "services.page_create(title='Still Here', body='Readers keep reading this.')"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    yield {"folder": folder, "data": data, "env": env, "log": folder / "gunicorn.log"}
    for path in [data, *data.iterdir()]:
        path.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_read_only_database_directory_keeps_readers_reading(site_on_disk):
    site = site_on_disk
    with _Server(site["env"], site["log"]) as server:
        browser = Browser(server.base)
        browser.login("ed", "pw-ed-long-1")
        status, form, _ = browser.request("/admin/wiki/page/1/change/")
        assert status == 200
        token = browser.csrf_from(form)
    # The disk goes read-only: the directory (no -shm can be made) and the files.
    for path in site["data"].iterdir():
        path.chmod(0o444)
    site["data"].chmod(0o555)
    db = site["data"] / "db.sqlite3"
    with _Server(site["env"], site["log"]) as server:
        browser.base = server.base
        for url in ["/", "/wiki/", "/wiki/still-here/", "/wiki/still-here/history/", "/catalog/"]:
            status, html, _ = browser.request(url)
            assert status == 200, (url, status, html[:300])
        status, html, _ = browser.request("/wiki/still-here/")
        assert "Readers keep reading this." in html
        status, html, _ = browser.request(
            "/admin/wiki/page/1/change/",
            {
                "csrfmiddlewaretoken": token,
                "title": "Still Here",
                "body": SAVED_TEXT,
                "summary": "",
                "tags_text": "",
                "comment": "my careful summary",
                "base_revision": "1",
                "_save": "Save",
            },
        )
        assert status == 503, (status, html[:500])
        assert "Not saved" in html and "read-only" in html
        assert SAVED_TEXT.strip()[:60] in html and "my careful summary" in html
        assert "cannot be written to: serving it read-only" in site["log"].read_text()
    with sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True) as check:
        assert check.execute("SELECT count(*) FROM wiki_revision").fetchone()[0] == 1
