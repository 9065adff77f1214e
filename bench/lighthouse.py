"""`make lighthouse`: Lighthouse (npm, in var/node/) with its default mobile emulation, in
Debian's Chromium, against gunicorn with production settings over a throwaway copy of the
fixtures. Prints the four category scores of each page and writes each report as JSON to
var/lighthouse/<name>.json. A measurement, not a test: it never fails on a score."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.live import Gunicorn

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "var" / "node" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PAGES = {
    "front": "/",
    "wiki-page": "/wiki/python-web-frameworks/",
    "framework": "/catalog/django/",
    "matrix": "/catalog/matrix/",
    "search": "/search/?q=template",
}
SETUP = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("loaddata", *sys.argv[1:], verbosity=0)
call_command("search_index", "--rebuild", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
"""
# No warm_pages: it renders without a request, so without SITE_URL its snapshots would carry
# relative canonical links; each page's first view here renders with the server's address.


def run_lighthouse(url: str, out: Path) -> dict[str, int]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    # A trace Chromium records incompletely (NO_NAVSTART) is a run to repeat, not a score.
    for attempt in range(3):
        done = subprocess.run(command, env=env, check=False, timeout=300)
        report = json.loads(out.read_text()) if out.exists() else {}
        if done.returncode == 0 and not report.get("runtimeError"):
            break
        print(f"  {url}: Lighthouse failed (attempt {attempt + 1}), running it again")
    else:
        raise RuntimeError(f"Lighthouse failed three times on {url}: see {out}")
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "var" / "lighthouse"))
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(f"Lighthouse is missing at {LIGHTHOUSE}: run `make lighthouse`")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="lighthouse-var-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "lighthouse-" + secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "staticfiles"),
        "SEARCH_INDEX_DIR": str(var_dir / "search-index"),
        "PYTHONPATH": str(ROOT),
    }
    try:
        fixtures = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
        subprocess.run(
            [sys.executable, "-c", SETUP, *fixtures], cwd=ROOT, env=env, check=True, timeout=600
        )
        scores = {}
        with Gunicorn(env=env, log_path=var_dir / "server.log", workers=2, ready_path="/") as srv:
            for name, path in PAGES.items():
                scores[name] = run_lighthouse(srv.base + path, out_dir / f"{name}.json")
                print(name.ljust(10), "  ".join(f"{c} {scores[name][c]}" for c in CATEGORIES))
        (out_dir / "scores.json").write_text(json.dumps(scores, indent=1) + "\n")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
