"""Site-wide security: log-in throttling, CSP, redirects, CSRF, deploy checks."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_admin_login_locks_out_after_repeated_failures(staff_user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "editor", "password": "wrong"}
        )
        assert response.status_code == 200  # the form again, with an error
    last = client.post("/admin/login/?next=/admin/", {"username": "editor", "password": "wrong"})
    assert last.status_code == 429  # the limit-th failure locks the pair out
    locked = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "pw-editor-1"}
    )
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    # Another user from the same address is not locked out by editor's failures.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("other", "o@example.com", "pw-other-1")
    ok = client.post("/admin/login/?next=/admin/", {"username": "other", "password": "pw-other-1"})
    assert ok.status_code == 302


def test_successful_login_within_limit(staff_user):
    client = Client()
    client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "pw-editor-1"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_next_to_another_site_stays_on_site(staff_user):
    response = Client().post(
        "/admin/login/?next=//evil.example/", {"username": "editor", "password": "pw-editor-1"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_csp_header_has_no_inline_script(client, make_page):
    make_page("FrontPage", "hi")
    for url in ["/", "/wiki/front-page/", "/admin/login/"]:
        policy = client.get(url)["Content-Security-Policy"]
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_security_headers(client):
    response = client.get("/wiki/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_post_without_csrf_token_is_refused(staff_user, make_page):
    page = make_page("Flask", "x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(
        f"/admin/wiki/page/{page.pk}/change/",
        {"title": "Flask", "body": "hacked", "base_revision": 1},
    )
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.body == "x"


def test_anonymous_users_read_but_cannot_reach_admin(client, make_page):
    make_page("Flask", "x")
    assert client.get("/wiki/flask/").status_code == 200
    response = client.get("/admin/wiki/page/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_check_deploy_is_clean_in_production_mode():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "0",
        "HTTPS": "1",
        "ALLOWED_HOSTS": "wiki.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_secret_key_required_without_debug(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "VAR_DIR": str(tmp_path),  # no generated var/secret_key to fall back on
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_secret_key_falls_back_to_the_generated_file(tmp_path):
    (tmp_path / "secret_key").write_text("generated-by-make-" + "k" * 50 + "\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    env.pop("SECRET_KEY", None)
    env["VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); "
         "from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "generated-by-make-" + "k" * 50
