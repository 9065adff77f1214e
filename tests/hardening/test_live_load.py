"""Two gunicorn workers save pages (admin POSTs) while searches run: no 5xx, no LockError
in any response or in the server log; afterwards `search_index --check` is clean. And a
damaged index seen end to end: the site stays up, search says what is wrong, --check
reports it, --rebuild restores it. (kill -9 mid-commit: tests/search/test_processes.py.)"""

import os
import shutil
import subprocess
import threading
import time

import pytest

from tests.hardening.conftest import BIN, ROOT, Browser, Gunicorn
from wiki import services

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = float(os.environ.get("HARDENING_LOAD_SECONDS", "15"))


@pytest.fixture
def site(file_database, tmp_path):
    pages = [services.page_create(title=f"Load Page {i}", body=f"flask body {i}") for i in range(6)]
    env = {
        "SECRET_KEY": "test-only-live-load-key",
        "DATABASE_URL": file_database,
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    env_all = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env_all.pop("TEST_DATABASE_NAME", None)
    subprocess.run(
        [str(BIN / "python"), "manage.py", "search_index", "--rebuild", "-v0"],
        cwd=ROOT, env=env_all, check=True,
    )  # fmt: skip
    # Created by the server's own settings: its password hasher, not the tests' fast one.
    subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c",
         "from django.contrib.auth import get_user_model as g\n"
         "for n in ('saver', 'ed'):\n"
         "    g().objects.create_superuser(n, n + '@x.example', 'pw-' + n + '-1')"],
        cwd=ROOT, env=env_all, check=True,
    )  # fmt: skip
    return {"env": env, "env_all": env_all, "pages": pages, "tmp": tmp_path}


def search_index(site, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", "search_index", *args],
        cwd=ROOT, env=site["env_all"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_two_workers_save_while_searching(site):
    problems: list[str] = []
    saved = {"n": 0, "conflicts": 0, "searches": 0}
    lock = threading.Lock()
    with Gunicorn(env=site["env"], log_path=site["tmp"] / "gunicorn.log", workers=2) as server:
        stop = time.monotonic() + LOAD_SECONDS

        def saver(k):
            browser = Browser(server.base)
            browser.login("saver", "pw-saver-1")
            i = 0
            while time.monotonic() < stop:
                page = site["pages"][(k * 3 + i) % len(site["pages"])]
                url = f"/admin/wiki/page/{page.pk}/change/"
                status, body, _ = browser.request(url)
                if status != 200:
                    problems.append(f"GET {url}: {status}")
                    continue
                base = body.split('name="base_revision" value="')[1].split('"')[0]
                status, body, _ = browser.request(
                    url,
                    {
                        "csrfmiddlewaretoken": browser.csrf_from(body),
                        "title": page.title,
                        "body": f"flask saved by {k} #{i}",
                        "base_revision": base,
                        "comment": f"saver {k} {i}",
                    },
                )
                with lock:
                    if status == 302:
                        saved["n"] += 1
                    elif status == 200 and "Edit conflict" in body:
                        saved["conflicts"] += 1
                    else:
                        problems.append(f"save {url}: {status} {body[:200]}")
                i += 1

        def searcher(k):
            browser = Browser(server.base)
            i = 0
            while time.monotonic() < stop:
                for path in (
                    f"/search/?q=flask+{i % 7}",
                    "/api/search/?q=flask",
                    "/api/suggest/?q=lo",
                ):
                    status, body, _ = browser.request(path)
                    if status >= 500 or "LockError" in body:
                        problems.append(f"{path}: {status} {body[:200]}")
                with lock:
                    saved["searches"] += 1
                i += 1

        threads = [threading.Thread(target=saver, args=(k,)) for k in range(3)]
        threads += [threading.Thread(target=searcher, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(LOAD_SECONDS + 60)
        time.sleep(1)  # let the last after-commit indexing finish
        log = server.log_text()
    assert not problems, problems[:5]
    assert saved["n"] >= 5 and saved["searches"] >= 5, saved
    assert "LockError" not in log and "Traceback" not in log, log[-3000:]
    check = search_index(site, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    from wiki.models import Revision

    assert Revision.objects.filter(comment__startswith="saver ").count() == saved["n"]


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_damaged_index_end_to_end(site, damage):
    index = site["tmp"] / "index"
    if damage == "deleted":
        shutil.rmtree(index)
    else:
        for path in index.rglob("*"):
            if path.is_file():
                path.write_bytes(os.urandom(512))
        (index / "junk.seg").write_bytes(b"\x00garbage" * 64)
    with Gunicorn(env=site["env"], log_path=site["tmp"] / "gunicorn.log", workers=1) as server:
        browser = Browser(server.base)
        for page in site["pages"][:3]:
            assert browser.request(page.get_absolute_url())[0] == 200
        status, body, _ = browser.request("/search/?q=flask")
        assert status == 200 and "Search is unavailable" in body
        assert "search_index --rebuild" in body
        status, body, _ = browser.request("/api/search/?q=flask")
        assert status == 503 and "error" in body
        # An editor can still save; the index catches up after the rebuild.
        editor = Browser(server.base)
        editor.login("ed", "pw-ed-1")
        page = site["pages"][0]
        url = f"/admin/wiki/page/{page.pk}/change/"
        _, form, _ = editor.request(url)
        status, _, _ = editor.request(
            url,
            {
                "csrfmiddlewaretoken": editor.csrf_from(form),
                "title": page.title,
                "body": "saved while the index was broken",
                "base_revision": "1",
            },
        )
        assert status == 302
        check = search_index(site, "--check")
        assert check.returncode != 0
        rebuild = search_index(site, "--rebuild")
        assert rebuild.returncode == 0, rebuild.stderr
        assert search_index(site, "--check").returncode == 0
        status, body, _ = browser.request("/search/?q=broken")
        assert status == 200 and "Load Page 0" in body
        log = server.log_text()
        # The damage is logged (with its cause) for the operator; no request failed.
        assert "Internal Server Error" not in log and '" 500 ' not in log, log[-3000:]
