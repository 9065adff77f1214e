"""End-to-end fixtures: a live gunicorn server with the real content, and headless Chromium.

The server runs in its own process with production settings (DEBUG off, whitenoise, the
real Content-Security-Policy) against a throwaway database: a SQLite file in a temporary
VAR_DIR, or — when DATABASE_URL points at PostgreSQL — a database created for the run and
dropped afterwards. Nothing here is skipped: if Chromium or the server cannot start, the
tests fail and say why.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.live import Gunicorn

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
STAFF_USER = "browser-editor"
STAFF_PASSWORD = "Browser-editor-pw-" + secrets.token_hex(4)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

SETUP_SCRIPT = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddata", *sys.argv[3:], verbosity=0)
    from wiki.models import Page
    from wiki.services import page_update
    user = get_user_model().objects.create_superuser(sys.argv[1], "ed@example.com", sys.argv[2])
    # A second revision, so that history has a diff to show.
    page = Page.objects.get(title="WebFrameworks")
    page_update(page=page, body=page.body + 2 * chr(10) + "See also WebComponents.",
                author=user, comment="Point to the components")
    call_command("search_index", "--rebuild", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    """
)


@contextlib.contextmanager
def _throwaway_database(var_dir: Path):
    """Yield a DATABASE_URL for the server: a SQLite file, or a new PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{var_dir / 'db.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    name = f"browser_live_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class LiveServer:
    url: str
    env: dict
    log: Path


@pytest.fixture(scope="session")
def server():
    var_dir = Path(tempfile.mkdtemp(prefix="browser-var-"))
    try:
        with _throwaway_database(var_dir) as database_url:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
            env.update(
                DJANGO_SETTINGS_MODULE="config.settings",
                DEBUG="0",
                HTTPS="0",
                SECRET_KEY="browser-tests-" + secrets.token_urlsafe(32),
                ALLOWED_HOSTS="127.0.0.1,localhost",
                DATABASE_URL=database_url,
                VAR_DIR=str(var_dir),
                STATIC_ROOT=str(var_dir / "staticfiles"),
                SEARCH_BACKEND="whoosh",
                SEARCH_INDEX_DIR=str(var_dir / "search-index"),
                PYTHONPATH=str(ROOT),
                PYTHONWARNINGS="ignore",
            )
            env.pop("TEST_DATABASE_NAME", None)
            fixtures = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
            setup = subprocess.run(
                [sys.executable, "-c", SETUP_SCRIPT, STAFF_USER, STAFF_PASSWORD, *fixtures],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if setup.returncode != 0:
                pytest.fail(f"could not prepare the live server's data:\n{setup.stderr[-3000:]}")

            server = Gunicorn(
                env=env,
                log_path=var_dir / "server.log",
                workers=2,
                threads=4,
                ready_path="/",
                access_log=str(var_dir / "access.log"),
            )
            try:
                server.__enter__()
            except RuntimeError as exc:
                pytest.fail(f"the live server did not start: {exc}")
            try:
                yield LiveServer(url=server.base, env=env, log=server.log_path)
            finally:
                server.__exit__()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect

    # Two shared cores, and other suites may run servers too: be patient, not flaky.
    expect.set_options(timeout=10_000)
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: "
            "run `make browsers` (it runs apt-get install chromium)"
        )
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
            )
        except Error as exc:
            pytest.fail(f"Chromium at {CHROMIUM} could not start: {exc}")
        yield chromium
        chromium.close()


# Listen for CSP violations from the first script on every page; the report is read back.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@dataclass
class Problems:
    """Console errors, uncaught exceptions and CSP violations seen by one browser context."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console {msg.type}: {msg.text} ({page.url})")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc} ({page.url})"))

    def collect_csp(self, page) -> None:
        try:
            found = page.evaluate("window.__cspViolations || []")
        except Exception:  # the page navigated or closed meanwhile
            return
        self.errors.extend(f"CSP violation: {v} ({page.url})" for v in found)


@pytest.fixture
def new_context(browser, server):
    """new_context(staff=False, **options) → (context, problems); every page is watched."""
    contexts = []

    def make(*, staff: bool = False, **options):
        options.setdefault("viewport", DESKTOP)
        if staff:
            options["storage_state"] = _staff_state(browser, server)
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        problems = Problems()
        context.on("page", problems.watch)
        contexts.append(context)
        return context, problems

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    context, problems = new_context()
    page = context.new_page()
    page.problems = problems
    return page


@pytest.fixture
def staff_page(new_context):
    context, problems = new_context(staff=True)
    page = context.new_page()
    page.problems = problems
    return page


_STATE: dict[str, dict] = {}


def _staff_state(browser, server) -> dict:
    """Log in once through the admin form; later staff contexts reuse the session."""
    if server.url not in _STATE:
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(STAFF_USER)
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        _STATE[server.url] = context.storage_state()
        context.close()
    return _STATE[server.url]


@pytest.fixture
def shoot():
    """shoot(page, name) saves a PNG under test-artifacts/browser/ (viewport, not full page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make browsers` (npm install axe-core)")
    return AXE_JS.read_text()
