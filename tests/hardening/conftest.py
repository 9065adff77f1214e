"""Hardening fixtures: a whole-page inertness check, gunicorn on a free loopback port,
and a logged-in HTTP session that scrapes CSRF tokens like a browser."""

from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection

from bench import live
from tests.payloads import active_content

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"

# Elements the site's own templates use; injected copies are caught by their attributes.
SITE_ELEMENTS = {"form", "button", "select", "option", "textarea", "link", "meta", "svg"}
# The test client's own origin: the canonical link is an absolute address on the site.
SITE_ORIGIN = "http://testserver/"


class _PageInspector(HTMLParser):
    """Like tests.payloads.active_content, for whole pages: the site's own <script src>,
    forms, stylesheets and inline SVG are allowed; inline script, off-site URLs on them,
    event attributes and javascript:/data: URLs anywhere are not."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rendered = "<" + tag + "".join(f' {k}="{escape(v)}"' for k, v in attrs.items() if v) + ">"
        problems = active_content(rendered)
        src = attrs.get("src") or ""
        if tag == "script" and src.startswith("/") and not src.startswith("//"):
            problems = [p for p in problems if p != "<script> element"]
        elif tag in SITE_ELEMENTS:
            problems = [p for p in problems if p != f"<{tag}> element"]
            for name in ("href", "action", "src"):
                value = (attrs.get(name) or "").strip()
                if tag == "link" and value.startswith(SITE_ORIGIN):
                    value = value.removeprefix(SITE_ORIGIN[:-1])
                if (value and not value.startswith(("/", "?", "#"))) or value.startswith("//"):
                    problems.append(f"off-site {name}={value!r} on <{tag}>")
            if tag == "meta" and attrs.get("http-equiv"):
                problems.append("<meta http-equiv>")
        self.problems.extend(problems)

    handle_startendtag = handle_starttag


def page_problems(html: str) -> list[str]:
    inspector = _PageInspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def assert_page_inert(html: str, where: str = "") -> None:
    problems = page_problems(html)
    assert not problems, f"{where}: {problems[:5]}"


def database_url() -> str:
    return live.database_url(connection.settings_dict)


class Gunicorn(live.Gunicorn):
    """gunicorn (config/gunicorn.py) with DEBUG off and unhashed static files."""

    def __init__(self, *, env: dict, log_path: Path, workers: int = 2, threads: int = 1):
        super().__init__(
            env={
                "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
                "DEBUG": "",
                **env,
            },
            log_path=log_path,
            workers=workers,
            threads=threads,
            access_log=os.environ.get("LOADTEST_ACCESS_LOG", "") or "-",
        )


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client that logs in to the admin and posts forms with the
    CSRF token scraped from them, as a browser would. No redirects are followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, timeout: float = 30):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace"), response.headers
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace"), err.headers

    def csrf_from(self, html: str) -> str:
        match = _CSRF.search(html)
        assert match, "no CSRF token in the form"
        return match.group(1)

    def login(self, username: str, password: str) -> None:
        status, html, _ = self.request("/admin/login/")
        assert status == 200
        status, html, _headers = self.request(
            "/admin/login/?next=/admin/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.csrf_from(html),
            },
        )
        assert status == 302, (status, html[:500])


@pytest.fixture
def file_database():
    if connection.vendor == "sqlite" and str(connection.settings_dict["NAME"]).startswith(
        ("file:", ":memory:")
    ):
        pytest.skip("needs a file-based test database")
    return database_url()
