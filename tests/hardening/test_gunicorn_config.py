"""config/gunicorn.py against a real gunicorn (issue 15, findings 16 and 17): forwarded
headers are believed only with BEHIND_PROXY, and no instance opens a control socket at a
path another instance shares."""

from __future__ import annotations

import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.hardening.conftest import BIN, ROOT, Gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("gunicorn-site")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "SECRET_KEY": "test-only-gunicorn-config-key",
        "SEARCH_INDEX_DIR": str(folder / "index"),
    }
    full = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    full.pop("TEST_DATABASE_NAME", None)
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=full, check=True
    )
    return {"env": env, "folder": folder}


def _instance(database, tmp_path: Path, name: str, **env) -> Gunicorn:
    home = tmp_path / f"home-{name}"
    home.mkdir()
    return Gunicorn(
        env={
            **database["env"],
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "VAR_DIR": str(tmp_path / "var"),
            **env,
        },
        log_path=tmp_path / f"{name}.log",
        workers=1,
    )


def _get(base: str, path: str, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}


def test_forwarded_headers_ignored_without_behind_proxy(database, tmp_path):
    with _instance(database, tmp_path, "direct", BEHIND_PROXY="") as server:
        status, feed = _get(server.base, "/wiki/_recent/feed/", FORGED)
        assert status == 200
        assert f'href="http://127.0.0.1:{server.port}/wiki/_recent/"' in feed
        assert "https://" not in feed
        # Disagreeing headers were a 400 (gunicorn's InvalidSchemeHeaders) from loopback.
        status, _ = _get(
            server.base, "/wiki/", {"X-Forwarded-Proto": "http", "X-Forwarded-Ssl": "on"}
        )
        assert status == 200


def test_forwarded_proto_believed_behind_a_proxy(database, tmp_path):
    with _instance(database, tmp_path, "proxied", BEHIND_PROXY="1") as server:
        status, feed = _get(server.base, "/wiki/_recent/feed/", {"X-Forwarded-Proto": "https"})
        assert status == 200
        assert f'href="https://127.0.0.1:{server.port}/wiki/_recent/"' in feed
        # Only the header Django trusts too (SECURE_PROXY_SSL_HEADER), not the other two.
        # (Another URL: the anonymous page cache keys on neither host nor scheme.)
        status, feed = _get(server.base, "/wiki/_recent/feed/?ssl", {"X-Forwarded-Ssl": "on"})
        assert "https://" not in feed


def test_no_control_socket_by_default(database, tmp_path):
    with _instance(database, tmp_path, "a") as first, _instance(database, tmp_path, "b"):
        assert first.proc.poll() is None
        sockets = [*tmp_path.rglob("*.ctl")]
        assert sockets == [], sockets


def test_control_socket_per_instance_under_var_dir(database, tmp_path):
    first = _instance(database, tmp_path, "a", GUNICORN_CONTROL_SOCKET="1")
    second = _instance(database, tmp_path, "b", GUNICORN_CONTROL_SOCKET="1")
    with first:
        with second:
            mine = tmp_path / "var" / f"gunicorn-{first.port}.ctl"
            theirs = tmp_path / "var" / f"gunicorn-{second.port}.ctl"
            assert mine.is_socket() and theirs.is_socket()
        # Stopping the second removed its socket only.
        assert mine.is_socket() and not theirs.exists()
